import Foundation

/// How per-class scores combine, as scikit-learn's `average=`.
public enum Average: String, Sendable, CaseIterable {
    case binary, macro, micro, weighted
}

/// Accuracy, balanced accuracy, precision, recall, F-beta and Matthews correlation from
/// predicted labels, with sample weights, matching scikit-learn's definitions (a score
/// whose denominator is zero counts as 0, as its `zero_division="warn"` does).
public enum ClassificationMetrics {
    public static func accuracy(_ yTrue: Labels, _ yPred: Labels, weights: [Double]? = nil) throws(MetricError) -> Double {
        let m = try ConfusionMatrix(yTrue, yPred, weights: weights, function: "accuracy")
        let correct = (0..<m.k).reduce(0.0) { $0 + m.counts[$1][$1] }
        return m.total > 0 ? correct / m.total : 0
    }

    public static func balancedAccuracy(_ yTrue: Labels, _ yPred: Labels, weights: [Double]? = nil) throws(MetricError) -> Double {
        let m = try ConfusionMatrix(yTrue, yPred, weights: weights, function: "balancedAccuracy")
        let recalls = (0..<m.k).compactMap { i -> Double? in m.row(i) > 0 ? m.counts[i][i] / m.row(i) : nil }
        return recalls.reduce(0, +) / Double(max(1, recalls.count))
    }

    /// Precision, recall and F-beta together (they share their counts).
    public static func scores(_ yTrue: Labels, _ yPred: Labels, beta: Double = 1, average: Average = .binary,
                              weights: [Double]? = nil, function: String) throws(MetricError) -> (precision: Double, recall: Double, f: Double) {
        guard beta > 0 && beta.isFinite else { throw MetricError("\(function): beta must be a positive number, got \(beta)") }
        let m = try ConfusionMatrix(yTrue, yPred, weights: weights, function: function)
        let b2 = beta * beta
        // From the counts, as scikit-learn computes it ((1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)),
        // so that its figures agree to the last bit, not only to rounding: through precision
        // and recall, 2·0.8·0.8 / 1.6 is 0.8000000000000002.
        func f(_ tp: Double, predicted: Double, actual: Double) -> Double {
            let denominator = (1 + b2) * tp + b2 * (actual - tp) + (predicted - tp)
            return denominator > 0 ? (1 + b2) * tp / denominator : 0
        }
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
        switch average {
        case .binary:
            guard m.classes.count <= 2 else {
                throw MetricError("\(function): average: .binary needs two classes, found \(m.classes.count) (\(m.classes.prefix(5).joined(separator: ", "))); use .macro, .micro or .weighted")
            }
            guard let pos = m.classes.firstIndex(where: { $0 == "1" || $0 == "true" }) else {
                // Only the negative class (a batch without one positive, truth or guess): every
                // denominator is 0, which counts as 0, as scikit-learn's default has it.
                if m.classes == ["0"] || m.classes == ["false"] { return (0, 0, 0) }
                throw MetricError("\(function): no positive class (1) among \(m.classes); use labels 0/1 or average: .macro")
            }
            let tp = m.counts[pos][pos]
            let p = ratio(tp, m.column(pos)), r = ratio(tp, m.row(pos))
            return (p, r, f(tp, predicted: m.column(pos), actual: m.row(pos)))
        case .micro:
            let tp = (0..<m.k).reduce(0.0) { $0 + m.counts[$1][$1] }
            let p = ratio(tp, m.total), r = ratio(tp, m.total)
            return (p, r, f(tp, predicted: m.total, actual: m.total))
        case .macro, .weighted:
            var ps: [Double] = [], rs: [Double] = [], fs: [Double] = [], support: [Double] = []
            for i in 0..<m.k {
                let p = ratio(m.counts[i][i], m.column(i)), r = ratio(m.counts[i][i], m.row(i))
                ps.append(p); rs.append(r); fs.append(f(m.counts[i][i], predicted: m.column(i), actual: m.row(i))); support.append(m.row(i))
            }
            if average == .macro {
                let n = Double(m.k)
                return (ps.reduce(0, +) / n, rs.reduce(0, +) / n, fs.reduce(0, +) / n)
            }
            let total = support.reduce(0, +)
            func weighted(_ xs: [Double]) -> Double { total > 0 ? zip(xs, support).reduce(0) { $0 + $1.0 * $1.1 } / total : 0 }
            return (weighted(ps), weighted(rs), weighted(fs))
        }
    }

    public static func mcc(_ yTrue: Labels, _ yPred: Labels, weights: [Double]? = nil) throws(MetricError) -> Double {
        let m = try ConfusionMatrix(yTrue, yPred, weights: weights, function: "mcc")
        let t = (0..<m.k).map(m.row), p = (0..<m.k).map(m.column)
        let c = (0..<m.k).reduce(0.0) { $0 + m.counts[$1][$1] }, s = m.total
        let cov = c * s - zip(t, p).reduce(0) { $0 + $1.0 * $1.1 }
        let vt = s * s - t.reduce(0) { $0 + $1 * $1 }, vp = s * s - p.reduce(0) { $0 + $1 * $1 }
        guard vt > 0 && vp > 0 else { return 0 }
        return cov / (vt * vp).squareRoot()
    }
}
