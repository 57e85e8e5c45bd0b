/// The geometry of a 2-D window sliding over [n, c, h, w] images: convolutions become a
/// matrix product through im2col, and col2im is its adjoint (for gradients); pooling
/// reduces each window.
public struct Window: Sendable, Equatable {
    public let kernel: (h: Int, w: Int)
    public let stride: Int
    public let padding: Int

    public init(kernel: Int, stride: Int = 1, padding: Int = 0) { self.init(kernel: (kernel, kernel), stride: stride, padding: padding) }
    public init(kernel: (h: Int, w: Int), stride: Int = 1, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public static func == (a: Window, b: Window) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }

    /// The largest kernel side, stride or padding a window may have.
    public static let largest = 1 << 20

    /// The output height and width for an input of `h` x `w`.
    public func output(_ h: Int, _ w: Int) throws(TensorError) -> (h: Int, w: Int) {
        guard kernel.h > 0, kernel.w > 0, stride > 0, padding >= 0 else {
            throw TensorError(.value, "a window needs a positive kernel and stride and a non-negative padding")
        }
        // Bounded so that the sums below cannot overflow, whatever a user or a file asks for.
        guard kernel.h <= Self.largest, kernel.w <= Self.largest, stride <= Self.largest, padding <= Self.largest else {
            throw TensorError(.value, "a window's kernel, stride and padding must be at most \(Self.largest); got kernel \(kernel.h)x\(kernel.w), stride \(stride), padding \(padding)")
        }
        let oh = (h + 2 * padding - kernel.h) / stride + 1, ow = (w + 2 * padding - kernel.w) / stride + 1
        guard h + 2 * padding >= kernel.h, w + 2 * padding >= kernel.w else {
            throw .shape("a \(kernel.h)x\(kernel.w) window does not fit a \(h)x\(w) image with padding \(padding)")
        }
        return (oh, ow)
    }
}

extension Window {
    /// Checks that the im2col patch matrix of `n` images of `c` channels fits in memory.
    func checkPatches(_ n: Int, _ c: Int, _ oh: Int, _ ow: Int, of shape: [Int]) throws(TensorError) {
        try HostMemory.check(shape: [c, kernel.h, kernel.w, n, oh, ow], what: "the \(kernel.h)x\(kernel.w) patches of images of shape \(shape)")
    }
}

public enum PoolOp: String, Sendable { case max, average }

extension ReferenceBackend {
    /// [n, c, h, w] → [c * kh * kw, n * oh * ow]: each column is one window position's patch
    /// (zeros where the window hangs over the padding); row (ch, ky, kx) holds that tap for
    /// every position, image after image.
    public func im2col(_ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try Self.image(x.shape, "im2col")
        let (oh, ow) = try window.output(h, w)
        try window.checkPatches(n, c, oh, ow, of: x.shape)
        let width = c * window.kernel.h * window.kernel.w
        let pixels = x.storage
        var out = [Float](repeating: 0, count: n * oh * ow * width)
        Self.forEachTap(0..<n, n, c, h, w, oh, ow, window) { element, pixel in out[element] = pixels[pixel] }
        return Tensor(shape: [width, n * oh * ow], storage: out)
    }

    /// The adjoint of im2col: patch values summed back into [n, c, h, w] images.
    public func col2im(_ cols: Tensor, image shape: [Int], _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try Self.columns(cols.shape, image: shape, window)
        let patches = cols.storage
        var out = [Float](repeating: 0, count: n * c * h * w)
        Self.forEachTap(0..<n, n, c, h, w, oh, ow, window) { element, pixel in out[pixel] += patches[element] }
        return Tensor(shape: shape, storage: out)
    }

