import TesseraTensor

/// Layer normalization, as PyTorch's nn.LayerNorm over the last dimension: each example
/// (each token of a sequence) is normalized by the mean and (biased) variance of its own
/// features, then scaled and shifted by trained per-feature weights. Unlike BatchNorm it
/// keeps no running statistics and works the same in training and inference, whatever
/// the batch size.
public final class LayerNorm: Layer {
    public let epsilon: Float
    public private(set) var gamma: Variable?
    public private(set) var beta: Variable?

    public init(epsilon: Float = 1e-5) { self.epsilon = epsilon }

    public var description: String { "LayerNorm()" }

    public var parameters: [Parameter] {
        [gamma.map { Parameter("weight", $0) }, beta.map { Parameter("bias", $0) }].compactMap { $0 }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard let f = inputShape.last, f > 0 else {
            throw TensorError(.shape, "LayerNorm needs features [f] (or [tokens, f]) per example; it got \(inputShape)")
        }
        try HostMemory.check(shape: [2, f], what: "LayerNorm's weights for \(f) features")
        gamma = Variable(Tensor(shape: [f], storage: [Float](repeating: 1, count: f)), requiresGrad: true)
        beta = Variable(Tensor(zeros: [f]), requiresGrad: true)
        return inputShape
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let gamma, let beta else { throw TensorError(.value, "LayerNorm is used before it was built") }
        let t = pass.tape
        let f = gamma.shape[0]
        guard x.value.rank >= 2, x.shape.last == f else {
            throw TensorError(.shape, "LayerNorm built for \(f) features got a batch of shape \(x.shape)")
        }
        return try t.layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon)
    }
}

extension LayerNorm: ConfigurableLayer {
    public static var kind: String { "LayerNorm" }
    public static var summary: String { "Normalizes each example's features by their own mean and variance, then scales and shifts them (trained)." }
    public static var example: String { "Sequential([Dense(64), LayerNorm(), Activation(.relu), Dense(10)])" }
    public static var fields: [Setting] {
        [Setting("epsilon", .number, default: .number(1e-5), range: 1e-12...1, "added to the variance before the square root")]
    }
    public var settings: [String: SettingValue] { ["epsilon": .number(Double(epsilon))] }
    public convenience init(settings s: Settings) { self.init(epsilon: Float(s.double("epsilon"))) }
}
