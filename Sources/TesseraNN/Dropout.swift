import TesseraTensor

/// Zeroes each value with probability `rate` while training and scales the rest by
/// 1 / (1 - rate) (inverted dropout), so inference needs no change: there it passes
/// values through.
public final class Dropout: Layer {
    public let rate: Float

    public init(_ rate: Float) { self.rate = rate }

    public var description: String { "Dropout(\(rate))" }
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard rate >= 0 && rate < 1 else { throw TensorError(.value, "Dropout rate must be in [0, 1), got \(rate)") }
        return inputShape
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard pass.training && rate > 0 else { return x }
        let keep = 1 / (1 - rate)
        let mask = Tensor(shape: x.shape, storage: (0..<x.value.count).map { _ in pass.rng.nextDouble() < Double(rate) ? 0 : keep })
        return try pass.tape.multiply(x, Variable(mask))
    }
}

extension Dropout: ConfigurableLayer {
    public static var kind: String { "Dropout" }
    public var config: [String: Double] { ["rate": Double(rate)] }
    public convenience init(config: [String: Double]) throws(TensorError) { self.init(Float(try Architecture.number(config, "rate", "Dropout", in: 0...0.999_999, default: 0))) }
}
