import Foundation

/// A search space as the user writes it: distributions, fixed values, and dicts and arrays
/// that nest them. A `choice` among dicts is a conditional space: the parameters inside an
/// option exist only in trials that pick it.
public indirect enum Space: Sendable, Equatable {
    /// A real number in [low, high].
    case uniform(Double, Double)
    /// A positive real number in [low, high], searched on a log scale.
    case logUniform(Double, Double)
    /// An integer in low...high, optionally on a log scale.
    case intRange(Int, Int, log: Bool)
    /// One of the options; each option is itself a space (a fixed value or a dict).
    case choice([Space])
    case fixed(ParamValue)
    case list([Space])
    case dict(keys: [String], values: [Space])

    /// Checks the space and flattens it into the dimensions a sampler sees.
    public func compile() throws(TuneError) -> SearchSpace { try SearchSpace(self) }

    /// The space as the language writes it.
    public var text: String {
        switch self {
        case .uniform(let a, let b): return "uniform(\(a), \(b))"
        case .logUniform(let a, let b): return "logUniform(\(a), \(b))"
        case .intRange(let a, let b, let log): return "intRange(\(a), \(b)\(log ? ", log: true" : ""))"
        case .choice(let options): return "choice([" + options.map(\.text).joined(separator: ", ") + "])"
        case .fixed(let v): return v.description
        case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .dict(let keys, let values): return "[" + zip(keys, values).map { "\"\($0)\": \($1.text)" }.joined(separator: ", ") + "]"
        }
    }
}

/// One searched dimension of a compiled space.
public struct Dimension: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case continuous(low: Double, high: Double, log: Bool)
        case integer(low: Int, high: Int, log: Bool)
        case categorical(count: Int)
    }
    /// A unique path: `lr`, `layers`, `layers[1].width1` (inside option 1 of `layers`).
    public let name: String
    public let kind: Kind
    /// The categorical dimension and option this one depends on, for a conditional parameter.
    public let condition: (dimension: Int, option: Int)?

    public static func == (a: Dimension, b: Dimension) -> Bool {
        a.name == b.name && a.kind == b.kind && a.condition?.dimension == b.condition?.dimension && a.condition?.option == b.condition?.option
    }

    var isDiscrete: Bool { if case .continuous = kind { return false } else { return true } }
    var isInteger: Bool { if case .integer = kind { return true } else { return false } }

    /// The raw value (a number, an integer, or an option index) at unit coordinate u.
    public func value(atUnit u: Double) -> Double {
        let u = Swift.min(Swift.max(u, 0), 1)
        switch kind {
        case .continuous(let lo, let hi, let log):
            if log { return Swift.min(hi, Swift.max(lo, exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))))) }
            return Swift.min(hi, lo + u * (hi - lo))
        case .integer(let lo, let hi, let log):
            let (a, b) = integerWarp(lo, hi, log)
            let w = a + u * (b - a)
            let v = log ? exp(w) : w
            return Swift.min(Double(hi), Swift.max(Double(lo), v.rounded()))
        case .categorical(let k): return Swift.min(Double(k - 1), floor(u * Double(k)))
        }
    }

    /// The unit coordinate of a raw value (the centre of an integer's or option's cell).
    public func unit(of value: Double) -> Double {
        switch kind {
        case .continuous(let lo, let hi, let log):
            guard hi > lo else { return 0.5 }
            return log ? (Foundation.log(value) - Foundation.log(lo)) / (Foundation.log(hi) - Foundation.log(lo)) : (value - lo) / (hi - lo)
        case .integer(let lo, let hi, let log):
            let (a, b) = integerWarp(lo, hi, log)
            let w = log ? Foundation.log(value) : value
            return (w - a) / (b - a)
        case .categorical(let k): return (value + 0.5) / Double(k)
        }
    }

    private func integerWarp(_ lo: Int, _ hi: Int, _ log: Bool) -> (Double, Double) {
        log ? (Foundation.log(Double(lo) - 0.5), Foundation.log(Double(hi) + 0.5)) : (Double(lo) - 0.5, Double(hi) + 0.5)
    }

    /// This dimension's values in a grid of `points` per continuous dimension (every
    /// option of a choice; every integer when there are no more than `points`).
    func gridValues(_ points: Int) -> [Double] {
        switch kind {
        case .continuous(let lo, let hi, let log):
            if points == 1 || hi == lo { return [log ? sqrt(lo * hi) : (lo + hi) / 2] }
            return (0..<points).map { i in
                let t = Double(i) / Double(points - 1)
                return log ? exp(Foundation.log(lo) + t * (Foundation.log(hi) - Foundation.log(lo))) : lo + t * (hi - lo)
            }
        case .integer(let lo, let hi, let log):
            let span = hi - lo + 1
            if span <= points { return (lo...hi).map(Double.init) }
            var out: [Double] = []
            for i in 0..<points {
                let t = points == 1 ? 0.5 : Double(i) / Double(points - 1)
                let v = log ? exp(Foundation.log(Double(lo)) + t * (Foundation.log(Double(hi)) - Foundation.log(Double(lo)))) : Double(lo) + t * Double(hi - lo)
                let r = v.rounded()
                if out.last != r { out.append(r) }
            }
            return out
        case .categorical(let k): return (0..<k).map(Double.init)
        }
    }
}

