import Foundation

/// Element-wise operations of two tensors (with broadcasting).
public enum BinaryOp: String, Sendable, CaseIterable {
    case add, subtract, multiply, divide, maximum, minimum, power
    case equal, less, greater, lessOrEqual, greaterOrEqual  // 1 where true, 0 where false
    /// x where y > 0, else 0: ReLU's gradient (x the output's gradient, y the input) in one
    /// pass instead of a mask and a product.
    case reluGradient
    /// x · gelu'(y), GELU's gradient (x the output's gradient, y the input), tanh form: one
    /// pass where its chain of parts took a dozen.
    case geluGradient

    @inline(__always)
    public func apply(_ x: Float, _ y: Float) -> Float {
        switch self {
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide: return x / y
        case .maximum: return Swift.max(x, y)
        case .minimum: return Swift.min(x, y)
        case .power: return Float(pow(Double(x), Double(y)))
        case .equal: return x == y ? 1 : 0
        case .less: return x < y ? 1 : 0
        case .greater: return x > y ? 1 : 0
        case .lessOrEqual: return x <= y ? 1 : 0
        case .greaterOrEqual: return x >= y ? 1 : 0
        case .reluGradient: return y > 0 ? x : 0
        case .geluGradient:
            // With u = c (y + 0.044715 y³) and t = tanh u:
            // gelu'(y) = ½ (1 + t) + ½ y (1 - t²) c (1 + 3·0.044715 y²)
            let d = Double(y), c = 0.7978845608028654
            let t = Foundation.tanh(c * (d + 0.044715 * d * d * d))
            return Float(Double(x) * (0.5 * (1 + t) + 0.5 * d * (1 - t * t) * c * (1 + 3 * 0.044715 * d * d)))
        }
    }
}

/// Element-wise operations of one tensor.
public enum UnaryOp: String, Sendable, CaseIterable {
    case negate, exp, log, sqrt, abs, tanh, sigmoid, relu, gelu
    case sin, cos, tan
    /// Rounding: down, up, and to the nearest whole number with halves away from zero
    /// (as the language's `round` rounds a number, and C's `roundf`).
    case floor, ceil, round

    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .negate: return -x
        case .exp: return Float(Foundation.exp(Double(x)))
        case .log: return Float(Foundation.log(Double(x)))
        case .sqrt: return x.squareRoot()
        case .abs: return Swift.abs(x)
        case .tanh: return Float(Foundation.tanh(Double(x)))
        case .sigmoid: return Float(1 / (1 + Foundation.exp(-Double(x))))
        case .relu: return x > 0 ? x : 0
        case .gelu:
            // The tanh approximation (PyTorch's approximate="tanh").
            let d = Double(x)
            return Float(0.5 * d * (1 + Foundation.tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))))
        case .sin: return Float(Foundation.sin(Double(x)))
        case .cos: return Float(Foundation.cos(Double(x)))
        case .tan: return Float(Foundation.tan(Double(x)))
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case .round: return x.rounded(.toNearestOrAwayFromZero)
        }
    }
}

/// Reductions along an axis (or over everything).
public enum ReduceOp: String, Sendable, CaseIterable {
    case sum, mean, max, min, variance

    /// The reduction of a non-empty run of values, accumulated in Double.
    public func apply<C: Collection>(_ values: C) -> Float where C.Element == Float {
        let n = Double(values.count)
        switch self {
        case .sum: return Float(values.reduce(0.0) { $0 + Double($1) })
        case .mean: return Float(values.reduce(0.0) { $0 + Double($1) } / n)
        case .max: return values.max()!
        case .min: return values.min()!
        case .variance:
            let mean = values.reduce(0.0) { $0 + Double($1) } / n
            return Float(values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n)
        }
    }
}

