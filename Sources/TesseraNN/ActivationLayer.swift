import TesseraTensor

/// An activation on its own, for where it does not follow a Dense or Conv2D directly
/// (Conv2D → BatchNorm → ReLU).
public final class ActivationLayer: Layer {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public var description: String { activation.rawValue }
    public var parameters: [Parameter] { [] }
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] { inputShape }
    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try activation.apply(x, pass.tape) }
    public var probabilityActivation: Activation? { activation.givesProbabilities ? activation : nil }
    public func forwardScores(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        activation.givesProbabilities ? x : try forward(x, pass)
    }
}

extension ActivationLayer: ConfigurableLayer {
    public static var kind: String { "Activation" }
    public static var summary: String { "An activation on its own, where it does not follow a Dense or Conv2D directly (Conv2D → BatchNorm → ReLU)." }
    public static var example: String { "Sequential([Dense(64), BatchNorm(), Activation(.relu), Dense(10)])" }
    public static var fields: [Setting] { [Setting("activation", .activation, positional: true, "the function applied to every value")] }
    public var settings: [String: SettingValue] { ["activation": .name(activation.rawValue)] }
    public convenience init(settings s: Settings) { self.init(s.activation()) }
}
