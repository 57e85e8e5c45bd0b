import Foundation

/// Metrics of predicted probabilities: log loss, Brier score, and calibration (expected
/// calibration error and the reliability bins behind it).
public enum ProbabilityMetrics {
    public static func logLoss(_ yTrue: Labels, _ probabilities: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        try Check.lengths("logLoss", [("yTrue", yTrue.count), ("yPred", probabilities.count)])
        try Check.probabilities("logLoss", "yPred", probabilities)
        let y = try Check.binary("logLoss", yTrue)
        let w = try Check.weights("logLoss", weights, y.count)
        let eps = Double.ulpOfOne
        let losses = y.indices.map { i in
            let p = min(max(probabilities[i], eps), 1 - eps)
            return -log(y[i] ? p : 1 - p)
        }
        return PairwiseSum.average(losses, weights: w)
    }

    /// Log loss for several classes: `probabilities[i][k]` for class k in sorted order.
    public static func logLoss(_ yTrue: Labels, multiclass probabilities: [[Double]], weights: [Double]? = nil) throws(MetricError) -> Double {
        try Check.lengths("logLoss", [("yTrue", yTrue.count), ("yPred", probabilities.count)])
        let keys = yTrue.keys
        let classes = Set(keys).sorted { (Double($0) ?? .nan, $0) < (Double($1) ?? .nan, $1) }
        guard probabilities.allSatisfy({ $0.count == classes.count }) else {
            throw MetricError("logLoss: every row of yPred needs one probability per class (\(classes.count)), in sorted class order")
        }
        let w = try Check.weights("logLoss", weights, keys.count)
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let eps = Double.ulpOfOne
        var total = 0.0, weight = 0.0
        for (i, row) in probabilities.enumerated() {
            try Check.probabilities("logLoss", "yPred", row)
            let clipped = row.map { min(max($0, eps), 1 - eps) }
            let sum = clipped.reduce(0, +)
            total -= w[i] * log(clipped[index[keys[i]]!] / sum)
            weight += w[i]
        }
        return total / weight
    }

    public static func brier(_ yTrue: Labels, _ probabilities: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        try Check.lengths("brier", [("yTrue", yTrue.count), ("yPred", probabilities.count)])
        try Check.probabilities("brier", "yPred", probabilities)
        let y = try Check.binary("brier", yTrue)
        let w = try Check.weights("brier", weights, y.count)
        // As scikit-learn (1.7 on) computes it: over both columns, (1 - y) against 1 - p and
        // y against p, then halved. (1 - p) rounds, so this is not (y - p)² to the last bit.
        let perRow = y.indices.map { i -> Double in
            let t = y[i] ? 1.0 : 0.0, p = probabilities[i]
            let a = (1 - t) - (1 - p), b = t - p
            return a * a + b * b
        }
        return PairwiseSum.average(perRow, weights: w) * 0.5
    }

    /// One reliability bin: the mean predicted probability, the observed positive rate, and
    /// the weight of rows that fell in it.
    public struct Bin: Sendable, Equatable {
        public let meanPredicted: Double
        public let observed: Double
        public let weight: Double
    }

    /// Uniform bins over [0, 1] (a value on an inner edge goes to the lower bin, as in
    /// scikit-learn's calibration_curve); empty bins are left out.
    public static func reliability(_ yTrue: Labels, _ probabilities: [Double], bins: Int = 10, weights: [Double]? = nil) throws(MetricError) -> [Bin] {
        try Check.lengths("ece", [("yTrue", yTrue.count), ("yPred", probabilities.count)])
        try Check.probabilities("ece", "yPred", probabilities)
        guard bins >= 1 else { throw MetricError("ece: bins must be at least 1") }
        let y = try Check.binary("ece", yTrue)
        let w = try Check.weights("ece", weights, y.count)
        var sumP = [Double](repeating: 0, count: bins), sumY = sumP, sumW = sumP
        for i in y.indices {
            var b = 0
            while b < bins - 1 && probabilities[i] > Double(b + 1) / Double(bins) { b += 1 }
            sumP[b] += w[i] * probabilities[i]; sumY[b] += w[i] * (y[i] ? 1 : 0); sumW[b] += w[i]
        }
        return (0..<bins).compactMap { b in sumW[b] > 0 ? Bin(meanPredicted: sumP[b] / sumW[b], observed: sumY[b] / sumW[b], weight: sumW[b]) : nil }
    }

    /// Expected calibration error: the gap between predicted and observed rates, averaged
    /// over the bins by their share of rows.
    public static func ece(_ yTrue: Labels, _ probabilities: [Double], bins: Int = 10, weights: [Double]? = nil) throws(MetricError) -> Double {
        let r = try reliability(yTrue, probabilities, bins: bins, weights: weights)
        let total = r.reduce(0) { $0 + $1.weight }
        return r.reduce(0) { $0 + $1.weight / total * abs($1.observed - $1.meanPredicted) }
    }
}
