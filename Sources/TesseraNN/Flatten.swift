import TesseraTensor

/// [batch, ...] → [batch, product of the rest]: between convolutions and dense layers.
public final class Flatten: Layer {
    public init() {}
    public var description: String { "Flatten()" }
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard let n = Tensor.elementCount(inputShape) else { throw TensorError(.shape, "Flatten cannot count the values of \(inputShape)") }
        return [n]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        let n = x.shape.first ?? 0
        return try pass.tape.reshape(x, [n, x.value.count / Swift.max(1, n)])
    }
}

extension Flatten: ConfigurableLayer {
    public static var kind: String { "Flatten" }
    public static var summary: String { "[batch, ...] → [batch, features]: between convolutions and dense layers." }
    public static var example: String { "Sequential([Conv2D(4), Flatten(), Dense(10)], inputShape: [1, 8, 8])" }
    public static var fields: [Setting] { [] }
    public var settings: [String: SettingValue] { [:] }
    public convenience init(settings: Settings) { self.init() }
}
