/// Scales numeric columns to mean 0 and standard deviation 1, with the mean and deviation
/// of the frame it was fitted on.
public struct Standardize: Transform {
    public init() {}

    public var description: String { "Standardize()" }

    public struct Fitted: FittedTransform {
        public static let kind = "Standardize"
        public let parameters: [Scale]

        /// One column's mean and standard deviation (1 for a constant column).
        public struct Scale: Sendable, Codable, Equatable {
            public let name: String
            public let mean: Double
            public let std: Double
        }

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            var f = frame
            for p in parameters {
                guard let c = try? frame.column(p.name) else {
                    throw DataError("Standardize was fitted with a column '\(p.name)' that this frame lacks")
                }
                var out = [Double](repeating: 0, count: c.count)
                for i in 0..<c.count { if let x = c.double(at: i) { out[i] = (x - p.mean) / p.std } }
                f = try f.setting(Column(name: p.name, storage: .float64(out), missing: c.missing))
            }
            return f
        }

        public var summary: [String] { parameters.map { "\($0.name): mean \(Column.format($0.mean)), std \(Column.format($0.std))" } }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        var parameters: [Fitted.Scale] = []
        for c in frame.featureColumns(excluding: nil) where c.isNumeric && c.dtype != .bool {
            let s = Summary(c.numericValues.filter(\.isFinite))
            guard let mean = s.mean else { continue }
            let std = (s.std ?? 0) > 0 ? s.std! : 1
            parameters.append(Fitted.Scale(name: c.name, mean: mean, std: std))
        }
        return Fitted(parameters: parameters)
    }
}