/// A compiled space: its dimensions, and the tree that turns raw values back into the
/// params Dict an objective gets. Raw values hold one number per dimension (a value, an
/// integer, or an option index); NaN marks a dimension that is inactive in that trial.
public struct SearchSpace: Sendable {
    public let space: Space
    public private(set) var dimensions: [Dimension] = []
    private var root: Node = .fixed(.null)

    indirect enum Node: Sendable {
        case dimension(Int)
        case choice(Int, [Node])
        case fixed(ParamValue)
        case list([Node])
        case dict([String], [Node])
    }

    init(_ space: Space) throws(TuneError) {
        self.space = space
        guard case .dict = space else {
            throw TuneError("a search space is a Dict of parameter names, e.g. [\"lr\": logUniform(1e-4, 1e-1)], not \(space.text)")
        }
        root = try compile(space, path: "", condition: nil)
        guard !dimensions.isEmpty else {
            throw TuneError("the search space has nothing to search: every value in it is fixed",
                            advice: "give at least one uniform, logUniform, intRange or choice")
        }
    }

    private mutating func compile(_ s: Space, path: String, condition: (Int, Int)?) throws(TuneError) -> Node {
        let label = path.isEmpty ? "the space" : "'\(path)'"
        func finite(_ x: Double...) -> Bool { x.allSatisfy(\.isFinite) }
        switch s {
        case .uniform(let a, let b):
            guard finite(a, b), a < b else { throw TuneError("\(label): uniform(\(a), \(b)) needs finite bounds with low < high") }
            return add(path, .continuous(low: a, high: b, log: false), condition)
        case .logUniform(let a, let b):
            guard finite(a, b), a > 0, a < b else {
                throw TuneError("\(label): logUniform(\(a), \(b)) needs 0 < low < high", advice: "a log scale cannot reach 0 or below; use uniform for those")
            }
            return add(path, .continuous(low: a, high: b, log: true), condition)
        case .intRange(let a, let b, let log):
            guard a <= b else { throw TuneError("\(label): intRange(\(a), \(b)) has low above high") }
            guard !log || a >= 1 else { throw TuneError("\(label): intRange(\(a), \(b), log: true) needs low ≥ 1") }
            if a == b { return .fixed(.int(a)) }
            return add(path, .integer(low: a, high: b, log: log), condition)
        case .choice(let options):
            guard !options.isEmpty else { throw TuneError("\(label): choice([]) has no options") }
            if options.count == 1 { return try compile(options[0], path: path, condition: condition) }
            let index = dimensions.count
            dimensions.append(Dimension(name: path, kind: .categorical(count: options.count), condition: condition.map { ($0.0, $0.1) }))
            var children: [Node] = []
            for (i, option) in options.enumerated() {
                children.append(try compile(option, path: "\(path)[\(i)]", condition: (index, i)))
            }
            return .choice(index, children)
        case .fixed(let v): return .fixed(v)
        case .list(let items):
            var nodes: [Node] = []
            for (i, item) in items.enumerated() { nodes.append(try compile(item, path: "\(path)[\(i)]", condition: condition)) }
            return .list(nodes)
        case .dict(let keys, let values):
            guard Set(keys).count == keys.count else { throw TuneError("\(label): a key is given twice") }
            var nodes: [Node] = []
            for (k, v) in zip(keys, values) {
                guard !k.isEmpty else { throw TuneError("\(label): a parameter name is empty") }
                nodes.append(try compile(v, path: path.isEmpty ? k : "\(path).\(k)", condition: condition))
            }
            return .dict(keys, nodes)
        }
    }

    private mutating func add(_ path: String, _ kind: Dimension.Kind, _ condition: (Int, Int)?) -> Node {
        dimensions.append(Dimension(name: path, kind: kind, condition: condition.map { ($0.0, $0.1) }))
        return .dimension(dimensions.count - 1)
    }

    public var count: Int { dimensions.count }

