/// Rows in order of one or more columns, as pandas' `sort_values`: a stable sort (rows with
/// equal keys keep their order), each key ascending or descending, missing values (and
/// NaN) last whatever the direction.
extension Frame {
    public func sorted(by keys: [String], ascending: [Bool]) throws(DataError) -> Frame {
        guard !keys.isEmpty else { throw DataError("sort(by:) needs at least one column") }
        guard ascending.count == keys.count || ascending.count == 1 else {
            throw DataError("sort(by:ascending:) has \(keys.count) columns but \(ascending.count) directions", suggestion: "give one Bool, or one per column")
        }
        let columns = try keys.map { (name) throws(DataError) in try column(name) }
        let up = ascending.count == 1 ? Array(repeating: ascending[0], count: keys.count) : ascending
        let order = (0..<rowCount).sorted { a, b in
            for (c, asc) in zip(columns, up) {
                switch Self.compare(c, a, b) {
                case .some(let r) where r != 0: return asc ? r < 0 : r > 0
                case nil:
                    // Exactly one is missing: it goes last either way.
                    return !c.isAbsent(a)
                default: continue
                }
            }
            return a < b
        }
        return take(order)
    }

    /// -1, 0 or 1 for two rows' values; 0 when both are missing; nil when one is.
    static func compare(_ c: Column, _ a: Int, _ b: Int) -> Int? {
        let ma = c.isAbsent(a), mb = c.isAbsent(b)
        if ma && mb { return 0 }
        if ma || mb { return nil }
        switch c.storage {
        case .float64(let v): return v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0
        case .int64(let v): return v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : 0
        case .bool(let v): return v[a] == v[b] ? 0 : v[a] ? 1 : -1
        case .string(let codes, let cats):
            let x = cats[Int(codes[a])], y = cats[Int(codes[b])]
            return x < y ? -1 : x > y ? 1 : 0
        }
    }
}

extension Column {
    /// Missing, or a NaN (which pandas treats as missing when it sorts, groups and counts).
    func isAbsent(_ i: Int) -> Bool {
        if isMissing(i) { return true }
        if case .float64(let v) = storage { return v[i].isNaN }
        return false
    }
}
