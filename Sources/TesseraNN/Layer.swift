import TesseraTensor

/// A building block of a network: it makes its parameters once it knows the shape of its
/// input (from the first batch), then maps batches forward on a tape.
public protocol Layer: AnyObject {
    /// "Dense(128, relu)": how `summary()` lists it.
    var description: String { get }
    /// The trainable tensors, named ("weight", "bias"), in a fixed order.
    var parameters: [Parameter] { get }
    /// Tensors the layer keeps but does not train (BatchNorm's running statistics).
    var buffers: [Parameter] { get }
    /// Makes the parameters for inputs of `inputShape` (per example, without the batch
    /// dimension) and returns the output shape per example.
    func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int]
    /// The layer applied to a batch.
    func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable
    /// The sigmoid or softmax this layer ends with, which turns scores into probabilities;
    /// nil for a layer that ends any other way.
    var probabilityActivation: Activation? { get }
    /// The layer applied to a batch without that final sigmoid or softmax: the scores
    /// (logits) a classification loss takes, so that a model written the Keras way
    /// (`Dense(1, activation: .sigmoid)` with binary cross-entropy) trains exactly as its
    /// logits form does, the activation fused into the loss for numerical stability.
    func forwardScores(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable
}

extension Layer {
    public var buffers: [Parameter] { [] }
    public var probabilityActivation: Activation? { nil }
    public func forwardScores(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try forward(x, pass) }
}

/// A layer whose last step is its activation (Dense, Conv1D): it says which sigmoid or
/// softmax it ends in, and gives its scores by running with that activation left out.
public protocol ActivatedLayer: Layer {
    var activation: Activation { get }
    /// The layer applied to a batch, ending in `activation` instead of its own.
    func forward(_ x: Variable, _ pass: ForwardPass, activation: Activation) throws(TensorError) -> Variable
}

extension ActivatedLayer {
    public var probabilityActivation: Activation? { activation.givesProbabilities ? activation : nil }
    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try forward(x, pass, activation: activation) }
    public func forwardScores(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        try forward(x, pass, activation: activation.givesProbabilities ? .linear : activation)
    }
}

/// A named trainable tensor of a layer.
public struct Parameter {
    public let name: String
    public let variable: Variable
    public init(_ name: String, _ variable: Variable) { self.name = name; self.variable = variable }
}

/// One forward pass: the tape it records on, whether it is training (Dropout drops,
/// BatchNorm uses the batch's statistics), and the generator Dropout draws from.
public final class ForwardPass {
    public let tape: Tape
    public let training: Bool
    public var rng: RandomGenerator
    /// The ranks of a data-parallel step (one process outside one), and this rank's share
    /// of the global batch's rows: what a synchronized BatchNorm reduces its statistics with.
    public var communicator: any Communicator = SoloCommunicator()
    public var share: Float = 1
    /// Which positions of a batch of sequences hold tokens ([batch, length], 1 or 0): set by
    /// an Embedding with a padding index, read by the layers after it that pool or attend
    /// over time (Keras's mask propagation), so padding never counts.
    public var sequenceMask: Tensor?

    public init(tape: Tape, training: Bool, rng: RandomGenerator = RandomGenerator(seed: 0)) {
        self.tape = tape
        self.training = training
        self.rng = rng
    }
    public var backend: any Backend { tape.backend }
}

/// Element-wise activations a layer can end with.
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, gelu, tanh, sigmoid, softmax

    /// Whether this activation turns scores into probabilities (sigmoid, softmax).
    public var givesProbabilities: Bool { self == .sigmoid || self == .softmax }

    public func apply(_ x: Variable, _ tape: Tape) throws(TensorError) -> Variable {
        switch self {
        case .linear: return x
        case .relu: return try tape.relu(x)
        case .gelu: return try tape.gelu(x)
        case .tanh: return try tape.tanh(x)
        case .sigmoid: return try tape.sigmoid(x)
        case .softmax: return try tape.softmax(x)
        }
    }
}

/// Weight initialization from the seeded generator: He for ReLU-like activations, Glorot
/// otherwise, both uniform (the variance of the normal forms, with bounded values).
public enum Initializer: Sendable {
    case he, glorot, zeros, ones

    public static func `for`(_ activation: Activation) -> Initializer { activation == .relu || activation == .gelu ? .he : .glorot }

    /// A tensor of `shape` whose layer reads `fanIn` inputs and writes `fanOut` outputs.
    public func make(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomGenerator) throws(TensorError) -> Tensor {
        let count = try HostMemory.check(shape: shape, what: "weights of shape \(shape)")
        let limit: Double
        switch self {
        case .zeros: return Tensor(zeros: shape)
        case .ones: return Tensor(shape: shape, storage: [Float](repeating: 1, count: count))
        case .he: limit = (6.0 / Double(Swift.max(1, fanIn))).squareRoot()
        case .glorot: limit = (6.0 / Double(Swift.max(1, fanIn &+ fanOut))).squareRoot()
        }
        return Tensor(shape: shape, storage: (0..<count).map { _ in Float((rng.nextDouble() * 2 - 1) * limit) })
    }
}
