import TesseraTensor

/// A 1-D convolution over a sequence's positions: [batch, length, features] →
/// [batch, frames, filters], channels last as Keras's Conv1D, with the weight
/// [filters, features, kernel] of PyTorch's nn.Conv1d (so weights move between the two
/// unchanged). Each output position sees `kernel` neighbouring positions: character
/// n-grams for a text model, before attention or pooling.
///
/// With `padding: kernel / 2` (an odd kernel, stride 1) the output keeps the sequence's
/// length (Keras's `padding="same"`), and the batch's padding mask (an `Embedding` with
/// `padding:` before it) goes on to the layers after: padded positions are zeroed on the
/// way in, so they add nothing to their neighbours' frames. A convolution that changes the
/// length ends the mask (its positions no longer stand for tokens).
public final class Conv1D: ActivatedLayer {
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let activation: Activation
    public let useBias: Bool
    public private(set) var weight: Variable?
    public private(set) var bias: Variable?

    public init(_ filters: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 0, activation: Activation = .linear, useBias: Bool = true) {
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
    }

    public var description: String {
        "Conv1D(\(filters), kernel: \(kernel)\(stride != 1 ? ", stride: \(stride)" : "")\(padding != 0 ? ", padding: \(padding)" : "")\(activation == .linear ? "" : ", \(activation.rawValue)"))"
    }

    public var parameters: [Parameter] {
        [weight.map { Parameter("weight", $0) }, bias.map { Parameter("bias", $0) }].compactMap { $0 }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 2, inputShape[1] > 0 else {
            throw TensorError(.shape, "\(description) needs sequences of [length, features] per example; it got \(inputShape)")
        }
        guard filters > 0 else { throw TensorError(.value, "Conv1D needs at least one filter, got \(filters)") }
        let (length, features) = (inputShape[0], inputShape[1])
        let frames = try Tape.frameCount(length, kernel: kernel, stride: stride, padding: padding)
        try HostMemory.check(shape: [filters, features, kernel], what: "\(description)'s weights for \(features) features")
        weight = Variable(try Initializer.for(activation).make([filters, features, kernel], fanIn: features * kernel,
                                                           fanOut: filters * kernel, rng: &rng), requiresGrad: true)
        if useBias { bias = Variable(Tensor(zeros: [filters]), requiresGrad: true) }
        return [frames, filters]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass, activation: Activation) throws(TensorError) -> Variable {
        guard let weight else { throw TensorError(.value, "\(description) is used before it was built") }
        let features = weight.shape[1]
        guard x.value.rank == 3, x.shape[2] == features else {
            throw TensorError(.shape, "\(description) expects sequences [batch, length, \(features)]; got \(x.shape)")
        }
        let t = pass.tape
        let (batch, length) = (x.shape[0], x.shape[1])
        var input = x
        let mask = pass.sequenceMask.flatMap { $0.shape == [batch, length] ? $0 : nil }
        if let mask {
            input = try t.multiply(x, Variable(try pass.backend.prepare(mask.reshaped([batch, length, 1]))))
        }
        // Every frame of every sequence as one row, times the filters laid out the same way
        // (position after position, features within): one product for the whole batch.
        let frames = try t.frames(input, kernel: kernel, stride: stride, padding: padding)
        let count = frames.shape[1]
        let rows = try t.reshape(frames, [batch * count, kernel * features])
        let filters2D = try t.reshape(try t.permute(weight, [0, 2, 1]), [filters, kernel * features])
        let y = try t.affine(rows, weight: filters2D, bias: bias, activation: activation)
        if mask != nil, count != length || stride != 1 { pass.sequenceMask = nil }
        return try t.reshape(y, [batch, count, filters])
    }
}

extension Conv1D: ConfigurableLayer {
    public static var kind: String { "Conv1D" }
    public static var summary: String {
        "A 1-D convolution over a sequence's positions: [batch, length, features] → [batch, frames, filters]; padding: kernel / 2 keeps the length and the padding mask."
    }
    public static var example: String {
        "Sequential([Embedding(100, 16, padding: 0), Conv1D(32, kernel: 3, padding: 1, activation: .gelu), GlobalMaxPooling1D(), Dense(2)])"
    }
    public static var fields: [Setting] {
        let window = 1...Double(Window.largest)
        return [Setting("filters", .count, positional: true, range: 1...Setting.largestCount, "output features per position"),
                Setting("kernel", .count, default: .number(3), range: window, "positions each output sees"),
                Setting("stride", .count, default: .number(1), range: window, "steps between frames"),
                Setting("padding", .count, default: .number(0), range: 0...Double(Window.largest), "zeros added at each end (kernel / 2 keeps the length)"),
                Setting("activation", .activation, default: .name("linear"), "applied to the outputs"),
                Setting("bias", .flag, default: .flag(true), "whether to add a trained bias per filter")]
    }
    public var settings: [String: SettingValue] {
        ["filters": .number(Double(filters)), "kernel": .number(Double(kernel)), "stride": .number(Double(stride)),
         "padding": .number(Double(padding)), "activation": .name(activation.rawValue), "bias": .flag(useBias)]
    }
    public convenience init(settings s: Settings) {
        self.init(s.int("filters"), kernel: s.int("kernel"), stride: s.int("stride"), padding: s.int("padding"),
                  activation: s.activation(), useBias: s.bool("bias"))
    }
}