    /// Whether dimension `i` is active given the values of its ancestors in `raw`.
    public func isActive(_ i: Int, in raw: [Double]) -> Bool {
        guard let c = dimensions[i].condition else { return true }
        return isActive(c.dimension, in: raw) && raw[c.dimension] == Double(c.option)
    }

    /// Raw values for a point of the unit cube; dimensions that the chosen options leave
    /// out are NaN.
    public func raw(fromUnit u: [Double]) -> [Double] {
        var raw = zip(dimensions, u).map { $0.value(atUnit: $1) }
        for i in raw.indices where !isActive(i, in: raw) { raw[i] = .nan }
        return raw
    }

    /// Unit coordinates of raw values (0.5 where inactive).
    public func unit(ofRaw raw: [Double]) -> [Double] {
        zip(dimensions, raw).map { $1.isNaN ? 0.5 : $0.unit(of: $1) }
    }

    /// Raw values with inactive dimensions marked NaN and discrete ones rounded into range.
    public func normalized(_ raw: [Double]) -> [Double] { self.raw(fromUnit: unit(ofRaw: raw.map { $0.isNaN ? 0 : $0 })) }

    /// The params an objective gets for raw values.
    public func params(_ raw: [Double]) -> ParamValue { build(root, raw) }

    private func build(_ node: Node, _ raw: [Double]) -> ParamValue {
        switch node {
        case .dimension(let i):
            switch dimensions[i].kind {
            case .continuous: return .double(raw[i])
            case .integer: return .int(Int(raw[i]))
            case .categorical: return .int(Int(raw[i]))
            }
        case .choice(let i, let options): return build(options[Swift.min(Swift.max(0, Int(raw[i].isNaN ? 0 : raw[i])), options.count - 1)], raw)
        case .fixed(let v): return v
        case .list(let nodes): return .list(nodes.map { build($0, raw) })
        case .dict(let keys, let nodes): return .dict(keys: keys, values: nodes.map { build($0, raw) })
        }
    }

    /// What makes `raw` not a point of this space (a count that differs, a value out of its
    /// dimension's range, a fraction for an integer or a choice), or nil when it is one.
    /// NaN marks an inactive parameter and is always allowed.
    public func problem(with raw: [Double]) -> String? {
        guard raw.count == dimensions.count else { return "\(raw.count) values for \(dimensions.count) parameters" }
        for (i, (v, d)) in zip(raw, dimensions).enumerated() where !v.isNaN {
            switch d.kind {
            case .continuous(let lo, let hi, _):
                // A little slack: a log scale's end can come back an ulp outside it.
                let slack = 1e-9 * Swift.max(1, Swift.abs(lo), Swift.abs(hi))
                guard v >= lo - slack && v <= hi + slack else { return "parameter \(i) is \(v), outside \(lo)...\(hi)" }
            case .integer(let lo, let hi, _):
                guard v == v.rounded(), v >= Double(lo), v <= Double(hi) else { return "parameter \(i) is \(v), not a whole number in \(lo)...\(hi)" }
            case .categorical(let k):
                guard v == v.rounded(), v >= 0, v < Double(k) else { return "parameter \(i) is \(v), not one of its \(k) options (0..<\(k))" }
            }
        }
        return nil
    }

    /// A key that is equal for two raw vectors exactly when they are the same trial.
    public func key(_ raw: [Double]) -> String {
        raw.enumerated().map { i, v in v.isNaN ? "-" : dimensions[i].isDiscrete ? "\(Int(v))" : "\(v)" }.joined(separator: "|")
    }

    /// Every point of a grid with `points` values per continuous dimension (all options of
    /// a choice, every integer when there are few), in order.
    public func grid(points: Int) -> [[Double]] {
        var out: [[Double]] = []
        func walk(_ i: Int, _ raw: [Double]) {
            if out.count > Self.largestGrid { return }
            guard i < dimensions.count else { out.append(raw); return }
            if !isActive(i, in: raw) { var r = raw; r[i] = .nan; walk(i + 1, r); return }
            for v in dimensions[i].gridValues(points) { var r = raw; r[i] = v; walk(i + 1, r) }
        }
        walk(0, [Double](repeating: .nan, count: dimensions.count))
        return out
    }

    /// The most points a grid may have (one more is built, to tell that a grid is larger).
    public static let largestGrid = 1_000_000

    /// The number of grid points with `points` values per continuous dimension (at most
    /// `largestGrid + 1`: a larger grid is not built).
    public func gridSize(points: Int) -> Int { grid(points: points).count }

    /// A fingerprint of the space, so a stored study refuses to resume with another space.
    public var signature: String { space.text }
}
