/// Every named metric, declared once: its name and the aliases users type, what it reads,
/// which way is better, whether it can be swept over thresholds, and how it is computed.
///
/// The language's metric functions, `evaluate(metrics:)`, the tuner's default direction for
/// a metric name and `thresholdSweep` all read this list, so a metric added here is
/// callable, evaluable, tunable and (if it counts decisions) sweepable at once.
public struct MetricDescriptor: Sendable {
    /// What a metric reads beside the true labels.
    public enum Input: Sendable, Equatable {
        /// Predicted labels (`accuracy`).
        case labels
        /// Scores or probabilities, one per row or a row per class (`rocAUC`).
        case scores
        /// Predicted values, for regression (`mse`).
        case values
        /// Predicted labels and the amount each row is worth (`amountRecall`).
        case amounts
    }

    /// How it is computed from its input (the plain form: binary or one score per row).
    public enum Computation: Sendable {
        case labels(@Sendable (Labels, Labels, [Double]?, Average) throws(MetricError) -> Double)
        case scores(@Sendable (Labels, [Double], [Double]?) throws(MetricError) -> Double)
        case values(@Sendable ([Double], [Double], [Double]?) throws(MetricError) -> Double)
        case amounts(@Sendable (Labels, Labels, [Double]) throws(MetricError) -> Double)

        var input: Input {
            switch self {
            case .labels: return .labels
            case .scores: return .scores
            case .values: return .values
            case .amounts: return .amounts
            }
        }
    }

    public let name: String
    /// Other names users bring for it (scikit-learn's: "roc_auc", "average_precision").
    public let aliases: [String]
    public let summary: String
    public let direction: MetricSpec.Direction
    /// Whether it takes `average:` (.binary, .macro, .micro, .weighted) for several classes.
    public let averaged: Bool
    /// Its form in a threshold sweep; nil when it does not count decisions.
    public let sweep: ThresholdSweep.Metric?
    public let computation: Computation

    public var input: Input { computation.input }

    public init(_ name: String, aliases: [String] = [], _ summary: String, direction: MetricSpec.Direction = .maximize,
                averaged: Bool = false, sweep: ThresholdSweep.Metric? = nil, _ computation: Computation) {
        self.name = name; self.aliases = aliases; self.summary = summary; self.direction = direction
        self.averaged = averaged; self.sweep = sweep; self.computation = computation
    }
}

