/// Errors of numeric predictions, with sample weights.
public enum RegressionMetrics {
    static func prepare(_ function: String, _ yTrue: [Double], _ yPred: [Double], _ weights: [Double]?) throws(MetricError) -> [Double] {
        try Check.lengths(function, [("yTrue", yTrue.count), ("yPred", yPred.count)])
        try Check.finite(function, "yTrue", yTrue)
        try Check.finite(function, "yPred", yPred)
        return try Check.weights(function, weights, yTrue.count)
    }

    public static func mse(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let w = try prepare("mse", yTrue, yPred, weights)
        return PairwiseSum.average(yTrue.indices.map { let d = yTrue[$0] - yPred[$0]; return d * d }, weights: w)
    }

    public static func rmse(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        _ = try prepare("rmse", yTrue, yPred, weights)
        return try mse(yTrue, yPred, weights: weights).squareRoot()
    }

    public static func mae(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let w = try prepare("mae", yTrue, yPred, weights)
        return PairwiseSum.average(yTrue.indices.map { abs(yTrue[$0] - yPred[$0]) }, weights: w)
    }

    /// R²: 1 when predictions are exact, 0 for predicting the (weighted) mean; when yTrue
    /// is constant, 1 for exact predictions and 0 otherwise (as scikit-learn).
    public static func r2(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let w = try prepare("r2", yTrue, yPred, weights)
        let mean = PairwiseSum.average(yTrue, weights: w)
        let residual = PairwiseSum.sum(yTrue.indices.map { w[$0] * ((yTrue[$0] - yPred[$0]) * (yTrue[$0] - yPred[$0])) })
        let spread = PairwiseSum.sum(yTrue.indices.map { w[$0] * ((yTrue[$0] - mean) * (yTrue[$0] - mean)) })
        if spread == 0 { return residual == 0 ? 1 : 0 }
        return 1 - residual / spread
    }
}
