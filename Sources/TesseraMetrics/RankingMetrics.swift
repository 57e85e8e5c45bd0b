import Foundation

/// Metrics of a score's ranking: ROC curve and its area, precision-recall curve and
/// average precision, computed as scikit-learn computes them (cumulative weighted counts
/// at each distinct score, trapezoidal ROC area, step-wise average precision).
public enum RankingMetrics {
    /// Cumulative weighted true and false positives at each distinct score, highest
    /// score first; `thresholds` are those scores.
    public struct Counts: Sendable {
        public let thresholds: [Double]
        public let tps: [Double]
        public let fps: [Double]
    }

    public static func counts(_ positive: [Bool], _ scores: [Double], _ weights: [Double]) -> Counts {
        // Rows of weight 0 count for nothing, and make no threshold of their own (as
        // scikit-learn leaves them out): an extra point would change the sums' rounding.
        if weights.contains(0) {
            let kept = weights.indices.filter { weights[$0] != 0 }
            return counts(kept.map { positive[$0] }, kept.map { scores[$0] }, kept.map { weights[$0] })
        }
        let order = ScoreOrder.descending(scores)
        var thresholds: [Double] = [], tps: [Double] = [], fps: [Double] = []
        var tp = 0.0, fp = 0.0
        let n = order.count
        for k in 0..<n {
            let i = Int(order[k])
            if positive[i] { tp += weights[i] } else { fp += weights[i] }
            if k == n - 1 || scores[Int(order[k + 1])] != scores[i] {
                thresholds.append(scores[i]); tps.append(tp); fps.append(fp)
            }
        }
        return Counts(thresholds: thresholds, tps: tps, fps: fps)
    }

    static func prepare(_ function: String, _ yTrue: Labels, _ scores: [Double], _ weights: [Double]?) throws(MetricError) -> ([Bool], [Double]) {
        try Check.lengths(function, [("yTrue", yTrue.count), ("scores", scores.count)])
        try Check.finite(function, "scores", scores)
        let w = try Check.weights(function, weights, yTrue.count)
        let y = try Check.binary(function, yTrue)
        let pos = zip(y, w).reduce(0.0) { $0 + ($1.0 ? $1.1 : 0) }, neg = w.reduce(0, +) - pos
        if pos == 0 || neg == 0 {
            throw MetricError("\(function): only one class is present in yTrue (\(pos == 0 ? "no positives" : "no negatives")); the score is not defined")
        }
        return (y, w)
    }

    /// The ROC curve (false and true positive rates, starting at 0, 0) and its thresholds.
    public static func rocCurve(_ yTrue: Labels, _ scores: [Double], weights: [Double]? = nil) throws(MetricError) -> (fpr: [Double], tpr: [Double], thresholds: [Double]) {
        let (y, w) = try prepare("rocCurve", yTrue, scores, weights)
        let c = corners(counts(y, scores, w))
        let (fpr, tpr) = rates(c)
        return (fpr, tpr, [Double.infinity] + c.thresholds)
    }

    public static func rocAUC(_ yTrue: Labels, _ scores: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let (y, w) = try prepare("rocAUC", yTrue, scores, weights)
        let (fpr, tpr) = rates(corners(counts(y, scores, w)))
        return area(fpr: fpr, tpr: tpr)
    }

    /// The counts at the curve's corners: a point on the straight line between its
    /// neighbours is dropped, as scikit-learn's roc_curve drops it (drop_intermediate), so
    /// that the area is summed over the same trapezoids and agrees to the last bit.
    static func corners(_ c: Counts) -> Counts {
        let n = c.tps.count
        guard n > 2 else { return c }
        var keep = [0]
        for i in 1..<(n - 1) {
            let bendsFP = (c.fps[i + 1] - c.fps[i]) - (c.fps[i] - c.fps[i - 1]) != 0
            let bendsTP = (c.tps[i + 1] - c.tps[i]) - (c.tps[i] - c.tps[i - 1]) != 0
            if bendsFP || bendsTP { keep.append(i) }
        }
        keep.append(n - 1)
        return Counts(thresholds: keep.map { c.thresholds[$0] }, tps: keep.map { c.tps[$0] }, fps: keep.map { c.fps[$0] })
    }