/// The list of named metrics, and how a name a user types resolves to one of them.
public enum MetricCatalog {
    public static let all: [MetricDescriptor] = [
        .init("accuracy", aliases: ["acc"], "The share of rows whose predicted class is right.", sweep: .accuracy,
              .labels { t, p, w, _ throws(MetricError) in try ClassificationMetrics.accuracy(t, p, weights: w) }),
        .init("balancedAccuracy", aliases: ["balanced_accuracy"], "The mean of the recall of each class: accuracy that a rare class cannot hide in.",
              sweep: .balancedAccuracy,
              .labels { t, p, w, _ throws(MetricError) in try ClassificationMetrics.balancedAccuracy(t, p, weights: w) }),
        .init("precision", aliases: ["precision_score"], "Of the rows predicted positive, the share that are.", averaged: true, sweep: .precision,
              .labels { t, p, w, a throws(MetricError) in try ClassificationMetrics.scores(t, p, average: a, weights: w, function: "precision").precision }),
        .init("recall", aliases: ["recall_score", "sensitivity", "tpr"], "Of the positive rows, the share predicted positive.", averaged: true, sweep: .recall,
              .labels { t, p, w, a throws(MetricError) in try ClassificationMetrics.scores(t, p, average: a, weights: w, function: "recall").recall }),
        .init("f1", aliases: ["f1_score"], "The harmonic mean of precision and recall.", averaged: true, sweep: .f1,
              .labels { t, p, w, a throws(MetricError) in try ClassificationMetrics.scores(t, p, average: a, weights: w, function: "f1").f }),
        .init("fbeta", aliases: ["fbeta_score"], "F-beta (beta 1 unless given): beta above 1 weighs recall more.", averaged: true, sweep: .fbeta(1),
              .labels { t, p, w, a throws(MetricError) in try ClassificationMetrics.scores(t, p, beta: 1, average: a, weights: w, function: "fbeta").f }),
        .init("mcc", aliases: ["matthews_corrcoef"], "Matthews' correlation between predicted and true classes, from -1 to 1.", sweep: .mcc,
              .labels { t, p, w, _ throws(MetricError) in try ClassificationMetrics.mcc(t, p, weights: w) }),
        .init("rocAUC", aliases: ["auc", "roc_auc", "roc_auc_score"], "The area under the ROC curve: the chance a positive outscores a negative.",
              .scores { t, s, w throws(MetricError) in try RankingMetrics.rocAUC(t, s, weights: w) }),
        .init("prAUC", aliases: ["average_precision", "pr_auc", "ap"], "Average precision: the area under the precision-recall curve.",
              .scores { t, s, w throws(MetricError) in try RankingMetrics.averagePrecision(t, s, weights: w) }),
        .init("logLoss", aliases: ["log_loss", "cross_entropy"], "The mean negative log-probability of the true class.", direction: .minimize,
              .scores { t, s, w throws(MetricError) in try ProbabilityMetrics.logLoss(t, s, weights: w) }),
        .init("brier", aliases: ["brier_score", "brier_score_loss"], "The mean squared error of the probabilities.", direction: .minimize,
              .scores { t, s, w throws(MetricError) in try ProbabilityMetrics.brier(t, s, weights: w) }),
        .init("ece", aliases: ["expected_calibration_error"], "Expected calibration error over 10 uniform bins.", direction: .minimize,
              .scores { t, s, w throws(MetricError) in try ProbabilityMetrics.ece(t, s, weights: w) }),
        .init("mse", aliases: ["mean_squared_error"], "Mean squared error.", direction: .minimize,
              .values { t, p, w throws(MetricError) in try RegressionMetrics.mse(t, p, weights: w) }),
        .init("rmse", aliases: ["root_mean_squared_error"], "Root mean squared error.", direction: .minimize,
              .values { t, p, w throws(MetricError) in try RegressionMetrics.rmse(t, p, weights: w) }),
        .init("mae", aliases: ["mean_absolute_error"], "Mean absolute error.", direction: .minimize,
              .values { t, p, w throws(MetricError) in try RegressionMetrics.mae(t, p, weights: w) }),
        .init("r2", aliases: ["r2_score"], "The share of the variance the predictions explain.",
              .values { t, p, w throws(MetricError) in try RegressionMetrics.r2(t, p, weights: w) }),
        .init("amountRecall", aliases: ["amount_recall"], "The share of the positive rows' amount that was caught.", sweep: .amountRecall,
              .amounts { t, p, a throws(MetricError) in try BusinessValue.amountRecall(t, p, amount: a) }),
        .init("amountPrecision", aliases: ["amount_precision"], "Of the amount flagged, the share that was positive.", sweep: .amountPrecision,
              .amounts { t, p, a throws(MetricError) in try BusinessValue.amountPrecision(t, p, amount: a) }),
    ]

    /// A metric as a name asked for it: the descriptor, the average the name carried
    /// (scikit-learn's "f1_macro"), and whether it is negated ("neg_log_loss", greater is
    /// better as scikit-learn's scorers report it).
    public struct Resolved: Sendable {
        public let metric: MetricDescriptor
        public let average: Average?
        public let negated: Bool

        /// Which way is better for the value as the name reports it.
        public var direction: MetricSpec.Direction {
            negated ? (metric.direction == .maximize ? .minimize : .maximize) : metric.direction
        }
    }

    /// The metric `name` means: its own name, an alias, snake_case for camelCase, with
    /// scikit-learn's `neg_` prefix and `_macro`/`_micro`/`_weighted`/`_binary` suffixes.
    public static func resolve(_ name: String) -> Resolved? {
        var base = name
        var negated = false
        if base.hasPrefix("neg_") { base.removeFirst(4); negated = true }
        var average: Average? = nil
        for a in Average.allCases where base.hasSuffix("_" + a.rawValue) {
            base.removeLast(a.rawValue.count + 1)
            average = a
        }
        let lower = base.lowercased()
        guard let m = all.first(where: { $0.name == base || $0.aliases.contains(base) || $0.aliases.contains(lower) || $0.name.lowercased() == lower }) else {
            return nil
        }
        return Resolved(metric: m, average: average, negated: negated)
    }

    /// Every name the catalog answers to directly (names and aliases), for completion.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }
}
