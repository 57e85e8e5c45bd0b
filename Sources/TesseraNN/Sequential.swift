import TesseraTensor

/// Layers applied in order. Shapes are inferred from the first batch (or `build`), and
/// parameters are named as PyTorch's nn.Sequential names them ("0.weight", "0.bias").
public final class Sequential {
    public private(set) var layers: [any Layer]
    /// Seeds the weights' initialization.
    public let seed: UInt64
    public private(set) var inputShape: [Int]?
    /// The output shape per example of each layer, once built.
    public private(set) var shapes: [[Int]] = []

    public init(_ layers: [any Layer], seed: UInt64 = 0) {
        self.layers = layers
        self.seed = seed
    }

    public var isBuilt: Bool { inputShape != nil }

    /// Appends a layer, as Keras' `model.add(layer)`: only before the model is built, since
    /// the weights made for the layers before it fix their shapes.
    public func add(_ layer: any Layer) throws(TensorError) {
        guard !isBuilt else {
            throw TensorError(.value, "add layers before the model is built (by its first fit or predict, or inputShape:); this one already has weights for its \(layers.count) layers")
        }
        layers.append(layer)
    }

    /// Makes every layer's parameters for examples of `inputShape` (no batch dimension).
    public func build(inputShape: [Int]) throws(TensorError) {
        var rng = RandomGenerator(seed: seed)
        var shape = inputShape
        var shapes: [[Int]] = []
        for (i, layer) in layers.enumerated() {
            do { shape = try layer.build(inputShape: shape, rng: &rng) } catch {
                throw TensorError(error.kind, "layer \(i) \(layer.description): \(error.message)")
            }
            shapes.append(shape)
        }
        self.shapes = shapes
        self.inputShape = inputShape
    }

    /// The sigmoid or softmax the model ends with (its outputs are probabilities), or nil.
    public var probabilityActivation: Activation? { layers.last?.probabilityActivation }

    /// A batch through every layer (built from the batch's shape on first use); with
    /// `scores`, the last layer stops before its sigmoid or softmax (see `Layer.forwardScores`).
    public func forward(_ x: Variable, _ pass: ForwardPass, scores: Bool = false) throws(TensorError) -> Variable {
        let example = Array(x.shape.dropFirst())
        if let inputShape {
            guard example == inputShape else {
                throw TensorError(.shape, "the model was built for examples of shape \(inputShape); this batch has \(example) (batch shape \(x.shape))")
            }
        } else {
            try build(inputShape: example)
        }
        var h = x
        for (i, layer) in layers.enumerated() {
            do { h = try scores && i == layers.count - 1 ? layer.forwardScores(h, pass) : layer.forward(h, pass) } catch {
                throw TensorError(error.kind, "layer \(i) \(layer.description): \(error.message)")
            }
        }
        return h
    }

    /// Trainable tensors, "index.name", in layer order.
    public var namedParameters: [(name: String, variable: Variable)] {
        layers.enumerated().flatMap { i, l in l.parameters.map { ("\(i).\($0.name)", $0.variable) } }
    }

    /// Kept, untrained tensors (running statistics), "index.name".
    public var namedBuffers: [(name: String, variable: Variable)] {
        layers.enumerated().flatMap { i, l in l.buffers.map { ("\(i).\($0.name)", $0.variable) } }
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.variable.value.count } }

    /// Outputs for `x` in inference mode, `batchSize` examples at a time; with `scores`, the
    /// scores before a final sigmoid or softmax.
    public func predict(_ x: Tensor, backend: any Backend, batchSize: Int = 1024, scores: Bool = false) throws(TensorError) -> Tensor {
        guard x.rank >= 1 else { throw TensorError(.shape, "predict needs a batch [examples, ...]; got a scalar") }
        let n = x.shape[0]
        var parts: [Tensor] = []
        var start = 0
        repeat {
            let end = Swift.min(n, start + Swift.max(1, batchSize))
            let pass = ForwardPass(tape: Tape(backend: backend, recording: false), training: false)
            parts.append(try forward(Variable(try x.rows(start..<end)), pass, scores: scores).value)
            start = end
        } while start < n
        return parts.count == 1 ? parts[0] : try Tensor.concat(parts, axis: 0)
    }

    /// One row per layer: its description, output shape (with the batch as -1) and
    /// parameter count.
    public func summary() -> [(layer: String, output: [Int], parameters: Int)] {
        layers.enumerated().map { i, l in
            (l.description, shapes.indices.contains(i) ? [-1] + shapes[i] : [], l.parameters.reduce(0) { $0 + $1.variable.value.count })
        }
    }
}
