import TesseraTensor

/// One block of a transformer encoder over sequences [batch, length, features], pre-norm
/// as GPT-2 and PyTorch's nn.TransformerEncoderLayer(norm_first: true, activation: gelu):
///
///     h = x + Dropout(MultiHeadAttention(LayerNorm(x)))
///     y = h + Dropout(Dense(features)(Dropout(Dense(feedForward, gelu)(LayerNorm(h)))))
///
/// Attention dropout is the same rate. Masks (padding, and `causal` for a language model)
/// reach the attention as they reach a MultiHeadAttention layer. GELU is the tanh form
/// (PyTorch's approximate="tanh"). Weights carry PyTorch's names (`norm1.weight`,
/// `self_attn.in_proj_weight`, `linear1.weight`, ...), so a state dict loads unchanged.
public final class TransformerEncoderBlock: Layer {
    public let heads: Int
    /// Units of the feed-forward's hidden layer; nil gives 4 × the features.
    public let feedForward: Int?
    public let dropout: Float
    public let causal: Bool
    let norm1 = LayerNorm(), norm2 = LayerNorm()
    let attention: MultiHeadAttention
    let drop: Dropout
    private(set) var linear1: Dense?
    private(set) var linear2: Dense?

    public init(heads: Int, feedForward: Int? = nil, dropout: Float = 0.1, causal: Bool = false) {
        self.heads = heads
        self.feedForward = feedForward
        self.dropout = dropout
        self.causal = causal
        attention = MultiHeadAttention(heads: heads, causal: causal, dropout: dropout)
        drop = Dropout(dropout)
    }

    public var description: String {
        "TransformerEncoderBlock(heads: \(heads)\(feedForward.map { ", feedForward: \($0)" } ?? "")\(dropout != 0.1 ? ", dropout: \(dropout)" : "")\(causal ? ", causal: true" : ""))"
    }

    public var parameters: [Parameter] {
        let parts: [(String, (any Layer)?)] = [("self_attn.", attention), ("linear1.", linear1), ("linear2.", linear2), ("norm1.", norm1), ("norm2.", norm2)]
        return parts.flatMap { (prefix, layer) in (layer?.parameters ?? []).map { Parameter(prefix + $0.name, $0.variable) } }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example (an Embedding before it gives them); it got \(inputShape)")
        }
        guard dropout >= 0 && dropout < 1 else { throw TensorError(.value, "\(description): dropout must be in [0, 1), got \(dropout)") }
        let features = inputShape[1], hidden = feedForward ?? 4 * features
        guard hidden > 0 else { throw TensorError(.value, "\(description): feedForward must be at least 1") }
        _ = try norm1.build(inputShape: inputShape, rng: &rng)
        _ = try attention.build(inputShape: inputShape, rng: &rng)
        _ = try norm2.build(inputShape: inputShape, rng: &rng)
        let up = Dense(hidden, activation: .gelu), down = Dense(features)
        _ = try up.build(inputShape: inputShape, rng: &rng)
        _ = try down.build(inputShape: [inputShape[0], hidden], rng: &rng)
        _ = try drop.build(inputShape: inputShape, rng: &rng)
        linear1 = up
        linear2 = down
        return inputShape
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let linear1, let linear2 else { throw TensorError(.value, "\(description) is used before it was built") }
        let t = pass.tape
        let h = try t.add(x, try drop.forward(try attention.forward(try norm1.forward(x, pass), pass), pass))
        let inner = try drop.forward(try linear1.forward(try norm2.forward(h, pass), pass), pass)
        return try t.add(h, try drop.forward(try linear2.forward(inner, pass), pass))
    }
}

extension TransformerEncoderBlock: ConfigurableLayer {
    public static var kind: String { "TransformerEncoderBlock" }
    public static var summary: String { "A pre-norm transformer block over sequences [length, features]: self-attention then a GELU feed-forward, each with LayerNorm, dropout and a residual." }
    public static var example: String { "Sequential([Embedding(100, 32, padding: 0), PositionalEncoding(), TransformerEncoderBlock(heads: 4), GlobalAveragePooling1D(), Dense(2)])" }
    public static var fields: [Setting] {
        [Setting("heads", .count, range: 1...4096, "attention heads (they must divide the features)"),
         Setting("feedForward", .count, default: SettingValue.none, range: 1...Setting.largestCount, "units of the feed-forward's hidden layer (4 × the features when left out)"),
         Setting("dropout", .number, default: .number(0.1), range: 0...1, upperOpen: true, "dropout after attention and in the feed-forward, while training"),
         Setting("causal", .flag, default: .flag(false), "each position attends only to itself and earlier ones (a language model)")]
    }
    public var settings: [String: SettingValue] {
        ["heads": .number(Double(heads)), "feedForward": feedForward.map { .number(Double($0)) } ?? SettingValue.none,
         "dropout": .number(Double(dropout)), "causal": .flag(causal)]
    }
    public convenience init(settings s: Settings) {
        self.init(heads: s.int("heads"), feedForward: s.optionalInt("feedForward"), dropout: Float(s.double("dropout")), causal: s.bool("causal"))
    }
}
