import TesseraTensor

/// Random rows, as pandas' `sample`: `n` of them (or a `fraction` of the rows), without
/// replacement unless asked, in a random order fixed by `seed`.
extension Frame {
    public func sample(n: Int? = nil, fraction: Double? = nil, replace: Bool = false, seed: UInt64 = 0) throws(DataError) -> Frame {
        let count: Int
        switch (n, fraction) {
        case (let n?, nil): count = n
        case (nil, let f?):
            guard f >= 0, replace || f <= 1 else { throw DataError("sample(fraction: \(f)) must be between 0 and 1 (or any size with replace: true)") }
            count = Int((Double(rowCount) * f).rounded())
        case (nil, nil): count = 1
        default: throw DataError("sample takes n: or fraction:, not both")
        }
        guard count >= 0 else { throw DataError("sample(n: \(count)) must be 0 or more") }
        guard replace || count <= rowCount else {
            throw DataError("sample(n: \(count)) asks for more rows than the frame's \(rowCount) without replacement", suggestion: "pass replace: true, or a smaller n")
        }
        guard !(replace && rowCount == 0 && count > 0) else { throw DataError("sample: the frame has no rows to draw from") }
        try Frame.checkRows(count, columns: columns.count, what: "sample(n: \(count))")
        var rng = RandomGenerator(seed: seed)
        if replace { return take((0..<count).map { _ in rng.nextInt(rowCount) }) }
        // A partial Fisher-Yates shuffle: the first `count` positions.
        var rows = Array(0..<rowCount)
        for i in 0..<count { rows.swapAt(i, i + rng.nextInt(rowCount - i)) }
        return take(Array(rows[..<count]))
    }
}
