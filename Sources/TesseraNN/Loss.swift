import TesseraTensor

/// The loss a model is trained on.
public enum Loss: Sendable, Equatable {
    case crossEntropy(weights: [Float]? = nil, labelSmoothing: Float = 0)
    case binaryCrossEntropy(positiveWeight: Float = 1)
    case meanSquaredError
    case huber(delta: Float = 1)

    /// The loss of a batch's outputs against its targets, on the tape.
    public func apply(_ output: Variable, _ target: Tensor, _ tape: Tape) throws(TensorError) -> Variable {
        switch self {
        case .crossEntropy(let w, let s): return try tape.crossEntropy(output, labels: target, weights: w, labelSmoothing: s)
        case .binaryCrossEntropy(let pw): return try tape.binaryCrossEntropy(output, targets: target, positiveWeight: pw)
        case .meanSquaredError: return try tape.meanSquaredError(output, target)
        case .huber(let d): return try tape.huber(output, target, delta: d)
        }
    }

    /// The name a fit's `loss:` takes (and a checkpoint's metadata keeps).
    public var name: String {
        switch self {
        case .crossEntropy: return "crossEntropy"
        case .binaryCrossEntropy: return "binaryCrossEntropy"
        case .meanSquaredError: return "mse"
        case .huber: return "huber"
        }
    }

    public var isClassification: Bool {
        if case .crossEntropy = self { return true }
        if case .binaryCrossEntropy = self { return true }
        return false
    }

    /// Whether this loss takes `model`'s scores rather than its outputs: a cross-entropy
    /// after a final softmax, a binary cross-entropy after a final sigmoid. The loss
    /// applies the activation itself, stably, as Keras does with `from_logits=False`:
    /// without this, the activation would be applied twice and training fail silently.
    public func takesScores(of model: Sequential) -> Bool {
        switch (self, model.probabilityActivation) {
        case (.crossEntropy, .softmax?), (.binaryCrossEntropy, .sigmoid?): return true
        default: return false
        }
    }
}

/// A loss by the name users write (`loss: .crossEntropy`), declared once: its aliases, what
/// it is for, and how it is made from the options a fit gives (class weights, label
/// smoothing, the weight of positives). The language's `fit(loss:)` and checkpoints read it.
public struct LossKind: Sendable {
    /// What a fit may say about its loss besides its name.
    public struct Options: Sendable {
        public var classWeights: [Float]?
        public var labelSmoothing: Float = 0
        public var positiveWeight: Float = 1
        public init(classWeights: [Float]? = nil, labelSmoothing: Float = 0, positiveWeight: Float = 1) {
            self.classWeights = classWeights; self.labelSmoothing = labelSmoothing; self.positiveWeight = positiveWeight
        }
    }

    public let name: String
    public let aliases: [String]
    public let summary: String
    public let make: @Sendable (Options) throws(TensorError) -> Loss

    public static let all: [LossKind] = [
        LossKind(name: "crossEntropy", aliases: ["categoricalCrossEntropy", "sparse_categorical_crossentropy", "categorical_crossentropy"],
                 summary: "Softmax cross-entropy over class scores (a last softmax is fused into it); classWeights and labelSmoothing apply.") { o throws(TensorError) in
            guard o.labelSmoothing >= 0 && o.labelSmoothing < 1 else { throw TensorError(.value, "labelSmoothing must be in [0, 1), got \(o.labelSmoothing)") }
            return .crossEntropy(weights: o.classWeights, labelSmoothing: o.labelSmoothing)
        },
        LossKind(name: "binaryCrossEntropy", aliases: ["bce", "binary_crossentropy"],
                 summary: "Sigmoid cross-entropy of one score per row against 0/1 targets (a last sigmoid is fused into it); positiveWeight applies.") { o throws(TensorError) in
            guard o.positiveWeight > 0, o.positiveWeight.isFinite else { throw TensorError(.value, "positiveWeight must be above 0, got \(o.positiveWeight)") }
            return .binaryCrossEntropy(positiveWeight: o.positiveWeight)
        },
        LossKind(name: "mse", aliases: ["meanSquaredError", "mean_squared_error"], summary: "Mean squared error, for regression.") { _ throws(TensorError) in .meanSquaredError },
        LossKind(name: "huber", aliases: [], summary: "Huber loss (delta 1): squared near 0, absolute beyond; regression robust to outliers.") { _ throws(TensorError) in .huber() },
    ]

    /// The kind a name or alias means.
    public static func named(_ name: String) -> LossKind? { all.first { $0.name == name || $0.aliases.contains(name) } }

    /// Every name and alias, for the language's choices.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }
}
