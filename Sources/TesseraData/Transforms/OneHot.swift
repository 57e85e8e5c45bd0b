/// Replaces each text column by one 0/1 column per category seen when fitting
/// (`merchant_category=online`); a category that only appears later gets no column and
/// its rows are all zeros.
public struct OneHot: Transform {
    /// Categories beyond this many (by frequency) are left out, so an id column does not
    /// explode into a column per row.
    public var maxCategories: Int

    public init(maxCategories: Int = 50) { self.maxCategories = maxCategories }

    public struct Fitted: FittedTransform {
        public let categories: [(name: String, values: [String])]

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            var columns: [Column] = []
            for c in frame.columns {
                guard let spec = categories.first(where: { $0.name == c.name }) else { columns.append(c); continue }
                for v in spec.values {
                    var bits = [Bool](repeating: false, count: c.count)
                    for i in 0..<c.count where c.text(at: i) == v { bits[i] = true }
                    columns.append(Column(name: "\(c.name)=\(v)", storage: .bool(bits)))
                }
            }
            return try frame.derived(columns: columns)
        }

        public var summary: [String] { categories.map { "\($0.name): \($0.values.count) categories (\(listed($0.values)))" } }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        var out: [(String, [String])] = []
        for c in frame.featureColumns(excluding: nil) where c.dtype == .string {
            var counts: [String: Int] = [:]
            for i in 0..<c.count { if let t = c.text(at: i) { counts[t, default: 0] += 1 } }
            let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(maxCategories).map(\.key)
            out.append((c.name, top.sorted()))
        }
        return Fitted(categories: out)
    }
}