/// The primitive operations tensors need. `ReferenceBackend` implements them in plain
/// Swift and is the oracle every other backend is tested against; `OpenBLASBackend`
/// uses cblas_sgemm and vectorized, multithreaded loops.
public protocol Backend: Sendable {
    var name: String { get }
    /// Matrix product of [m, k] and [k, n], or batched [b, m, k] x [b, k, n]; either operand
    /// may be read transposed (its last two axes swapped) without a copy, as gradients need.
    func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor
    func unary(_ op: UnaryOp, _ a: Tensor) throws(TensorError) -> Tensor
    /// Reduces along `axis` (removing it), or over every element when nil.
    func reduce(_ op: ReduceOp, _ a: Tensor, axis: Int?) throws(TensorError) -> Tensor
    /// The index of the largest value along `axis` (the first one on ties; NaN counts as
    /// largest, as in NumPy): an Int32 tensor without that axis.
    func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> IndexTensor
    /// Softmax along `axis`; `log: true` gives log-softmax.
    func softmax(_ a: Tensor, axis: Int, log: Bool) throws(TensorError) -> Tensor
    /// [n, c, h, w] images → [c·kh·kw, n·oh·ow] patches: one column per window position, one
    /// row per (channel, tap), so a convolution is filters [f, c·kh·kw] times this matrix.
    func im2col(_ x: Tensor, _ window: Window) throws(TensorError) -> Tensor
    /// The adjoint of im2col, back to images of `shape`.
    func col2im(_ cols: Tensor, image shape: [Int], _ window: Window) throws(TensorError) -> Tensor
    /// 2-D max or average pooling of [n, c, h, w] images.
    func pool(_ op: PoolOp, _ x: Tensor, _ window: Window) throws(TensorError) -> Tensor
    /// The gradient of pooling with respect to its input `x`, given the gradient of its
    /// output: a max window's gradient goes to its (first) largest pixel, an average
    /// window's is shared among the pixels it counted.
    func poolGradient(_ op: PoolOp, _ x: Tensor, _ gradient: Tensor, _ window: Window) throws(TensorError) -> Tensor
    /// `a` repeated along its broadcast dimensions to fill `shape` (a reduction's gradient
    /// spread back over what was reduced).
    func broadcast(_ a: Tensor, to shape: [Int]) throws(TensorError) -> Tensor
    /// The axes reordered (`[1, 0]` transposes a matrix), in this backend's memory.
    func permute(_ a: Tensor, _ order: [Int]) throws(TensorError) -> Tensor
    /// `t` in this backend's memory (on a GPU: copied there once, so later operations on
    /// it move nothing); CPU backends return it in host memory.
    func prepare(_ t: Tensor) throws(TensorError) -> Tensor
    /// Waits until the work queued so far is done (a GPU runs asynchronously); for timing.
    func synchronize() throws(TensorError)
}

/// Which operands of a matrix product are read transposed.
public struct Transpose: Sendable, Equatable {
    public var a: Bool
    public var b: Bool
    public init(a: Bool = false, b: Bool = false) { self.a = a; self.b = b }
    public static let none = Transpose()
}

extension Backend {
    /// The plain product a @ b.
    public func matmul(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor { try matmul(a, b, transpose: .none) }

    public func prepare(_ t: Tensor) throws(TensorError) -> Tensor { t.device == nil ? t : Tensor(shape: t.shape, storage: t.storage) }
    public func permute(_ a: Tensor, _ order: [Int]) throws(TensorError) -> Tensor { try a.permuted(order) }
    public func broadcast(_ a: Tensor, to shape: [Int]) throws(TensorError) -> Tensor {
        try Broadcast.check(a.shape, to: shape)
        return try binary(.add, a, Tensor(zeros: shape))
    }
    public func synchronize() throws(TensorError) {}
}

extension Backend {
    // A backend without its own image ops (a future one) runs the reference's loops.
    public func im2col(_ x: Tensor, _ window: Window) throws(TensorError) -> Tensor { try ReferenceBackend().im2col(x, window) }
    public func col2im(_ cols: Tensor, image shape: [Int], _ window: Window) throws(TensorError) -> Tensor {
        try ReferenceBackend().col2im(cols, image: shape, window)
    }
    public func pool(_ op: PoolOp, _ x: Tensor, _ window: Window) throws(TensorError) -> Tensor { try ReferenceBackend().pool(op, x, window) }
    public func poolGradient(_ op: PoolOp, _ x: Tensor, _ gradient: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        try ReferenceBackend().poolGradient(op, x, gradient, window)
    }
}

extension Backend {
    /// The axis as an index (negative counts from the end), checked.
    func resolve(_ axis: Int, rank: Int) throws(TensorError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else { throw TensorError(.value, "axis \(axis) does not exist for a tensor of rank \(rank)") }
        return a
    }
}
