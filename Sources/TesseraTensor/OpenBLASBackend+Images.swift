/// The image ops on the CPU: the reference's loops rewritten over raw pointers, with each
/// window's in-bounds range worked out once instead of a check per tap, and split across
/// cores by image (or image plane), so no two threads touch the same output.
extension OpenBLASBackend {
    public func im2col(_ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try ReferenceBackend.image(x.shape, "im2col")
        let (oh, ow) = try window.output(h, w)
        try window.checkPatches(n, c, oh, ow, of: x.shape)
        let width = c * window.kernel.h * window.kernel.w
        var out = Self.uninitialized(n * oh * ow * width)  // every element is written, zeros over the padding
        x.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(n, minimum: 1) { images in
                let (src, dst) = shared.value
                Self.tapRuns(images, n, c, h, w, oh, ow, window) { run, plane, y, from, to, first in
                    // Positions from..<to of this output row read pixels first, first + stride, ...
                    let d = dst.baseAddress! + run
                    for k in 0..<from { d[k] = 0 }
                    if let y {
                        let s = src.baseAddress! + plane + y * w + first
                        if window.stride == 1 { d.advanced(by: from).update(from: s, count: to - from) }
                        else { for k in from..<to { d[k] = s[(k - from) * window.stride] } }
                    } else {
                        for k in from..<to { d[k] = 0 }
                    }
                    for k in to..<ow { d[k] = 0 }
                }
            }
        }}
        return Tensor(shape: [width, n * oh * ow], storage: out)
    }

    public func col2im(_ cols: Tensor, image shape: [Int], _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try ReferenceBackend.columns(cols.shape, image: shape, window)
        var out = [Float](repeating: 0, count: n * c * h * w)
        cols.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(n, minimum: 1) { images in
                let (src, dst) = shared.value
                Self.tapRuns(images, n, c, h, w, oh, ow, window) { run, plane, y, from, to, first in
                    guard let y else { return }
                    let s = src.baseAddress! + run + from, d = dst.baseAddress! + plane + y * w + first
                    // Stride 1 (the common convolution) adds a contiguous run, which vectorizes.
                    if window.stride == 1 { for k in 0..<(to - from) { d[k] += s[k] } }
                    else { for k in 0..<(to - from) { d[k * window.stride] += s[k] } }
                }
            }
        }}
        return Tensor(shape: shape, storage: out)
    }

    /// Walks the patch matrix [c·kh·kw, n·oh·ow] one output row at a time: for each image,
    /// tap (ch, ky, kx) and output row oy, `body(offset of the run of ow positions, offset
    /// of the image plane, the pixel row read (nil over the padding), the first and end
    /// position inside the image, the x of the pixel that position `from` reads)`.
    @inline(__always)
    static func tapRuns(_ images: Range<Int>, _ n: Int, _ c: Int, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window,
                        _ body: (Int, Int, Int?, Int, Int, Int) -> Void) {
        let (kh, kw, stride, pad) = (window.kernel.h, window.kernel.w, window.stride, window.padding)
        let positions = n * oh * ow
        for b in images {
            for ch in 0..<c {
                let plane = (b * c + ch) * h * w
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        // Positions ox with 0 <= ox·stride - pad + kx < w.
                        let lowest = pad - kx
                        let from = Swift.min(ow, lowest <= 0 ? 0 : (lowest + stride - 1) / stride)
                        let to = Swift.max(from, Swift.min(ow, (w - 1 + pad - kx) >= 0 ? (w - 1 + pad - kx) / stride + 1 : 0))
                        let first = from * stride - pad + kx
                        var run = ((ch * kh + ky) * kw + kx) * positions + b * oh * ow
                        for oy in 0..<oh {
                            let y = oy * stride - pad + ky
                            body(run, plane, y >= 0 && y < h ? y : nil, from, to, first)
                            run += ow
                        }
                    }
                }
            }
        }
    }

    public func pool(_ op: PoolOp, _ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try ReferenceBackend.image(x.shape, "pool")
        let (oh, ow) = try window.output(h, w)
        try HostMemory.check(shape: [n, c, oh, ow], what: "pooling images of shape \(x.shape)")
        var out = Self.uninitialized(n * c * oh * ow)
        x.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(n * c, minimum: 1) { planes in
                let (src, dst) = shared.value
                if window == Window(kernel: 2, stride: 2) {
                    Self.pool2x2(op, src.baseAddress!, dst.baseAddress!, planes, h, w, oh, ow)
                    return
                }
                Self.windows(planes, h, w, oh, ow, window) { plane, o, ys, xs in
                    var best = -Float.infinity, sum: Float = 0
                    let base = src.baseAddress! + plane * h * w
                    for y in ys { for x in xs { let v = base[y * w + x]; best = Swift.max(best, v); sum += v } }
                    dst[o] = op == .max ? best : sum / Float(Swift.max(1, ys.count * xs.count))
                }
            }
        }}
        return Tensor(shape: [n, c, oh, ow], storage: out)
    }

    public func poolGradient(_ op: PoolOp, _ x: Tensor, _ gradient: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try ReferenceBackend.pooled(x.shape, gradient.shape, window)
        // 2x2 windows side by side cover each pixel once, and that path writes every pixel.
        var out = window == Window(kernel: 2, stride: 2) ? Self.uninitialized(n * c * h * w) : [Float](repeating: 0, count: n * c * h * w)
        x.storage.withUnsafeBufferPointer { src in
        gradient.storage.withUnsafeBufferPointer { g in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, g, dst))
            Parallel.chunks(n * c, minimum: 1) { planes in
                let (src, g, dst) = shared.value
                if window == Window(kernel: 2, stride: 2) {
                    Self.pool2x2Gradient(op, src.baseAddress!, g.baseAddress!, dst.baseAddress!, planes, h, w, oh, ow)
                    return
                }
                Self.windows(planes, h, w, oh, ow, window) { plane, o, ys, xs in
                    let base = plane * h * w
                    if op == .max {
                        // The first largest pixel, in the reference's row-major order.
                        var at = -1, best = -Float.infinity
                        for y in ys { for x in xs { let i = base + y * w + x; if at < 0 || src[i] > best { best = src[i]; at = i } } }
                        if at >= 0 { dst[at] += g[o] }
                    } else {
                        let share = g[o] / Float(Swift.max(1, ys.count * xs.count))
                        for y in ys { for x in xs { dst[base + y * w + x] += share } }
                    }
                }
            }
        }}}
        return Tensor(shape: x.shape, storage: out)
    }

    /// The common MaxPool2D(2) / AvgPool2D(2): 2x2 windows side by side, no padding (an odd
    /// last row or column is left out, as the output size says). Same order of comparison
    /// as the reference, so ties go to the same pixel.
    static func pool2x2(_ op: PoolOp, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ planes: Range<Int>,
                        _ h: Int, _ w: Int, _ oh: Int, _ ow: Int) {
        for plane in planes {
            let s = src + plane * h * w, d = dst + plane * oh * ow
            for oy in 0..<oh {
                let r0 = s + 2 * oy * w, r1 = r0 + w, o = d + oy * ow
                if op == .max {
                    for ox in 0..<ow { o[ox] = Swift.max(Swift.max(r0[2 * ox], r0[2 * ox + 1]), Swift.max(r1[2 * ox], r1[2 * ox + 1])) }
                } else {
                    for ox in 0..<ow { o[ox] = (r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]) / 4 }
                }
            }
        }
    }

    /// Writes every pixel of the planes (the windows do not overlap), so `dst` need not be zeroed.
    static func pool2x2Gradient(_ op: PoolOp, _ src: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                _ planes: Range<Int>, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int) {
        for plane in planes {
            let s = src + plane * h * w, d = dst + plane * h * w, gp = g + plane * oh * ow
            for oy in 0..<oh {
                let i0 = 2 * oy * w, i1 = i0 + w
                for ox in 0..<ow {
                    let v = gp[oy * ow + ox]
                    let a = i0 + 2 * ox, b = a + 1, c = i1 + 2 * ox, e = c + 1
                    if op == .max {
                        var at = a, best = s[a]
                        if s[b] > best { best = s[b]; at = b }
                        if s[c] > best { best = s[c]; at = c }
                        if s[e] > best { at = e }
                        d[a] = 0; d[b] = 0; d[c] = 0; d[e] = 0
                        d[at] = v
                    } else {
                        let q = v / 4
                        d[a] = q; d[b] = q; d[c] = q; d[e] = q
                    }
                }
                // An odd last column is in no window.
                if w > 2 * ow { d[i0 + w - 1] = 0; d[i1 + w - 1] = 0 }
            }
            // Nor is an odd last row.
            for y in (2 * oh)..<h { for x in 0..<w { d[y * w + x] = 0 } }
        }
    }

    /// Every window of `planes`: `body(plane, output index, rows, columns)` with the rows
    /// and columns clipped to the image.
    @inline(__always)
    static func windows(_ planes: Range<Int>, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window,
                        _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        for plane in planes {
            for oy in 0..<oh {
                let y0 = oy * window.stride - window.padding
                let ys = Swift.max(0, y0)..<Swift.max(Swift.max(0, y0), Swift.min(h, y0 + window.kernel.h))
                for ox in 0..<ow {
                    let x0 = ox * window.stride - window.padding
                    let xs = Swift.max(0, x0)..<Swift.max(Swift.max(0, x0), Swift.min(w, x0 + window.kernel.w))
                    body(plane, (plane * oh + oy) * ow + ox, ys, xs)
                }
            }
        }
    }
}
