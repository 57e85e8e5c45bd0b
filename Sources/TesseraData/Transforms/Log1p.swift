import Foundation

/// log(1 + x) of numeric columns, for the long right tails of amounts and counts: it
/// learns nothing, so fitting only settles the columns. A value of -1 or below has no
/// log1p and is a DataError naming the column and row.
public struct Log1p: Transform {
    /// The columns to transform; nil for every numeric (not Bool) column.
    public var columns: [String]?

    public init(_ columns: [String]? = nil) { self.columns = columns }

    public var description: String { "Log1p(" + (columns.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" } ?? "") + ")" }

    public struct Fitted: FittedTransform {
        public static let kind = "Log1p"
        public let columns: [String]

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            var f = frame
            for name in columns {
                guard let c = try? frame.column(name) else { throw DataError("Log1p was fitted with a column '\(name)' that this frame lacks") }
                var out = [Double](repeating: 0, count: c.count)
                for i in 0..<c.count {
                    guard let x = c.double(at: i) else { continue }
                    guard x > -1 || x.isNaN else {
                        throw DataError("column '\(name)' has \(Column.format(x)) at row \(i), which has no log1p (it needs values above -1)",
                                        suggestion: "clip it first: Clip([\"\(name)\"], lower: 0)")
                    }
                    out[i] = Foundation.log1p(x)
                }
                f = try f.setting(Column(name: name, storage: .float64(out), missing: c.missing))
            }
            return f
        }

        public var summary: [String] { columns.map { "\($0): log(1 + x)" } }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        Fitted(columns: try Clip.numericColumns(columns, of: frame, for: "Log1p").map(\.name))
    }
}
