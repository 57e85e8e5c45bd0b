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
    public var settings: [String: SettingValue] {
        ["kernel": .number(Double(window.kernel.h)), "stride": .number(Double(window.stride)), "padding": .number(Double(window.padding))]
    }

    static var poolFields: [Setting] {
        let window = 1...Double(Window.largest)
        return [Setting("kernel", .count, positional: true, default: .number(2), range: window, "the square window's side"),
                Setting("stride", .count, default: SettingValue.none, range: window, "steps between windows; the kernel's side when left out"),
                Setting("padding", .count, default: .number(0), range: 0...Double(Window.largest), "padding on each side (not counted in averages)")]
    }
}

extension MaxPool2D: ConfigurableLayer {
    public static var kind: String { "MaxPool2D" }
    public static var summary: String { "2-D max pooling: the largest value of each window." }
    public static var example: String { "Sequential([Conv2D(8, activation: .relu), MaxPool2D(2), Flatten(), Dense(10)], inputShape: [1, 8, 8])" }
    public static var fields: [Setting] { poolFields }
    public convenience init(settings s: Settings) { self.init(s.int("kernel"), stride: s.optionalInt("stride"), padding: s.int("padding")) }
}

extension AvgPool2D: ConfigurableLayer {
    public static var kind: String { "AvgPool2D" }
    public static var summary: String { "2-D average pooling: the mean of each window." }
    public static var example: String { "Sequential([Conv2D(8, activation: .relu), AvgPool2D(2), Flatten(), Dense(10)], inputShape: [1, 8, 8])" }
    public static var fields: [Setting] { poolFields }
    public convenience init(settings s: Settings) { self.init(s.int("kernel"), stride: s.optionalInt("stride"), padding: s.int("padding")) }
}
