/// A metric at every decision threshold of a score, computed in one pass over the rows
/// sorted by score (so 10^7 scores take a sort, not 10^7 evaluations).
public struct ThresholdSweep: Sendable {
    /// What is swept: a count metric, an amount metric, or a cost matrix.
    public enum Metric: Sendable {
        case accuracy, precision, recall, f1, fbeta(Double), balancedAccuracy, mcc
        case amountRecall, amountPrecision
        case value(CostMatrix)

        var needsAmount: Bool {
            switch self {
            case .amountRecall, .amountPrecision: return true
            default: return false
            }
        }
    }

    public let name: String
    /// Thresholds, lowest first: a row is flagged when its score is at least the threshold.
    public let thresholds: [Double]
    public let values: [Double]

    public var best: (threshold: Double, value: Double) {
        let i = values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && abs(thresholds[$0] - 0.5) > abs(thresholds[$1] - 0.5)) }!
        return (thresholds[i], values[i])
    }

    /// The metric at each threshold: every distinct score, or `points` evenly spaced
    /// quantiles of them when there are more.
    public init(_ yTrue: Labels, _ scores: [Double], metric: Metric, name: String, amount: [Double]? = nil, points: Int = 1000) throws {
        try Check.lengths("thresholdSweep", [("yTrue", yTrue.count), ("scores", scores.count)] + (amount.map { [("amount", $0.count)] } ?? []))
        try Check.finite("thresholdSweep", "scores", scores)
        if metric.needsAmount && amount == nil { throw MetricError("thresholdSweep: \(name) needs amount:") }
        let y = try Check.binary("thresholdSweep", yTrue)
        let n = y.count
        let a = amount ?? [Double](repeating: 0, count: n)
        var rowValues: [(tp: Double, fp: Double, fn: Double, tn: Double)] = []
        if case .value(let m) = metric { rowValues = try m.values(rows: n, amount: amount) }
        // Highest score first: lowering the threshold past a score flags its rows.
        let order = ScoreOrder.descending(scores)
        let positives = Double(y.filter { $0 }.count), negatives = Double(n) - positives
        let positiveAmount = zip(y, a).reduce(0) { $0 + ($1.0 ? $1.1 : 0) }
        var valueIfNothingFlagged = 0.0
        for i in 0..<rowValues.count { valueIfNothingFlagged += y[i] ? rowValues[i].fn : rowValues[i].tn }
        var tp = 0.0, fp = 0.0, tpAmount = 0.0, flaggedAmount = 0.0, value = valueIfNothingFlagged
        var ts: [Double] = [], vs: [Double] = []
        func score() -> Double {
            let fn = positives - tp, tn = negatives - fp
            func ratio(_ x: Double, _ y: Double) -> Double { y > 0 ? x / y : 0 }
            switch metric {
            case .accuracy: return (tp + tn) / Double(n)
            case .precision: return ratio(tp, tp + fp)
            case .recall: return ratio(tp, positives)
            case .f1: return ratio(2 * tp, 2 * tp + fp + fn)
            case .fbeta(let b): return ratio((1 + b * b) * tp, (1 + b * b) * tp + b * b * fn + fp)
            case .balancedAccuracy: return (ratio(tp, positives) + ratio(tn, negatives)) / 2
            case .mcc:
                let d = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)).squareRoot()
                return d > 0 ? (tp * tn - fp * fn) / d : 0
            case .amountRecall: return ratio(tpAmount, positiveAmount)
            case .amountPrecision: return ratio(tpAmount, flaggedAmount)
            case .value: return value
            }
        }
        var k = 0
        while k < n {
            let s = scores[Int(order[k])]
            while k < n && scores[Int(order[k])] == s {
                let i = Int(order[k])
                if y[i] { tp += 1; tpAmount += a[i] } else { fp += 1 }
                flaggedAmount += a[i]
                if !rowValues.isEmpty { value += y[i] ? rowValues[i].tp - rowValues[i].fn : rowValues[i].fp - rowValues[i].tn }
                k += 1
            }
            ts.append(s)
            vs.append(score())
        }
        ts.reverse(); vs.reverse()
        if ts.count > points {
            let picked = (0..<points).map { $0 * (ts.count - 1) / (points - 1) }
            let best = vs.indices.max { vs[$0] < vs[$1] }!
            let keep = Array(Set(picked + [best])).sorted()
            ts = keep.map { ts[$0] }; vs = keep.map { vs[$0] }
        }
        self.name = name
        self.thresholds = ts
        self.values = vs
    }
}
