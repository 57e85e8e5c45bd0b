import TesseraTensor

/// 2-D pooling of [batch, channels, height, width] images; MaxPool2D and AvgPool2D name
/// its two kinds. The stride defaults to the kernel (windows side by side).
public class Pool2D: Layer {
    public let op: PoolOp
    public let window: Window

    init(_ op: PoolOp, kernel: Int, stride: Int?, padding: Int) {
        self.op = op
        self.window = Window(kernel: kernel, stride: stride ?? kernel, padding: padding)
    }

    public var description: String { "\(op == .max ? "MaxPool2D" : "AvgPool2D")(\(window.kernel.h))" }
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] {
        guard inputShape.count == 3 else { throw TensorError(.shape, "\(description) needs images [channels, height, width] per example; it got \(inputShape)") }
        let (oh, ow) = try window.output(inputShape[1], inputShape[2])
        return [inputShape[0], oh, ow]
    }

    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try pass.tape.pool(op, x, window) }
}

/// The largest value of each window.
public final class MaxPool2D: Pool2D {
    public init(_ kernel: Int = 2, stride: Int? = nil, padding: Int = 0) { super.init(.max, kernel: kernel, stride: stride, padding: padding) }
}

/// The mean of each window (padding is not counted).
public final class AvgPool2D: Pool2D {
    public init(_ kernel: Int = 2, stride: Int? = nil, padding: Int = 0) { super.init(.average, kernel: kernel, stride: stride, padding: padding) }
}

extension Pool2D {
    public var config: [String: Double] { ["kernel": Double(window.kernel.h), "stride": Double(window.stride), "padding": Double(window.padding)] }
}

extension Pool2D {
    /// kernel, stride and padding from a checkpoint, checked.
    static func settings(_ config: [String: Double], _ kind: String) throws(TensorError) -> (Int, Int?, Int) {
        let kernel = try Architecture.integer(config, "kernel", kind, in: 1...Window.largest, default: 2)
        return (kernel, try Architecture.integer(config, "stride", kind, in: 1...Window.largest, default: kernel),
                try Architecture.integer(config, "padding", kind, in: 0...Window.largest, default: 0))
    }
}

extension MaxPool2D: ConfigurableLayer {
    public static var kind: String { "MaxPool2D" }
    public convenience init(config: [String: Double]) throws(TensorError) {
        let (kernel, stride, padding) = try Self.settings(config, Self.kind)
        self.init(kernel, stride: stride, padding: padding)
    }
}

extension AvgPool2D: ConfigurableLayer {
    public static var kind: String { "AvgPool2D" }
    public convenience init(config: [String: Double]) throws(TensorError) {
        let (kernel, stride, padding) = try Self.settings(config, Self.kind)
        self.init(kernel, stride: stride, padding: padding)
    }
}
