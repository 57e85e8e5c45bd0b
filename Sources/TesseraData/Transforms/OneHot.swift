import TesseraTensor

/// Replaces categorical columns by one 0/1 column per category seen when fitting
/// (`merchant_category=online`): every text column, or the columns named. A category that
/// only appears later is counted by the pipeline's report and encoded as all zeros, or in
/// a `name=(other)` column when fitted with `unseen: .other` (which also takes the
/// categories beyond `maxCategories`).
public struct OneHot: Transform {
    /// The columns to encode (any type: numbers are categories by their text); nil for
    /// every text column.
    public var columns: [String]?
    /// Categories beyond this many (by frequency) are left out, so an id column does not
    /// explode into a column per row.
    public var maxCategories: Int
    public var unseen: Unseen

    /// Where a category not among a column's fitted ones goes.
    public enum Unseen: String, Sendable, Codable, CaseIterable {
        /// All of the column's 0/1 columns are 0 (scikit-learn's handle_unknown="ignore").
        case zeros
        /// A `name=(other)` column is 1 (scikit-learn's "infrequent_if_exist").
        case other
    }

    public init(_ columns: [String]? = nil, maxCategories: Int = 50, unseen: Unseen = .zeros) {
        self.columns = columns
        self.maxCategories = maxCategories
        self.unseen = unseen
    }

    public var description: String {
        "OneHot(" + ([columns.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }, maxCategories == 50 ? nil : "maxCategories: \(maxCategories)",
                      unseen == .zeros ? nil : "unseen: .\(unseen.rawValue)"].compactMap { $0 }).joined(separator: ", ") + ")"
    }

    public struct Fitted: FittedTransform {
        public static let kind = "OneHot"
        public let categories: [Encoding]

        /// One column's categories, in the order of their 0/1 columns.
        public struct Encoding: Sendable, Codable, Equatable {
            public let name: String
            public let values: [String]
            /// Whether a `name=(other)` column takes every other value.
            public let other: Bool
        }

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            // A column per category: count the cells before making them (an id column with a
            // large maxCategories would ask for rows x rows).
            let cells = categories.reduce(0) { $0 + $1.values.count + ($1.other ? 1 : 0) }.multipliedReportingOverflow(by: frame.rowCount)
            do { try HostMemory.check(bytes: cells.overflow ? .max : cells.partialValue, what: "OneHot's \(categories.reduce(0) { $0 + $1.values.count }) category columns of \(frame.rowCount) rows") } catch {
                throw DataError(error.message, suggestion: "lower OneHot(maxCategories:), or leave id-like columns out of OneHot([...])")
            }
            var columns: [Column] = []
            for c in frame.columns {
                guard let spec = categories.first(where: { $0.name == c.name }) else { columns.append(c); continue }
                let index = Dictionary(spec.values.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                var bits = [[Bool]](repeating: [Bool](repeating: false, count: c.count), count: spec.values.count + (spec.other ? 1 : 0))
                for i in 0..<c.count {
                    guard let t = c.text(at: i) else { continue }
                    if let k = index[t] { bits[k][i] = true } else if spec.other { bits[spec.values.count][i] = true }
                }
                for (k, v) in spec.values.enumerated() { columns.append(Column(name: "\(c.name)=\(v)", storage: .bool(bits[k]))) }
                if spec.other { columns.append(Column(name: "\(c.name)=(other)", storage: .bool(bits[spec.values.count]))) }
            }
            return try frame.derived(columns: columns)
        }

        public var summary: [String] {
            categories.map { "\($0.name): \($0.values.count) categories (\(listed($0.values)))" + ($0.other ? " and (other)" : "") }
        }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        guard maxCategories >= 1 else { throw DataError("OneHot(maxCategories:) must be at least 1, got \(maxCategories)") }
        let chosen: [Column]
        if let columns {
            chosen = try columns.map { name throws(DataError) in try frame.column(name) }
        } else {
            chosen = frame.featureColumns(excluding: nil).filter { $0.dtype == .string }
        }
        var out: [Fitted.Encoding] = []
        for c in chosen {
            var counts: [String: Int] = [:]
            for i in 0..<c.count { if let t = c.text(at: i) { counts[t, default: 0] += 1 } }
            let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(maxCategories).map(\.key)
            out.append(Fitted.Encoding(name: c.name, values: top.sorted(), other: unseen == .other))
        }
        return Fitted(categories: out)
    }
}