    /// Every (patch-matrix element, image pixel) pair a window position reads, padding
    /// skipped: im2col copies along these pairs and col2im adds back along them. The patch
    /// matrix is [c·kh·kw, n·oh·ow] for `n` images. Images in `images` only: a patch column
    /// and the pixels it reads belong to one image, so disjoint image ranges can run in
    /// parallel.
    static func forEachTap(_ images: Range<Int>, _ n: Int, _ c: Int, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window,
                           _ body: (_ element: Int, _ pixel: Int) -> Void) {
        let (kh, kw) = window.kernel
        let positions = n * oh * ow
        for b in images { for oy in 0..<oh { for ox in 0..<ow {
            let column = (b * oh + oy) * ow + ox
            for ch in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                let y = oy * window.stride - window.padding + ky, xx = ox * window.stride - window.padding + kx
                guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                body(((ch * kh + ky) * kw + kx) * positions + column, ((b * c + ch) * h + y) * w + xx)
            } } }
        } } }
    }

    /// Max or average over each window of each channel: [n, c, h, w] → [n, c, oh, ow].
    /// Padding is not counted in averages and never wins a max.
    public func pool(_ op: PoolOp, _ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try Self.image(x.shape, "pool")
        let (oh, ow) = try window.output(h, w)
        try HostMemory.check(shape: [n, c, oh, ow], what: "pooling images of shape \(x.shape)")
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        x.storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in Self.pool(op, src, dst, planes: 0..<(n * c), h, w, oh, ow, window) }
        }
        return Tensor(shape: [n, c, oh, ow], storage: out)
    }

    public func poolGradient(_ op: PoolOp, _ x: Tensor, _ gradient: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try Self.pooled(x.shape, gradient.shape, window)
        var out = [Float](repeating: 0, count: n * c * h * w)
        let (src, g) = (x.storage, gradient.storage)
        src.withUnsafeBufferPointer { s in g.withUnsafeBufferPointer { gp in
            out.withUnsafeMutableBufferPointer { dst in Self.poolGradient(op, s, gp, dst, planes: 0..<(n * c), h, w, oh, ow, window) }
        } }
        return Tensor(shape: x.shape, storage: out)
    }

    /// Pooling's operands, checked: the images' dimensions and the output gradient's.
    static func pooled(_ x: [Int], _ g: [Int], _ window: Window) throws(TensorError) -> (Int, Int, Int, Int, Int, Int) {
        let (n, c, h, w) = try image(x, "pool gradient")
        let (oh, ow) = try window.output(h, w)
        guard g == [n, c, oh, ow] else { throw .shape("pool gradient: a gradient of shape \(g) does not match pooled images [\(n), \(c), \(oh), \(ow)]") }
        return (n, c, h, w, oh, ow)
    }

    /// Sends each window's gradient back to its pixels, plane by plane (planes are
    /// independent, so disjoint plane ranges can run in parallel).
    static func poolGradient(_ op: PoolOp, _ src: UnsafeBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<Float>,
                             planes: Range<Int>, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window) {
        for plane in planes { for oy in 0..<oh { for ox in 0..<ow {
            var best = -Float.infinity, at = -1, cells = 0
            for ky in 0..<window.kernel.h { for kx in 0..<window.kernel.w {
                let y = oy * window.stride - window.padding + ky, xx = ox * window.stride - window.padding + kx
                guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                let i = (plane * h + y) * w + xx
                if at < 0 || src[i] > best { best = src[i]; at = i }
                cells += 1
            } }
            let d = g[(plane * oh + oy) * ow + ox]
            if op == .max {
                if at >= 0 { dst[at] += d }
            } else {
                let share = d / Float(Swift.max(1, cells))
                for ky in 0..<window.kernel.h { for kx in 0..<window.kernel.w {
                    let y = oy * window.stride - window.padding + ky, xx = ox * window.stride - window.padding + kx
                    guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                    dst[(plane * h + y) * w + xx] += share
                } }
            }
        } } }
    }

    /// Pools the image planes in `planes` (each plane is independent).
    static func pool(_ op: PoolOp, _ src: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<Float>, planes: Range<Int>,
                     _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window) {
        for plane in planes { for oy in 0..<oh { for ox in 0..<ow {
            var best = -Float.infinity, sum: Float = 0, cells = 0
            for ky in 0..<window.kernel.h { for kx in 0..<window.kernel.w {
                let y = oy * window.stride - window.padding + ky, xx = ox * window.stride - window.padding + kx
                guard y >= 0, y < h, xx >= 0, xx < w else { continue }
                let v = src[(plane * h + y) * w + xx]
                best = Swift.max(best, v); sum += v; cells += 1
            } }
            dst[(plane * oh + oy) * ow + ox] = op == .max ? best : sum / Float(Swift.max(1, cells))
        } } }
    }

    /// col2im's operands, checked: the images' dimensions and the window's output size.
    static func columns(_ cols: [Int], image shape: [Int], _ window: Window) throws(TensorError) -> (Int, Int, Int, Int, Int, Int) {
        let (n, c, h, w) = try image(shape, "col2im")
        let (oh, ow) = try window.output(h, w)
        let width = c * window.kernel.h * window.kernel.w
        guard cols == [width, n * oh * ow] else {
            throw .shape("col2im: patches of shape \(cols) do not match images \(shape) (expected [\(width), \(n * oh * ow)])")
        }
        return (n, c, h, w, oh, ow)
    }

    static func image(_ shape: [Int], _ what: String) throws(TensorError) -> (Int, Int, Int, Int) {
        guard shape.count == 4 else { throw .shape("\(what) needs images [batch, channels, height, width]; got shape \(shape)") }
        return (shape[0], shape[1], shape[2], shape[3])
    }
}
