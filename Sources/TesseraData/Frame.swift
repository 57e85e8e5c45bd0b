import TesseraTensor

/// A table of named, typed columns of equal length: what data is loaded into, checked,
/// cleaned and split as, and what training reads from.
public struct Frame: Sendable, Equatable {
    public private(set) var columns: [Column]
    public private(set) var rowCount: Int
    /// The column to predict, when the frame knows it (`readCSV(target:)`, datasets).
    public var target: String?
    /// What reading the file found wrong (bad lines, renamed columns, encoding).
    public var parseReport: ParseReport
    /// What `clean` changed, in order.
    public var log: [String] = []

    public init(columns: [Column], target: String? = nil, parseReport: ParseReport = ParseReport()) throws(DataError) {
        let n = columns.first?.count ?? 0
        if let bad = columns.first(where: { $0.count != n }) {
            throw DataError("column '\(bad.name)' has \(bad.count) values but '\(columns[0].name)' has \(n); a frame's columns must have equal length")
        }
        var seen = Set<String>()
        for c in columns where !seen.insert(c.name).inserted {
            throw DataError("two columns are named '\(c.name)'", suggestion: "rename one of them")
        }
        if let target, !seen.contains(target) { throw DataError.noColumn(target, in: columns.map(\.name)) }
        self.columns = columns
        self.rowCount = n
        self.target = target
        self.parseReport = parseReport
    }

    public var columnNames: [String] { columns.map(\.name) }
    public var shape: (rows: Int, columns: Int) { (rowCount, columns.count) }

    public func column(_ name: String) throws(DataError) -> Column {
        guard let c = columns.first(where: { $0.name == name }) else { throw DataError.noColumn(name, in: columnNames) }
        return c
    }

    public func hasColumn(_ name: String) -> Bool { columns.contains { $0.name == name } }

    /// The named columns, in the order given.
    public func select(_ names: [String]) throws(DataError) -> Frame {
        var picked: [Column] = []
        for n in names { picked.append(try column(n)) }
        return try derived(columns: picked)
    }

    /// Every column but the named ones.
    public func drop(_ names: [String]) throws(DataError) -> Frame {
        for n in names where !hasColumn(n) { throw DataError.noColumn(n, in: columnNames) }
        return try derived(columns: columns.filter { !names.contains($0.name) })
    }

    /// The rows at `indices`, in that order.
    public func take(_ indices: [Int]) -> Frame {
        var f = self
        f.columns = columns.map { $0.take(indices) }
        f.rowCount = indices.count
        return f
    }

    public func head(_ n: Int = 5) -> Frame { take(Array(0..<min(max(0, n), rowCount))) }
    public func tail(_ n: Int = 5) -> Frame { take(Array(max(0, rowCount - max(0, n))..<rowCount)) }

    /// The rows for which `keep(row)` is true.
    public func filter(_ keep: (Int) throws -> Bool) rethrows -> Frame {
        var kept: [Int] = []
        for i in 0..<rowCount where try keep(i) { kept.append(i) }
        return take(kept)
    }

    /// A frame with the same target (when it is still there) and report, new columns.
    func derived(columns: [Column]) throws(DataError) -> Frame {
        var f = try Frame(columns: columns, target: nil, parseReport: parseReport)
        if let target, f.hasColumn(target) { f.target = target }
        f.log = log
        return f
    }

    /// This frame with a column added, or replaced when one has its name.
    public func setting(_ column: Column) throws(DataError) -> Frame {
        guard columns.isEmpty || column.count == rowCount else {
            throw DataError("column '\(column.name)' has \(column.count) values; the frame has \(rowCount) rows")
        }
        var cs = columns
        if let i = cs.firstIndex(where: { $0.name == column.name }) { cs[i] = column } else { cs.append(column) }
        return try derived(columns: cs)
    }

    /// Row `i` as name → value.
    public func row(_ i: Int) -> [(String, CellValue)] { columns.map { ($0.name, $0.value(at: i)) } }

    // MARK: Summaries

    /// Per-column statistics as a frame: count, missing, mean, std, min, quartiles, max
    /// for numbers; unique and the most frequent value for every column.
    public func describe() -> Frame {
        var names: [String?] = [], dtypes: [String?] = []
        var counts: [Int64?] = [], missings: [Int64?] = [], uniques: [Int64?] = []
        var stats: [[Double?]] = Array(repeating: [], count: 8)
        var tops: [String?] = []
        for c in columns {
            names.append(c.name)
            dtypes.append(c.dtype.rawValue)
            counts.append(Int64(c.count - c.missingCount))
            missings.append(Int64(c.missingCount))
            let texts = c.uniqueTexts
            uniques.append(Int64(texts.count))
            tops.append(Self.mostFrequent(c))
            if c.isNumeric && c.dtype != .bool {
                let s = Summary(c.numericValues)
                for (k, v) in [s.mean, s.std, s.min, s.q25, s.median, s.q75, s.max, nil].enumerated() { stats[k].append(v) }
            } else {
                for k in 0..<8 { stats[k].append(nil) }
            }
        }
        let labels = ["mean", "std", "min", "25%", "50%", "75%", "max"]
        var cols = [Column("column", strings: names), Column("dtype", strings: dtypes), Column("count", ints: counts),
                    Column("missing", ints: missings)]
        for (k, l) in labels.enumerated() { cols.append(Column(l, doubles: stats[k])) }
        cols += [Column("unique", ints: uniques), Column("top", strings: tops)]
        return try! Frame(columns: cols)
    }

