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
        var s = 0.0
        for i in yTrue.indices { let d = yTrue[i] - yPred[i]; s += w[i] * d * d }
        return s / w.reduce(0, +)
    }

    public static func rmse(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        _ = try prepare("rmse", yTrue, yPred, weights)
        return try mse(yTrue, yPred, weights: weights).squareRoot()
    }

    public static func mae(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let w = try prepare("mae", yTrue, yPred, weights)
        var s = 0.0
        for i in yTrue.indices { s += w[i] * abs(yTrue[i] - yPred[i]) }
        return s / w.reduce(0, +)
    }

    /// R²: 1 when predictions are exact, 0 for predicting the (weighted) mean; when yTrue
    /// is constant, 1 for exact predictions and 0 otherwise (as scikit-learn).
    public static func r2(_ yTrue: [Double], _ yPred: [Double], weights: [Double]? = nil) throws(MetricError) -> Double {
        let w = try prepare("r2", yTrue, yPred, weights)
        let total = w.reduce(0, +)
        let mean = zip(yTrue, w).reduce(0) { $0 + $1.0 * $1.1 } / total
        var residual = 0.0, spread = 0.0
        for i in yTrue.indices {
            residual += w[i] * (yTrue[i] - yPred[i]) * (yTrue[i] - yPred[i])
            spread += w[i] * (yTrue[i] - mean) * (yTrue[i] - mean)
        }
        if spread == 0 { return residual == 0 ? 1 : 0 }
        return 1 - residual / spread
    }
}
