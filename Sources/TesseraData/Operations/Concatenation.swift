/// Frames one after another, as pandas' `concat`: the union of their columns in order of
/// first appearance, a column absent from a frame missing in its rows; int64 and float64
/// meet as float64, and any other change of type is an error that names the column.
extension Frame {
    public static func concatenated(_ frames: [Frame]) throws(DataError) -> Frame {
        guard let first = frames.first else { throw DataError("concat needs at least one frame") }
        var names: [String] = []
        var types: [String: Column.DType] = [:]
        for (k, f) in frames.enumerated() {
            for c in f.columns {
                guard let t = types[c.name] else { names.append(c.name); types[c.name] = c.dtype; continue }
                if t == c.dtype || c.missingCount == c.count { continue }
                if Set([t, c.dtype]) == [.int64, .float64] { types[c.name] = .float64; continue }
                throw DataError("column '\(c.name)' is \(t.rawValue) in an earlier frame and \(c.dtype.rawValue) in frame \(k)",
                                suggestion: "convert one of them first (readCSV(path, types: [\"\(c.name)\": \"\(t.rawValue)\"]))")
            }
        }
        var columns: [Column] = []
        for name in names {
            var cells: [CellValue] = []
            for f in frames {
                if let c = try? f.column(name) {
                    for i in 0..<c.count { cells.append(c.value(at: i)) }
                } else {
                    cells += repeatElement(.missing, count: f.rowCount)
                }
            }
            columns.append(Column.from(cells, named: name, dtype: types[name]!))
        }
        var out = try Frame(columns: columns, target: first.target.flatMap { names.contains($0) ? $0 : nil })
        out.log = first.log
        return out
    }
}

extension Column {
    /// A column of `cells` of type `dtype` (an int where a float64 column is asked is widened).
    static func from(_ cells: [CellValue], named name: String, dtype: DType) -> Column {
        switch dtype {
        case .float64: return Column(name, doubles: cells.map { $0.asDouble })
        case .int64: return Column(name, ints: cells.map { if case .int(let i) = $0 { return i } else { return nil } })
        case .bool: return Column(name, bools: cells.map { if case .bool(let b) = $0 { return b } else { return nil } })
        case .string: return Column(name, strings: cells.map { if case .string(let s) = $0 { return s } else { return nil } })
        }
    }

    static func from(_ cells: [CellValue], named name: String, like: Column) -> Column { from(cells, named: name, dtype: like.dtype) }
}
