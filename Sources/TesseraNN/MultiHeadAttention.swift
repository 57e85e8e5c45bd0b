import Foundation
import TesseraTensor

/// Self-attention with several heads over sequences [batch, length, features], as
/// PyTorch's nn.MultiheadAttention (batch first, query = key = value): the features are
/// projected to queries, keys and values, split into `heads` groups, each position takes
/// a weighted mean of the values of the positions it attends to, and the heads are joined
/// and projected back to the same width.
///
/// Padding positions (the batch's sequence mask, from an Embedding with `padding:`) are
/// never attended to; with `causal`, a position attends only to itself and those before
/// it (a language model's mask). The scores are one batched product per layer, scaled
/// and masked in a single pass (`Tape.attentionWeights`). Weights are PyTorch's:
/// `in_proj_weight` [3·features, features], `in_proj_bias`, `out_proj.weight`,
/// `out_proj.bias`.
public final class MultiHeadAttention: Layer {
    public let heads: Int
    public let causal: Bool
    /// Dropout on the attention weights while training.
    public let dropout: Float
    public private(set) var inWeight: Variable?
    public private(set) var inBias: Variable?
    public private(set) var outWeight: Variable?
    public private(set) var outBias: Variable?

    public init(heads: Int, causal: Bool = false, dropout: Float = 0) {
        self.heads = heads
        self.causal = causal
        self.dropout = dropout
    }

    public var description: String {
        "MultiHeadAttention(heads: \(heads)\(causal ? ", causal: true" : "")\(dropout > 0 ? ", dropout: \(dropout)" : ""))"
    }

    public var parameters: [Parameter] {
        guard let inWeight, let inBias, let outWeight, let outBias else { return [] }
        return [Parameter("in_proj_weight", inWeight), Parameter("in_proj_bias", inBias),
                Parameter("out_proj.weight", outWeight), Parameter("out_proj.bias", outBias)]
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example; it got \(inputShape)")
        }
        let features = inputShape[1]
        guard heads > 0, features % heads == 0 else {
            throw TensorError(.value, "\(description): \(features) features do not split into \(heads) heads of equal width; pick heads that divide \(features)")
        }
        guard dropout >= 0 && dropout < 1 else { throw TensorError(.value, "\(description): dropout must be in [0, 1), got \(dropout)") }
        try HostMemory.check(shape: [4 * features, features], what: "\(description)'s weights")
        // As PyTorch: Xavier-uniform projections in, zero biases, the output as a Linear.
        inWeight = Variable(try Initializer.glorot.make([3 * features, features], fanIn: features, fanOut: 3 * features, rng: &rng), requiresGrad: true)
        inBias = Variable(Tensor(zeros: [3 * features]), requiresGrad: true)
        let limit = 1 / Double(features).squareRoot()
        outWeight = Variable(Tensor(shape: [features, features], storage: (0..<(features * features)).map { _ in Float((rng.nextDouble() * 2 - 1) * limit) }), requiresGrad: true)
        outBias = Variable(Tensor(zeros: [features]), requiresGrad: true)
        return inputShape
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let inWeight, let inBias, let outWeight, let outBias else { throw TensorError(.value, "\(description) is used before it was built") }
        let features = outWeight.shape[0]
        guard x.value.rank == 3, x.shape[2] == features else {
            throw TensorError(.shape, "\(description) built for \(features) features got a batch of shape \(x.shape); it needs [batch, length, \(features)]")
        }
        let t = pass.tape
        let (batch, length, width) = (x.shape[0], x.shape[1], features / heads)
        let rows = try t.reshape(x, [batch * length, features])
        // Queries, keys and values each by its third of the joint weights (slicing the
        // weights costs features² values; slicing the projections, batch · length · features
        // each way), then as [batch · heads, length, width].
        func part(_ i: Int) throws(TensorError) -> Variable {
            let range = (i * features)..<((i + 1) * features)
            let projected = try t.add(try t.matmul(rows, try t.slice(inWeight, axis: 0, range), transpose: Transpose(b: true)),
                                      try t.slice(inBias, axis: 0, range))
            let heads4 = try t.permute(try t.reshape(projected, [batch, length, heads, width]), [0, 2, 1, 3])
            return try t.reshape(heads4, [batch * heads, length, width])
        }
        let (q, k, v) = (try part(0), try part(1), try part(2))
        let scores = try t.matmul(q, k, transpose: Transpose(b: true))
        let mask = pass.sequenceMask.flatMap { $0.shape == [batch, length] ? $0 : nil }
        var weights = try t.attentionWeights(scores, scale: 1 / Float(width).squareRoot(), keyMask: mask, causal: causal, heads: heads)
        if pass.training && dropout > 0 {
            let keep = 1 / (1 - dropout)
            let drop = Tensor(shape: weights.shape, storage: (0..<weights.value.count).map { _ in pass.rng.nextDouble() < Double(dropout) ? 0 : keep })
            weights = try t.multiply(weights, Variable(try pass.backend.prepare(drop)))
        }
        let context = try t.matmul(weights, v)
        let joined = try t.reshape(try t.permute(try t.reshape(context, [batch, heads, length, width]), [0, 2, 1, 3]), [batch * length, features])
        let out = try t.add(try t.matmul(joined, outWeight, transpose: Transpose(b: true)), outBias)
        return try t.reshape(out, [batch, length, features])
    }
}

extension MultiHeadAttention: ConfigurableLayer {
    public static var kind: String { "MultiHeadAttention" }
    public static var summary: String { "Self-attention with several heads over sequences [length, features]; padding is never attended to, causal hides later positions." }
    public static var example: String { "Sequential([Embedding(100, 32, padding: 0), MultiHeadAttention(heads: 4), GlobalAveragePooling1D(), Dense(2)])" }
    public static var fields: [Setting] {
        [Setting("heads", .count, range: 1...4096, "how many attention heads (they must divide the features)"),
         Setting("causal", .flag, default: .flag(false), "attend only to the same and earlier positions (a language model)"),
         Setting("dropout", .number, default: .number(0), range: 0...1, upperOpen: true, "dropout on the attention weights while training")]
    }
    public var settings: [String: SettingValue] { ["heads": .number(Double(heads)), "causal": .flag(causal), "dropout": .number(Double(dropout))] }
    public convenience init(settings s: Settings) { self.init(heads: s.int("heads"), causal: s.bool("causal"), dropout: Float(s.double("dropout"))) }
}
