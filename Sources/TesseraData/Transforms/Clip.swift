/// Limits numeric columns to a range: fixed bounds, or the training rows' quantiles
/// (`quantiles: (0.01, 0.99)` winsorizes at the 1st and 99th percentiles), so extreme
/// values later cannot push a network far outside what it learned. Missing values stay
/// missing; a whole-number column stays int64 when its bounds are whole.
public struct Clip: Transform {
    /// The columns to clip; nil for every numeric (not Bool) column.
    public var columns: [String]?
    public var lower: Double?, upper: Double?
    /// Bounds from the training rows' quantiles instead of fixed ones.
    public var quantiles: (lower: Double, upper: Double)?

    public init(_ columns: [String]? = nil, lower: Double? = nil, upper: Double? = nil, quantiles: (lower: Double, upper: Double)? = nil) {
        self.columns = columns
        self.lower = lower
        self.upper = upper
        self.quantiles = quantiles
    }

    public var description: String {
        var parts: [String] = columns.map { ["[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]"] } ?? []
        if let q = quantiles { parts.append("quantiles: (\(q.lower), \(q.upper))") }
        if let l = lower { parts.append("lower: \(l)") }
        if let u = upper { parts.append("upper: \(u)") }
        return "Clip(" + parts.joined(separator: ", ") + ")"
    }

    public struct Fitted: FittedTransform {
        public static let kind = "Clip"
        public let bounds: [Bounds]

        public struct Bounds: Sendable, Codable, Equatable {
            public let name: String
            public let lower: Double?
            public let upper: Double?
        }

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            var f = frame
            for b in bounds {
                guard let c = try? frame.column(b.name) else { throw DataError("Clip was fitted with a column '\(b.name)' that this frame lacks") }
                f = try f.setting(Self.clipped(c, b))
            }
            return f
        }

        static func clipped(_ c: Column, _ b: Bounds) -> Column {
            func clip(_ x: Double) -> Double {
                var y = x
                if let l = b.lower, y < l { y = l }
                if let u = b.upper, y > u { y = u }
                return y
            }
            switch c.storage {
            case .int64(let v) where [b.lower, b.upper].allSatisfy({ $0 == nil || ($0! == $0!.rounded() && Swift.abs($0!) < 9e18) }):
                return Column(name: c.name, storage: .int64(v.map { Int64(clip(Double($0))) }), missing: c.missing)
            case .int64(let v): return Column(name: c.name, storage: .float64(v.map { clip(Double($0)) }), missing: c.missing)
            case .float64(let v): return Column(name: c.name, storage: .float64(v.map { $0.isNaN ? $0 : clip($0) }), missing: c.missing)
            default: return c
            }
        }

        public var summary: [String] {
            bounds.map { "\($0.name): " + [$0.lower.map { "at least \(Column.format($0))" }, $0.upper.map { "at most \(Column.format($0))" }].compactMap { $0 }.joined(separator: ", ") }
        }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        if let q = quantiles {
            guard q.lower >= 0, q.upper <= 1, q.lower < q.upper else { throw DataError("Clip(quantiles:) takes two quantiles 0 <= lower < upper <= 1, got (\(q.lower), \(q.upper))") }
            guard lower == nil && upper == nil else { throw DataError("Clip takes quantiles: or lower:/upper:, not both") }
        } else {
            guard lower != nil || upper != nil else { throw DataError("Clip needs lower:, upper: or quantiles:") }
            // A NaN bound compares false with everything: it would clip nothing, silently.
            if [lower, upper].contains(where: { $0?.isNaN == true }) { throw DataError("Clip's bounds must be numbers, not nan") }
            if let l = lower, let u = upper, l > u { throw DataError("Clip(lower: \(l), upper: \(u)): lower is above upper") }
        }
        let chosen = try Self.numericColumns(columns, of: frame, for: "Clip")
        return Fitted(bounds: chosen.map { c in
            guard let q = quantiles else { return Fitted.Bounds(name: c.name, lower: lower, upper: upper) }
            let values = c.numericValues.filter(\.isFinite).sorted()
            return Fitted.Bounds(name: c.name, lower: Summary.quantile(values, q.lower), upper: Summary.quantile(values, q.upper))
        })
    }

    /// The named columns, checked to be numbers; or every numeric (not Bool) feature column.
    static func numericColumns(_ names: [String]?, of frame: Frame, for what: String) throws(DataError) -> [Column] {
        guard let names else { return frame.featureColumns(excluding: nil).filter { $0.isNumeric && $0.dtype != .bool } }
        return try names.map { (name) throws(DataError) in
            let c = try frame.column(name)
            guard c.isNumeric && c.dtype != .bool else { throw DataError("\(what): column '\(name)' holds \(c.dtype.rawValue) values, not numbers") }
            return c
        }
    }
}
