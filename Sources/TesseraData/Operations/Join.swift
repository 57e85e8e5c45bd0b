/// Two frames side by side where their key columns match, as pandas' `merge`: every pair
/// of matching rows, in the left frame's order (then the right's); with `.left`, a left
/// row without a match too, its right columns missing. Missing keys match each other, as
/// in pandas. Columns both frames have besides the keys get the suffixes `_x` and `_y`.
extension Frame {
    public enum JoinKind: String, Sendable, CaseIterable { case inner, left }

    public func joined(_ right: Frame, on keys: [String], how: JoinKind = .inner) throws(DataError) -> Frame {
        guard !keys.isEmpty else { throw DataError("join(on:) needs at least one key column") }
        var leftKeys: [Column] = [], rightKeys: [Column] = []
        for k in keys {
            guard hasColumn(k) else { throw DataError("the left frame has no key column '\(k)'", suggestion: DataError.noColumn(k, in: columnNames).suggestion) }
            guard right.hasColumn(k) else { throw DataError("the right frame has no key column '\(k)'", suggestion: DataError.noColumn(k, in: right.columnNames).suggestion) }
            let (l, r) = (try column(k), try right.column(k))
            if (l.dtype == .string) != (r.dtype == .string) {
                throw DataError("key '\(k)' is \(l.dtype.rawValue) on the left and \(r.dtype.rawValue) on the right", suggestion: "read both with the same type for it")
            }
            leftKeys.append(l)
            rightKeys.append(r)
        }
        func key(_ columns: [Column], _ i: Int) -> [CellValue] {
            columns.map { c in
                if c.isAbsent(i) { return .missing }
                // Numbers match by value whatever their type (1 and 1.0), as in pandas.
                if c.dtype != .string, let d = c.double(at: i) { return .double(d) }
                return c.value(at: i)
            }
        }
        var index: [[CellValue]: [Int]] = [:]
        for j in 0..<right.rowCount { index[key(rightKeys, j), default: []].append(j) }
        // Many-to-many keys multiply rows: count them before anything is made.
        var total = 0
        for i in 0..<rowCount {
            let matches = index[key(leftKeys, i)]?.count ?? (how == .left ? 1 : 0)
            total = total.addingReportingOverflow(matches).partialValue
        }
        try Frame.checkRows(total, columns: columns.count + right.columns.count, what: "join(on: \(keys))")
        var leftRows: [Int] = [], rightRows: [Int?] = []
        leftRows.reserveCapacity(total)
        rightRows.reserveCapacity(total)
        for i in 0..<rowCount {
            if let matches = index[key(leftKeys, i)] {
                for j in matches { leftRows.append(i); rightRows.append(j) }
            } else if how == .left {
                leftRows.append(i)
                rightRows.append(nil)
            }
        }
        let rightOnly = right.columns.filter { !keys.contains($0.name) }
        let shared = Set(columns.map(\.name)).intersection(rightOnly.map(\.name))
        var out: [Column] = columns.map { c in
            var t = c.take(leftRows)
            if shared.contains(c.name) { t.name += "_x" }
            return t
        }
        for c in rightOnly {
            let cells = rightRows.map { $0.map { c.value(at: $0) } ?? .missing }
            out.append(Column.from(cells, named: shared.contains(c.name) ? c.name + "_y" : c.name, like: c))
        }
        return try Frame(columns: out)
    }
}
