/// How often each value occurs, as pandas' `value_counts`: a frame of the values and their
/// counts, most frequent first (ties in order of first appearance), missing values left
/// out unless `dropMissing` is false.
extension Frame {
    public func valueCounts(_ name: String, dropMissing: Bool = true) throws(DataError) -> Frame {
        let c = try column(name)
        var counts: [CellValue: Int] = [:]
        var order: [CellValue] = []
        for i in 0..<c.count {
            let v: CellValue = c.isAbsent(i) ? .missing : c.value(at: i)
            if v == .missing && dropMissing { continue }
            if counts[v] == nil { order.append(v) }
            counts[v, default: 0] += 1
        }
        let ranked = order.enumerated().sorted { x, y in
            let (cx, cy) = (counts[x.element]!, counts[y.element]!)
            return cx != cy ? cx > cy : x.offset < y.offset
        }.map(\.element)
        let values = Column.from(ranked, named: name, like: c)
        let countName = name == "count" ? "count_" : "count"
        return try Frame(columns: [values, Column(countName, ints: ranked.map { Int64(counts[$0]!) })])
    }
}
