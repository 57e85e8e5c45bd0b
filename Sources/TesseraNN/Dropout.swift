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
    public static var summary: String { "Zeroes values with probability rate while training (scaling the rest by 1 / (1 - rate)); passes them through in inference." }
    public static var example: String { "Sequential([Dense(64, activation: .relu), Dropout(0.2), Dense(10)])" }
    public static var fields: [Setting] { [Setting("rate", .number, positional: true, range: 0...1, upperOpen: true, "the probability of zeroing a value")] }
    public var settings: [String: SettingValue] { ["rate": .number(Double(rate))] }
    public convenience init(settings s: Settings) { self.init(Float(s.double("rate"))) }
}
