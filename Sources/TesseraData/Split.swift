import TesseraTensor

extension Frame {
    /// Splits rows into train and test, seeded so the same seed gives the same split.
    ///
    /// - `stratify:` keeps each value's share of rows the same on both sides (every value
    ///   with two or more rows appears in both).
    /// - `orderBy:` is a time-ordered split: rows sorted by that column, the earliest
    ///   `fraction` for training and the rest for testing, so the test set is the future.
    public func split(_ fraction: Double, stratify: String? = nil, seed: UInt64 = 0,
                      orderBy: String? = nil) throws(DataError) -> (train: Frame, test: Frame) {
        guard fraction > 0 && fraction < 1 else {
            throw DataError("split(\(fraction)): the train fraction must be between 0 and 1", suggestion: "e.g. split(0.8)")
        }
        guard rowCount >= 2 else { throw DataError("split needs at least 2 rows; the frame has \(rowCount)") }
        if let orderBy {
            guard stratify == nil else {
                throw DataError("split cannot both stratify and order by time", suggestion: "choose stratify: or orderBy:")
            }
            let key = try column(orderBy)
            let order = (0..<rowCount).sorted { a, b in Self.precedes(key, a, b) }
            let cut = Swift.min(rowCount - 1, Swift.max(1, Int((Double(rowCount) * fraction).rounded())))
            return (take(Array(order[..<cut])), take(Array(order[cut...])))
        }
        let keys = try stratify.map { (name) throws(DataError) in let key = try column(name); return (0..<rowCount).map { key.value(at: $0) } }
        let (train, test) = Self.splitRows(rowCount, keys: keys, trainFraction: fraction, seed: seed)
        return (take(train), take(test))
    }

    /// Row indices 0..<count split into train and test, in an order fixed by `seed`: per
    /// value of `keys` when given (every value with two or more rows on both sides), else over
    /// all rows (both sides non-empty from two rows). Frames split with it, and so does a
    /// fit's validationSplit of tensors.
    public static func splitRows(_ count: Int, keys: [CellValue]?, trainFraction fraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var rng = RandomGenerator(seed: seed)
        if let keys {
            var groups: [CellValue: [Int]] = [:]
            var order: [CellValue] = []
            for i in 0..<count {
                let v = keys[i]
                if groups[v] == nil { order.append(v) }
                groups[v, default: []].append(i)
            }
            var train: [Int] = [], test: [Int] = []
            for v in order {
                var rows = groups[v]!
                rows.shuffle(using: &rng)
                var cut = Int((Double(rows.count) * fraction).rounded())
                if rows.count >= 2 { cut = Swift.min(rows.count - 1, Swift.max(1, cut)) }
                train += rows[..<cut]
                test += rows[cut...]
            }
            train.shuffle(using: &rng)
            test.shuffle(using: &rng)
            return (train, test)
        }
        var rows = Array(0..<count)
        rows.shuffle(using: &rng)
        let cut = Swift.min(count - 1, Swift.max(1, Int((Double(count) * fraction).rounded())))
        return (Array(rows[..<Swift.max(0, cut)]), Array(rows[Swift.max(0, cut)...]))
    }

    /// Row order for time-ordered splits: by value, missing last, ties by position.
    static func precedes(_ c: Column, _ a: Int, _ b: Int) -> Bool {
        let va = c.value(at: a), vb = c.value(at: b)
        switch (va, vb) {
        case (.missing, .missing): return a < b
        case (.missing, _): return false
        case (_, .missing): return true
        default:
            if let x = va.asDouble, let y = vb.asDouble { return x != y ? x < y : a < b }
            let x = c.text(at: a) ?? "", y = c.text(at: b) ?? ""
            return x != y ? x < y : a < b
        }
    }
}
