import TesseraTensor

/// A fully connected layer: y = activation(x Wᵀ + b), W of shape [units, inputs] as in
/// PyTorch's nn.Linear (so weights move between the two unchanged). On sequences
/// ([length, features] per example) it maps each position's features alike, as Keras's
/// Dense and PyTorch's Linear do on their last axis.
public final class Dense: ActivatedLayer {
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    public private(set) var weight: Variable?
    public private(set) var bias: Variable?

    public init(_ units: Int, activation: Activation = .linear, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
    }

    public var description: String { "Dense(\(units)\(activation == .linear ? "" : ", \(activation.rawValue)"))" }

    public var parameters: [Parameter] {
        [weight.map { Parameter("weight", $0) }, bias.map { Parameter("bias", $0) }].compactMap { $0 }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        // Images ([channels, height, width]) are refused rather than mapped along their last
        // axis: there a missing Flatten() is far likelier than the intent.
        guard inputShape.count == 1 || inputShape.count == 2, let inputs = inputShape.last, inputs > 0 else {
            throw TensorError(.shape, "Dense(\(units)) needs flat inputs [features] (or sequences [length, features]); it got \(inputShape) per example (put Flatten() before it)")
        }
        guard units > 0 else { throw TensorError(.value, "Dense needs at least one unit, got \(units)") }
        weight = Variable(try Initializer.for(activation).make([units, inputs], fanIn: inputs, fanOut: units, rng: &rng), requiresGrad: true)
        if useBias { bias = Variable(Tensor(zeros: [units]), requiresGrad: true) }
        return inputShape.dropLast() + [units]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass, activation: Activation) throws(TensorError) -> Variable {
        guard let weight else { throw TensorError(.value, "\(description) is used before it was built") }
        if x.value.rank == 3, x.shape[2] == weight.shape[1] {
            // Every position of every sequence as one row of a single product.
            let rows = try pass.tape.reshape(x, [x.shape[0] * x.shape[1], x.shape[2]])
            return try pass.tape.reshape(try forward(rows, pass, activation: activation), [x.shape[0], x.shape[1], units])
        }
        guard x.value.rank == 2, x.shape[1] == weight.shape[1] else {
            throw TensorError(.shape, "\(description) expects inputs [batch, \(weight.shape[1])]; got \(x.shape)")
        }
        return try pass.tape.affine(x, weight: weight, bias: bias, activation: activation)
    }
}

extension Dense: ConfigurableLayer {
    public static var kind: String { "Dense" }
    public static var summary: String { "A fully connected layer: activation(x Wᵀ + b), for flat inputs [features]." }
    public static var example: String { "Sequential([Dense(64, activation: .relu), Dense(10)])" }
    public static var fields: [Setting] {
        [Setting("units", .count, positional: true, range: 1...Setting.largestCount, "outputs per example"),
         Setting("activation", .activation, default: .name("linear"), "applied to the outputs (.softmax or .sigmoid last for probabilities)"),
         Setting("bias", .flag, default: .flag(true), "whether to add a trained bias")]
    }
    public var settings: [String: SettingValue] { ["units": .number(Double(units)), "activation": .name(activation.rawValue), "bias": .flag(useBias)] }
    public convenience init(settings s: Settings) { self.init(s.int("units"), activation: s.activation(), useBias: s.bool("bias")) }
}