    static func rates(_ c: Counts) -> (fpr: [Double], tpr: [Double]) {
        ([0] + c.fps.map { $0 / c.fps.last! }, [0] + c.tps.map { $0 / c.tps.last! })
    }

    /// The trapezoidal area under a ROC curve, as `rocCurve` returns it; lets a caller
    /// that already has the curve get its area without ranking the scores again.
    public static func area(fpr: [Double], tpr: [Double]) -> Double {
        // numpy's trapezoid: the strips, then their (pairwise) sum.
        PairwiseSum.sum(fpr.indices.dropFirst().map { k in (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 })
    }

    /// One-vs-rest ROC AUC for several classes: `scores[i][k]` is row i's score for class
    /// k (classes in sorted order), averaged over classes (macro) or by class support.
    public static func rocAUC(_ yTrue: Labels, multiclass scores: [[Double]], average: Average = .macro,
                              weights: [Double]? = nil) throws(MetricError) -> Double {
        try Check.lengths("rocAUC", [("yTrue", yTrue.count), ("scores", scores.count)])
        let keys = yTrue.keys
        let classes = Set(keys).sorted { (Double($0) ?? .nan, $0) < (Double($1) ?? .nan, $1) }
        guard let width = scores.first?.count, scores.allSatisfy({ $0.count == width }) else {
            throw MetricError("rocAUC: every row of scores needs one score per class")
        }
        guard width == classes.count else {
            throw MetricError("rocAUC: scores have \(width) columns but yTrue has \(classes.count) classes; give one column per class, in sorted class order")
        }
        let w = try Check.weights("rocAUC", weights, keys.count)
        var areas: [Double] = [], support: [Double] = []
        for (k, cls) in classes.enumerated() {
            let y = keys.map { $0 == cls }
            let column = scores.map { $0[k] }
            try Check.finite("rocAUC", "scores", column)
            let (fpr, tpr) = rates(corners(counts(y, column, w)))
            areas.append(area(fpr: fpr, tpr: tpr))
            support.append(zip(y, w).reduce(0) { $0 + ($1.0 ? $1.1 : 0) })
        }
        switch average {
        case .macro: return areas.reduce(0, +) / Double(areas.count)
        case .weighted:
            let total = support.reduce(0, +)
            return zip(areas, support).reduce(0) { $0 + $1.0 * $1.1 } / total
        default: throw MetricError("rocAUC: average must be .macro or .weighted for several classes")
        }
    }

    /// Precision and recall at each threshold, highest threshold first.
    public static func precisionRecallCurve(_ yTrue: Labels, _ scores: [Double], weights: [Double]? = nil) throws(MetricError) -> (precision: [Double], recall: [Double], thresholds: [Double]) {
        let (y, w) = try prepare("precisionRecallCurve", yTrue, scores, weights)
        let c = counts(y, scores, w)
        let (precision, recall) = precisionRecall(c)
        return (precision, recall, c.thresholds)
    }

    /// Average precision: precision at each threshold weighted by the recall gained there.
    public static func averagePrecision(_ yTrue: Labels, _ scores: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let (y, w) = try prepare("prAUC", yTrue, scores, weights)
        let (precision, recall) = precisionRecall(counts(y, scores, w))
        return averagePrecision(precision: precision, recall: recall)
    }

    static func precisionRecall(_ c: Counts) -> (precision: [Double], recall: [Double]) {
        (zip(c.tps, c.fps).map { $0 + $1 > 0 ? $0 / ($0 + $1) : 0 }, c.tps.map { $0 / c.tps.last! })
    }

    /// Average precision of a curve, as `precisionRecallCurve` returns it (highest
    /// threshold first), without ranking the scores again.
    public static func averagePrecision(precision: [Double], recall: [Double]) -> Double {
        // As scikit-learn: -Σ diff(recall) · precision over the curve from the lowest
        // threshold (recall falling to 0), the products summed pairwise as numpy sums.
        let n = recall.count
        let steps = (0..<n).map { j -> Double in
            let k = n - 1 - j, lower = k > 0 ? recall[k - 1] : 0
            return (lower - recall[k]) * precision[k]
        }
        return -PairwiseSum.sum(steps)
    }
}