    static func mostFrequent(_ c: Column) -> String? {
        if case .string(let codes, let cats) = c.storage {
            var counts = [Int](repeating: 0, count: cats.count)
            for code in codes where code >= 0 { counts[Int(code)] += 1 }
            guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }) else { return nil }
            return cats[best]
        }
        var counts: [String: Int] = [:]
        for i in 0..<c.count { if let t = c.text(at: i) { counts[t, default: 0] += 1 } }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    // MARK: Tensors

    /// Every column as a feature, for a frame without a target (predictions on new data).
    public func featureTensor() throws(DataError) -> Tensor {
        if let text = columns.first(where: { !$0.isNumeric }) {
            throw DataError("column '\(text.name)' holds text; a model needs numbers",
                            suggestion: "encode it first: let t = OneHot().fit(train); data = t.apply(data)")
        }
        if let gap = columns.first(where: { $0.missingCount > 0 }) {
            throw DataError("column '\(gap.name)' has \(gap.missingCount) missing values; a model needs every value",
                            suggestion: "impute them first: frame.clean(impute: .median) or Impute(.median)")
        }
        var features = [Float](repeating: 0, count: rowCount * columns.count)
        for (j, c) in columns.enumerated() {
            for i in 0..<rowCount { features[i * columns.count + j] = Float(c.double(at: i)!) }
        }
        return Tensor(shape: [rowCount, columns.count], storage: features)
    }

    /// Features and target as Float32 tensors for training: every column but the target
    /// (numbers and bools; strings must be encoded first, e.g. with OneHot) and the
    /// target column (numbers, or strings as class indices in sorted order).
    public func tensors(target name: String? = nil) throws(DataError) -> (features: Tensor, target: Tensor, classes: [String]?) {
        guard let targetName = name ?? target else {
            throw DataError("which column is the target?", suggestion: "pass target: \"label\" (or read the CSV with target:)")
        }
        let y = try column(targetName)
        let xs = columns.filter { $0.name != targetName }
        if let text = xs.first(where: { !$0.isNumeric }) {
            throw DataError("column '\(text.name)' holds text; training needs numbers",
                            suggestion: "encode it first: let t = OneHot().fit(train); train = t.apply(train)")
        }
        if let gap = (xs + [y]).first(where: { $0.missingCount > 0 }) {
            throw DataError("column '\(gap.name)' has \(gap.missingCount) missing values; training needs every value",
                            suggestion: "impute them first: frame.clean(impute: .median) or Impute(.median)")
        }
        var features = [Float](repeating: 0, count: rowCount * xs.count)
        for (j, c) in xs.enumerated() {
            for i in 0..<rowCount { features[i * xs.count + j] = Float(c.double(at: i)!) }
        }
        var classes: [String]?
        var targets = [Float](repeating: 0, count: rowCount)
        if y.dtype == .string {
            // The classes the rows hold, by text (a filtered frame keeps its dropped rows' categories).
            let sorted = y.uniqueTexts.sorted()
            let rank = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Float($0)) })
            for i in 0..<rowCount { targets[i] = y.text(at: i).flatMap { rank[$0] } ?? 0 }
            classes = sorted
        } else {
            for i in 0..<rowCount { targets[i] = Float(y.double(at: i)!) }
        }
        return (Tensor(shape: [rowCount, xs.count], storage: features), Tensor(shape: [rowCount], storage: targets), classes)
    }
}

/// Order statistics of a sample, as describe() and the outlier check use them
/// (quantiles interpolate linearly, as numpy's and pandas' default).
public struct Summary: Sendable {
    public let count: Int
    public let mean: Double?, std: Double?, min: Double?, q25: Double?, median: Double?, q75: Double?, max: Double?

    public init(_ values: [Double]) {
        let v = values.filter { !$0.isNaN }.sorted()
        count = v.count
        guard !v.isEmpty else { mean = nil; std = nil; min = nil; q25 = nil; median = nil; q75 = nil; max = nil; return }
        let m = v.reduce(0, +) / Double(v.count)
        mean = m
        std = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : nil
        min = v.first
        max = v.last
        q25 = Self.quantile(v, 0.25)
        median = Self.quantile(v, 0.5)
        q75 = Self.quantile(v, 0.75)
    }

    /// The `p` quantile of sorted values, interpolated linearly (numpy's default); nil for none.
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let pos = p * Double(sorted.count - 1)
        let lo = Int(pos), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }
}

extension Frame {
    /// Whether two frames hold the same columns (names, order, types) and values, missing
    /// where the other is missing, as pandas' `equals`: what a frame was read from or how
    /// its text is coded does not matter. NaN equals NaN here, as in pandas.
    public func sameContents(as other: Frame) -> Bool {
        guard rowCount == other.rowCount, columns.count == other.columns.count else { return false }
        for (a, b) in zip(columns, other.columns) {
            guard a.name == b.name, a.dtype == b.dtype else { return false }
            for i in 0..<rowCount {
                let (x, y) = (a.value(at: i), b.value(at: i))
                if x == y { continue }
                if case .double(let p) = x, case .double(let q) = y, p.isNaN && q.isNaN { continue }
                return false
            }
        }
        return true
    }
}

extension Frame {
    /// Checks that `rows` rows of `columns` columns fit in memory before they are made.
    static func checkRows(_ rows: Int, columns: Int, what: @autoclosure () -> String) throws(DataError) {
        let (bytes, overflow) = rows.multipliedReportingOverflow(by: Swift.max(1, columns) * 16)
        do { try HostMemory.check(bytes: overflow ? .max : bytes, what: "\(what()) would make \(rows) rows, which") } catch {
            throw DataError(error.message, suggestion: "ask for fewer rows: filter the frames first, or use keys that repeat less")
        }
    }
}
