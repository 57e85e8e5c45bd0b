/// Inputs a metric cannot be computed from: which argument, and why.
public struct MetricError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Class labels as metrics see them: numbers or text, mapped to class indices in sorted
/// order (as scikit-learn orders them).
public enum Labels: Sendable, Equatable {
    case numbers([Double])
    case texts([String])

    public var count: Int {
        switch self {
        case .numbers(let v): return v.count
        case .texts(let v): return v.count
        }
    }

    /// Every value as text, for matching classes across yTrue and yPred.
    var keys: [String] {
        switch self {
        case .numbers(let v): return v.map(Labels.key)
        case .texts(let v): return v
        }
    }

    var numbers: [Double]? { if case .numbers(let v) = self { return v }; return nil }

    /// A number's class as text: a whole number without its ".0".
    static func key(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// Checks shared by every metric.
enum Check {
    static func lengths(_ function: String, _ pairs: [(String, Int)]) throws(MetricError) {
        guard let first = pairs.first else { return }
        if first.1 == 0 { throw MetricError("\(function): \(first.0) is empty; a metric needs at least one row") }
        for (name, n) in pairs.dropFirst() where n != first.1 {
            throw MetricError("\(function): \(first.0) has \(first.1) values but \(name) has \(n); they must have one value per row")
        }
    }

    static func finite(_ function: String, _ name: String, _ values: [Double]) throws(MetricError) {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw MetricError("\(function): \(name) has a non-finite value (\(values[i])) at index \(i)")
        }
    }

    static func probabilities(_ function: String, _ name: String, _ values: [Double]) throws(MetricError) {
        try finite(function, name, values)
        if let i = values.firstIndex(where: { $0 < 0 || $0 > 1 }) {
            throw MetricError("\(function): \(name) must be probabilities in [0, 1]; index \(i) is \(values[i])")
        }
    }

    /// Sample weights: one per row, finite, not negative; nil means all 1.
    static func weights(_ function: String, _ weights: [Double]?, _ n: Int) throws(MetricError) -> [Double] {
        guard let w = weights else { return [Double](repeating: 1, count: n) }
        try lengths(function, [("yTrue", n), ("weights", w.count)])
        try finite(function, "weights", w)
        if let i = w.firstIndex(where: { $0 < 0 }) { throw MetricError("\(function): weights must not be negative; index \(i) is \(w[i])") }
        return w
    }

    /// Binary targets as Bool (1 / true is positive).
    static func binary(_ function: String, _ y: Labels, positive: String = "1") throws(MetricError) -> [Bool] {
        if case .numbers(let v) = y, let fast = binaryNumbers(v, positive: positive) { return fast }
        let keys = y.keys
        let classes = Set(keys)
        if classes.count > 2 {
            throw MetricError("\(function): yTrue has \(classes.count) classes (\(classes.sorted().prefix(5).joined(separator: ", "))); this metric needs two")
        }
        if !classes.isSubset(of: ["0", "1", "true", "false"]) && !classes.contains(positive) {
            throw MetricError("\(function): cannot tell the positive class among \(classes.sorted()); use labels 0/1")
        }
        return keys.map { $0 == positive || $0 == "true" }
    }

    /// `binary` for numeric labels without writing each as text: a label's class is
    /// worked out once per distinct bit pattern (a 0/1 column has two). Nil when there are
    /// many patterns or the classes are not binary: `binary` then says what is wrong.
    private static func binaryNumbers(_ v: [Double], positive: String) -> [Bool]? {
        var patterns: [UInt64] = [], positives: [Bool] = []
        var classes = Set<String>()
        var out: [Bool] = []
        out.reserveCapacity(v.count)
        for x in v {
            let bits = x.bitPattern
            if let i = patterns.firstIndex(of: bits) {
                out.append(positives[i])
                continue
            }
            guard patterns.count < 8 else { return nil }
            let key = Labels.key(x)
            classes.insert(key)
            patterns.append(bits)
            positives.append(key == positive || key == "true")
            out.append(positives[positives.count - 1])
        }
        guard classes.count <= 2, classes.isSubset(of: ["0", "1", "true", "false"]) || classes.contains(positive) else { return nil }
        return out
    }
}
