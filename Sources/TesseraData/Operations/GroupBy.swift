/// Rows grouped by the values of key columns, and each group summarised, as pandas'
/// `groupby(keys).agg({...})`: groups in sorted key order, rows with a missing key left out,
/// each aggregation over the group's non-missing values.
public struct Grouping: Sendable {
    public let frame: Frame
    public let keys: [String]

    /// An aggregation of a column over a group.
    public enum Aggregation: String, Sendable, CaseIterable {
        /// Non-missing values; an int64.
        case count
        /// The sum (0 for none): int64 for int and Bool columns, float64 for float.
        case sum
        /// The mean, float64 (missing for none).
        case mean
        /// The smallest and largest, of the column's type (text compares as text).
        case min, max
        /// The sample standard deviation (n - 1, as pandas), float64 (missing below 2 values).
        case std

        /// Whether it applies to text (count, min and max do; the others need numbers).
        public var takesText: Bool { self == .count || self == .min || self == .max }
    }

    /// The groups: each one's row indices, in sorted key order (found once, when grouped).
    public let groups: [[Int]]

    public init(_ frame: Frame, by keys: [String]) throws(DataError) {
        guard !keys.isEmpty else { throw DataError("groupBy needs at least one column") }
        for k in keys where !frame.hasColumn(k) { throw DataError.noColumn(k, in: frame.columnNames) }
        self.frame = frame
        self.keys = keys
        let columns = keys.map { try! frame.column($0) }
        var index: [[CellValue]: Int] = [:]
        var groups: [[Int]] = []
        for i in 0..<frame.rowCount {
            if columns.contains(where: { $0.isAbsent(i) }) { continue }
            let key = columns.map { $0.value(at: i) }
            if let g = index[key] { groups[g].append(i) } else { index[key] = groups.count; groups.append([i]) }
        }
        self.groups = groups.sorted { a, b in
            for c in columns {
                let r = Frame.compare(c, a[0], b[0]) ?? 0
                if r != 0 { return r < 0 }
            }
            return false
        }
    }

    /// The key columns, one row per group.
    var keyColumns: [Column] { keys.map { try! frame.column($0).take(groups.map { $0[0] }) } }

    /// One row per group: the key columns, then `column_aggregation` for each pair asked (or
    /// the column's own name with `keepingNames`, as pandas names `groupby().mean()`).
    public func aggregate(_ asked: [(column: String, aggregation: Aggregation)], keepingNames: Bool = false) throws(DataError) -> Frame {
        guard !asked.isEmpty else { throw DataError("aggregate needs at least one column and aggregation", suggestion: "e.g. aggregate([\"amount\": \"mean\"])") }
        var out = keyColumns
        for (name, agg) in asked {
            let c = try frame.column(name)
            if c.dtype == .string && !agg.takesText {
                throw DataError("\(agg.rawValue) of column '\(name)' needs numbers; it holds text", suggestion: "count, min and max work on text")
            }
            out.append(Self.aggregate(c, groups, agg, as: keepingNames ? name : "\(name)_\(agg.rawValue)"))
        }
        return try Frame(columns: out)
    }

    /// `groupby().mean()` and the like: `aggregation` of every other column it applies to.
    public func aggregateAll(_ aggregation: Aggregation) throws(DataError) -> Frame {
        let columns = frame.columns.filter { !keys.contains($0.name) && (aggregation.takesText || $0.dtype != .string) }
        return try aggregate(columns.map { ($0.name, aggregation) }, keepingNames: true)
    }

    /// The keys and each group's row count (pandas' `size`).
    public func size() throws(DataError) -> Frame {
        try Frame(columns: keyColumns + [Column("size", ints: groups.map { Int64($0.count) })])
    }

    static func aggregate(_ c: Column, _ groups: [[Int]], _ agg: Aggregation, as name: String) -> Column {
        func present(_ g: [Int]) -> [Int] { g.filter { !c.isAbsent($0) } }
        switch agg {
        case .count:
            return Column(name, ints: groups.map { Int64(present($0).count) })
        case .sum:
            if c.dtype == .float64 { return Column(name, doubles: groups.map { present($0).reduce(0.0) { $0 + c.double(at: $1)! } }) }
            return Column(name, ints: groups.map { present($0).reduce(Int64(0)) { $0 &+ Int64(c.double(at: $1)!) } })
        case .mean:
            return Column(name, doubles: groups.map { g in
                let xs = present(g).map { c.double(at: $0)! }
                return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
            })
        case .std:
            return Column(name, doubles: groups.map { g in Summary(present(g).map { c.double(at: $0)! }).std })
        case .min, .max:
            let picked: [Int?] = groups.map { g in
                present(g).min { a, b in
                    let r = Frame.compare(c, a, b) ?? 0
                    return agg == .min ? r < 0 : r > 0
                }
            }
            let cells = picked.map { $0.map { c.value(at: $0) } ?? .missing }
            return Column.from(cells, named: name, like: c)
        }
    }
}

extension Frame {
    public func grouped(by keys: [String]) throws(DataError) -> Grouping { try Grouping(self, by: keys) }
}
