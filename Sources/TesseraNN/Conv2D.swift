import TesseraTensor

/// A 2-D convolution of [batch, channels, height, width] images: patches (im2col) times
/// the filters as one matrix product. Weights are [filters, channels, kh, kw], as in
/// PyTorch's nn.Conv2d.
public final class Conv2D: Layer {
    public let filters: Int
    public let window: Window
    public let activation: Activation
    /// Without a bias when a BatchNorm follows: its mean subtraction would cancel one, and a
    /// bias whose gradient is only rounding noise drifts under Adam.
    public let useBias: Bool
    public private(set) var weight: Variable?
    public private(set) var bias: Variable?

    public init(_ filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0, activation: Activation = .linear, useBias: Bool = true) {
        self.useBias = useBias
        self.filters = filters
        self.window = Window(kernel: kernel, stride: stride, padding: padding)
        self.activation = activation
    }

    public var description: String {
        "Conv2D(\(filters), kernel: \(window.kernel.h)\(window.stride != 1 ? ", stride: \(window.stride)" : "")\(window.padding != 0 ? ", padding: \(window.padding)" : "")\(activation == .linear ? "" : ", \(activation.rawValue)"))"
    }

    public var parameters: [Parameter] {
        [weight.map { Parameter("weight", $0) }, bias.map { Parameter("bias", $0) }].compactMap { $0 }
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 3 else {
            throw TensorError(.shape, "\(description) needs images [channels, height, width] per example; it got \(inputShape)")
        }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (oh, ow) = try window.output(h, w)
        try HostMemory.check(shape: [filters, c, window.kernel.h, window.kernel.w], what: "\(description)'s weights for \(c) channels")
        let fanIn = c * window.kernel.h * window.kernel.w
        weight = Variable(try Initializer.for(activation).make([filters, c, window.kernel.h, window.kernel.w], fanIn: fanIn,
                                                           fanOut: filters * window.kernel.h * window.kernel.w, rng: &rng), requiresGrad: true)
        if useBias { bias = Variable(Tensor(zeros: [filters]), requiresGrad: true) }
        return [filters, oh, ow]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable {
        guard let weight else { throw TensorError(.value, "\(description) is used before it was built") }
        guard x.value.rank == 4, x.shape[1] == weight.shape[1] else {
            throw TensorError(.shape, "\(description) expects images [batch, \(weight.shape[1]), height, width]; got \(x.shape)")
        }
        let t = pass.tape
        let (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let (oh, ow) = try window.output(h, w)
        // In inference, large batches go through in slices, so the patch matrix stays in
        // memory the allocator reuses (a slice's patches up to 16 MB) instead of fresh pages.
        let perImage = oh * ow * weight.value.count / filters
        if !t.isRecording, n > 1, perImage * n * 4 > 16 << 20 {
            let step = Swift.max(1, (16 << 20) / (perImage * 4))
            var parts: [Tensor] = []
            for start in stride(from: 0, to: n, by: step) {
                parts.append(try forward(Variable(try x.value.rows(start..<Swift.min(n, start + step))), pass).value)
            }
            return Variable(try Tensor.concat(parts, axis: 0))
        }
        // The filters [f, c·kh·kw] times every patch [c·kh·kw, n·oh·ow]: one large product
        // [f, n·oh·ow] (also for both gradients), then whole rows moved to [n, f, oh·ow].
        // (Per-image products are many small calls, slower on the CPU.)
        let width = weight.value.count / filters
        let cols = try t.im2col(x, window)
        let filters2D = try t.reshape(weight, [filters, width])
        let product = try t.reshape(try t.matmul(filters2D, cols), [filters, n, oh * ow])
        if let bias, activation == .relu || activation == .linear, product.value.device == nil, bias.value.device == nil {
            // On the CPU the reordering, the bias and the ReLU are one pass (and one back).
            return try t.reshape(try t.channelsOut(product, bias: bias, relu: activation == .relu), [n, filters, oh, ow])
        }
        var y = try t.permute(product, [1, 0, 2])
        if let bias { y = try t.add(y, try t.reshape(bias, [filters, 1])) }
        return try activation.apply(try t.reshape(y, [n, filters, oh, ow]), t)
    }
}

extension Conv2D: ConfigurableLayer {
    public static var kind: String { "Conv2D" }
    public static var summary: String { "A 2-D convolution of images [batch, channels, height, width]." }
    public static var example: String { "Sequential([Conv2D(8, kernel: 3, padding: 1, activation: .relu), Flatten(), Dense(10)], inputShape: [1, 8, 8])" }
    public static var fields: [Setting] {
        let window = 1...Double(Window.largest)
        return [Setting("filters", .count, positional: true, range: 1...Setting.largestCount, "output channels"),
                Setting("kernel", .count, default: .number(3), range: window, "the square window's side"),
                Setting("stride", .count, default: .number(1), range: window, "steps between windows"),
                Setting("padding", .count, default: .number(0), range: 0...Double(Window.largest), "zeros added on each side"),
                Setting("activation", .activation, default: .name("linear"), "applied to the outputs"),
                Setting("bias", .flag, default: .flag(true), "whether to add a trained bias per filter")]
    }
    public var settings: [String: SettingValue] {
        ["filters": .number(Double(filters)), "kernel": .number(Double(window.kernel.h)), "stride": .number(Double(window.stride)),
         "padding": .number(Double(window.padding)), "activation": .name(activation.rawValue), "bias": .flag(useBias)]
    }
    public convenience init(settings s: Settings) {
        self.init(s.int("filters"), kernel: s.int("kernel"), stride: s.int("stride"), padding: s.int("padding"),
                  activation: s.activation(), useBias: s.bool("bias"))
    }
}
