/// Fills missing values with a statistic of the frame it was fitted on: the median or
/// mean for numbers, the most frequent value for text and booleans (or zero).
public struct Impute: Transform {
    public let strategy: ImputeStrategy

    public init(_ strategy: ImputeStrategy = .median) { self.strategy = strategy }

    public var description: String { "Impute(.\(strategy.rawValue))" }

    public struct Fitted: FittedTransform {
        public static let kind = "Impute"
        public let strategy: ImputeStrategy
        /// Each column's fill, in the order of the frame it was fitted on.
        public let fills: [Fill]

        public struct Fill: Sendable, Codable, Equatable {
            public let name: String
            public let value: CellValue
        }

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            var f = frame
            for fill in fills {
                let (name, value) = (fill.name, fill.value)
                guard let c = try? frame.column(name), c.missingCount > 0 else { continue }
                f = try f.setting(Self.filled(c, with: value))
            }
            return f
        }

        static func filled(_ c: Column, with value: CellValue) -> Column {
            switch (c.storage, value) {
            case (.float64(var v), _):
                let x = value.asDouble ?? 0
                for i in v.indices where c.isMissing(i) { v[i] = x }
                return Column(name: c.name, storage: .float64(v))
            case (.int64(var v), _):
                let x = value.asDouble ?? 0
                if x == x.rounded() {
                    for i in v.indices where c.isMissing(i) { v[i] = Int64(x) }
                    return Column(name: c.name, storage: .int64(v))
                }
                // A median between two integers: the column becomes float.
                var d = v.map(Double.init)
                for i in d.indices where c.isMissing(i) { d[i] = x }
                return Column(name: c.name, storage: .float64(d))
            case (.bool(var v), .bool(let b)):
                for i in v.indices where c.isMissing(i) { v[i] = b }
                return Column(name: c.name, storage: .bool(v))
            case (.string(var codes, var cats), .string(let s)):
                var code = cats.firstIndex(of: s).map(Int32.init)
                if code == nil { cats.append(s); code = Int32(cats.count - 1) }
                for i in codes.indices where c.isMissing(i) { codes[i] = code! }
                return Column(name: c.name, storage: .string(codes: codes, categories: cats))
            default:
                return c
            }
        }

        /// "amount: median 12.5", "city: most frequent 'Köln'": text and Bool columns are
        /// filled with their most frequent value whatever the strategy says.
        public var summary: [String] { fills.map { "\($0.name): \(statistic($0.value)) \(describe($0.value))" } }

        func statistic(_ v: CellValue) -> String {
            switch v {
            case .string, .bool: return "most frequent"
            default: return strategy.rawValue
            }
        }

        /// One log line per column that this frame has gaps in.
        func describeFills(_ frame: Frame) -> [String] {
            fills.compactMap { fill in
                let (name, value) = (fill.name, fill.value)
                guard let c = try? frame.column(name), c.missingCount > 0 else { return nil }
                let statistic = c.isNumeric && c.dtype != .bool ? "the \(strategy.rawValue)" : "the most frequent value"
                return "imputed \(c.missingCount) missing value\(c.missingCount == 1 ? "" : "s") in '\(name)' with \(statistic) \(describe(value))"
            }
        }

        func describe(_ v: CellValue) -> String {
            switch v {
            case .double(let d): return Column.format(d)
            case .int(let i): return String(i)
            case .bool(let b): return b ? "true" : "false"
            case .string(let s): return "'\(s)'"
            case .missing: return "(none)"
            }
        }
    }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        var fills: [Fitted.Fill] = []
        for c in frame.featureColumns(excluding: nil) {
            let value: CellValue?
            if c.isNumeric && c.dtype != .bool {
                let s = Summary(c.numericValues.filter(\.isFinite))
                switch strategy {
                case .median: value = s.median.map { .double($0) }
                case .mean: value = s.mean.map { .double($0) }
                case .zero: value = .double(0)
                case .mode: value = Frame.mostFrequent(c).flatMap { Double($0) }.map { .double($0) }
                }
            } else {
                let top = Frame.mostFrequent(c)
                value = c.dtype == .bool ? top.map { .bool($0 == "true") } : top.map { .string($0) }
            }
            if let value { fills.append(Fitted.Fill(name: c.name, value: value)) }
        }
        return Fitted(strategy: strategy, fills: fills)
    }
}
