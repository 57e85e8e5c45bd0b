import TesseraTensor

/// 2-D max pooling of [batch, channels, height, width] images (stride defaults to the kernel).
public final class MaxPool2D: Layer {
    public let window: Window
    public init(_ kernel: Int = 2, stride: Int? = nil, padding: Int = 0) { window = Window(kernel: kernel, stride: stride ?? kernel, padding: padding) }
    public var description: String { "MaxPool2D(\(window.kernel.h))" }
    public var parameters: [Parameter] { [] }
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] { try Self.pooledShape(inputShape, window, description) }
    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try pass.tape.pool(.max, x, window) }

    static func pooledShape(_ shape: [Int], _ window: Window, _ what: String) throws(TensorError) -> [Int] {
        guard shape.count == 3 else { throw TensorError(.shape, "\(what) needs images [channels, height, width] per example; it got \(shape)") }
        let (oh, ow) = try window.output(shape[1], shape[2])
        return [shape[0], oh, ow]
    }
}

/// 2-D average pooling (padding is not counted in the average).
public final class AvgPool2D: Layer {
    public let window: Window
    public init(_ kernel: Int = 2, stride: Int? = nil, padding: Int = 0) { window = Window(kernel: kernel, stride: stride ?? kernel, padding: padding) }
    public var description: String { "AvgPool2D(\(window.kernel.h))" }
    public var parameters: [Parameter] { [] }
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws(TensorError) -> [Int] { try MaxPool2D.pooledShape(inputShape, window, description) }
    public func forward(_ x: Variable, _ pass: ForwardPass) throws(TensorError) -> Variable { try pass.tape.pool(.average, x, window) }
}
