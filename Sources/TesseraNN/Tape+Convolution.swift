import TesseraTensor

/// Image operations, differentiable: patches for convolution, pooling, and axis moves.
extension Tape {
    /// [n, c, h, w] → [n·oh·ow, c·kh·kw] patches; the pullback sums patches back (col2im).
    public func im2col(_ x: Variable, _ window: Window) throws(TensorError) -> Variable {
        let shape = x.shape
        return record(try backend.im2col(x.value, window), [x]) { [self] g throws(TensorError) in
            [try backend.col2im(g, image: shape, window)]
        }
    }

    /// Sequences [n, length, c] → their frames [n, frames, kernel·c]: frame f holds positions
    /// f·stride - padding ..< f·stride - padding + kernel, position after position (zeros
    /// outside the sequence), so a 1-D convolution is one product with the filters. The
    /// pullback adds each frame's gradient back to the positions it was copied from.
    public func frames(_ x: Variable, kernel: Int, stride: Int, padding: Int) throws(TensorError) -> Variable {
        guard x.value.rank == 3 else { throw TensorError(.shape, "frames of sequences need [batch, length, features]; got \(x.shape)") }
        let (n, length, c) = (x.shape[0], x.shape[1], x.shape[2])
        let count = try Self.frameCount(length, kernel: kernel, stride: stride, padding: padding)
        let width = kernel * c
        try HostMemory.check(shape: [n, count, width], what: "the frames of a 1-D convolution")
        // Every (frame slot, source position) pair, as offsets into the frames and the
        // sequences; slots that reach past the sequence have none (they stay zero).
        func pairs(_ body: (_ frame: Int, _ position: Int) -> Void) {
            for b in 0..<n {
                for f in 0..<count {
                    for j in 0..<kernel {
                        let at = f * stride - padding + j
                        if at >= 0 && at < length { body((b * count + f) * width + j * c, (b * length + at) * c) }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: n * count * width)
        let values = x.value.storage
        values.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
            let (src, dst) = (src.baseAddress!, dst.baseAddress!)
            pairs { frame, position in (dst + frame).update(from: src + position, count: c) }
        }}
        return record(Tensor(shape: [n, count, width], storage: out), [x]) { g throws(TensorError) in
            var dx = [Float](repeating: 0, count: n * length * c)
            let gv = g.storage
            gv.withUnsafeBufferPointer { gp in dx.withUnsafeMutableBufferPointer { dp in
                let (gp, dp) = (gp.baseAddress!, dp.baseAddress!)
                pairs { frame, position in for i in 0..<c { dp[position + i] += gp[frame + i] } }
            }}
            return [Tensor(shape: [n, length, c], storage: dx)]
        }
    }

    /// How many frames of `kernel` positions, every `stride`, fit a sequence of `length`
    /// with `padding` zeros on each side.
    public static func frameCount(_ length: Int, kernel: Int, stride: Int, padding: Int) throws(TensorError) -> Int {
        guard kernel > 0, stride > 0, padding >= 0, kernel <= Window.largest, stride <= Window.largest, padding <= Window.largest else {
            throw TensorError(.value, "a 1-D convolution needs a positive kernel and stride (at most \(Window.largest)) and a padding from 0 to \(Window.largest); got kernel \(kernel), stride \(stride), padding \(padding)")
        }
        guard length + 2 * padding >= kernel else {
            throw TensorError(.shape, "a kernel of \(kernel) positions does not fit a sequence of \(length) with padding \(padding)")
        }
        return (length + 2 * padding - kernel) / stride + 1
    }

    public func pool(_ op: PoolOp, _ x: Variable, _ window: Window) throws(TensorError) -> Variable {
        let input = x.value
        return record(try backend.pool(op, input, window), [x]) { [self] g throws(TensorError) in
            [try backend.poolGradient(op, input, g, window)]
        }
    }

    /// The axes reordered; the pullback applies the inverse order.
    public func permute(_ x: Variable, _ order: [Int]) throws(TensorError) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() where o >= 0 && o < order.count { inverse[o] = i }
        return record(try backend.permute(x.value, order), [x]) { [self] g throws(TensorError) in [try backend.permute(g, inverse)] }
    }

    /// A convolution's epilogue on host memory, fused: [f, n, P] products → [n, f, P] with
    /// the channel's bias added and, with `relu`, negatives zeroed, in one pass; the
    /// pullback gives the products' gradient (reordered back, masked by the ReLU) and the
    /// bias's gradient (summed per channel) in one pass too. The same as permute, add and
    /// relu on the tape (the layer tests check it against finite differences).
    public func channelsOut(_ product: Variable, bias: Variable, relu: Bool) throws(TensorError) -> Variable {
        let (f, n, p) = (product.shape[0], product.shape[1], product.shape[2])
        guard bias.value.count == f else { throw TensorError(.shape, "a bias of \(bias.value.count) values for \(f) channels") }
        var out = [Float](unsafeUninitializedCapacity: f * n * p) { _, c in c = f * n * p }
        let (values, shifts) = (product.value.storage, bias.value.storage)
        values.withUnsafeBufferPointer { src in shifts.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { dst in
            let (src, b, dst) = (src.baseAddress!, b.baseAddress!, dst.baseAddress!)
            Parallel.chunks(n * f, minimum: Swift.max(1, (1 << 15) / Swift.max(1, p))) { planes in
                for plane in planes {
                    let (image, ch) = (plane / f, plane % f)
                    let s = src + (ch * n + image) * p, d = dst + plane * p, shift = b[ch]
                    if relu { for i in 0..<p { d[i] = Swift.max(s[i] + shift, 0) } } else { for i in 0..<p { d[i] = s[i] + shift } }
                }
            }
        }}}
        let result = Tensor(shape: [n, f, p], storage: out)
        return record(result, [product, bias]) { g throws(TensorError) in
            var dProduct = [Float](unsafeUninitializedCapacity: f * n * p) { _, c in c = f * n * p }
            var dBias = [Float](repeating: 0, count: f)
            let (gv, yv) = (g.storage, result.storage)
            gv.withUnsafeBufferPointer { gp in yv.withUnsafeBufferPointer { yp in
            dProduct.withUnsafeMutableBufferPointer { dp in dBias.withUnsafeMutableBufferPointer { db in
                let (gp, yp, dp, db) = (gp.baseAddress!, yp.baseAddress!, dp.baseAddress!, db.baseAddress!)
                // Channels across threads: each owns its bias sum and its rows of the products.
                Parallel.chunks(f, minimum: 1) { channels in
                    for ch in channels {
                        var sum: Double = 0
                        for image in 0..<n {
                            let from = (image * f + ch) * p, to = (ch * n + image) * p
                            sum += Double(Self.maskedCopy(gp + from, relu ? yp + from : nil, into: dp + to, p))
                        }
                        db[ch] = Float(sum)
                    }
                }
            }}}}
            return [Tensor(shape: [f, n, p], storage: dProduct), Tensor(shape: bias.shape, storage: dBias)]
        }
    }

    /// Rows times a weight [units, inputs] transposed, plus the bias, through the
    /// activation: a dense layer's step, shared by the layers that end in one (Dense,
    /// Conv1D). On the CPU the bias and a ReLU or GELU are one fused pass (and one back).
    public func affine(_ rows: Variable, weight: Variable, bias: Variable?, activation: Activation) throws(TensorError) -> Variable {
        let y = try matmul(rows, weight, transpose: Transpose(b: true))
        if let bias, y.value.device == nil, bias.value.device == nil {
            switch activation {
            case .relu, .linear: return try biasOut(y, bias: bias, relu: activation == .relu)
            case .gelu: return try biasGELU(y, bias: bias)
            default: break
            }
        }
        return try activation.apply(try bias.map { (b) throws(TensorError) in try add(y, b) } ?? y, self)
    }

    /// A dense layer's epilogue on host memory, fused: [n, u] products plus the bias row,
    /// with `relu` negatives zeroed, in one pass; the pullback gives the products' gradient
    /// (masked by the ReLU) and the bias's (column sums) in one pass too.
    public func biasOut(_ product: Variable, bias: Variable, relu: Bool) throws(TensorError) -> Variable {
        let (n, u) = (product.shape[0], product.shape[1])
        guard product.value.rank == 2, bias.value.count == u else { throw TensorError(.shape, "a bias of \(bias.value.count) values for rows of \(u)") }
        var out = [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u }
        let (values, shifts) = (product.value.storage, bias.value.storage)
        values.withUnsafeBufferPointer { src in shifts.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { dst in
            let (src, b, dst) = (src.baseAddress!, b.baseAddress!, dst.baseAddress!)
            Parallel.chunks(n, minimum: Swift.max(1, (1 << 15) / Swift.max(1, u))) { rows in
                for r in rows {
                    let s = src + r * u, d = dst + r * u
                    if relu { for j in 0..<u { d[j] = Swift.max(s[j] + b[j], 0) } } else { for j in 0..<u { d[j] = s[j] + b[j] } }
                }
            }
        }}}
        let result = Tensor(shape: [n, u], storage: out)
        return record(result, [product, bias]) { g throws(TensorError) in
            var dProduct = relu ? [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u } : g.storage
            var dBias = [Float](repeating: 0, count: u)
            let (gv, yv) = (g.storage, result.storage)
            gv.withUnsafeBufferPointer { gp in yv.withUnsafeBufferPointer { yp in
            dProduct.withUnsafeMutableBufferPointer { dp in dBias.withUnsafeMutableBufferPointer { db in
                let (gp, yp, dp, db) = (gp.baseAddress!, yp.baseAddress!, dp.baseAddress!, db.baseAddress!)
                // Column ranges across threads: each owns its bias sums.
                Parallel.chunks(u, minimum: Swift.max(1, (1 << 15) / Swift.max(1, n))) { columns in
                    // Row by row, every column of the range at once (independent sums: the
                    // inner loop vectorizes).
                    let (lo, hi) = (columns.lowerBound, columns.upperBound)
                    for j in lo..<hi { db[j] = 0 }
                    let zero = SIMD8<Float>()
                    for r in 0..<n {
                        let base = r * u
                        var j = lo
                        // Eight columns at a time, written out (the compiler cannot prove the
                        // pointers apart, so it would not vectorize the plain loop).
                        while j + 8 <= hi {
                            var v = UnsafeRawPointer(gp + base + j).loadUnaligned(as: SIMD8<Float>.self)
                            if relu {
                                v.replace(with: zero, where: UnsafeRawPointer(yp + base + j).loadUnaligned(as: SIMD8<Float>.self) .<= zero)
                                UnsafeMutableRawPointer(dp + base + j).storeBytes(of: v, as: SIMD8<Float>.self)
                            }
                            let sums = UnsafeRawPointer(db + j).loadUnaligned(as: SIMD8<Float>.self) + v
                            UnsafeMutableRawPointer(db + j).storeBytes(of: sums, as: SIMD8<Float>.self)
                            j += 8
                        }
                        while j < hi {
                            let v = relu && yp[base + j] <= 0 ? 0 : gp[base + j]
                            if relu { dp[base + j] = v }
                            db[j] += v
                            j += 1
                        }
                    }
                }
            }}}}
            return [Tensor(shape: [n, u], storage: dProduct), Tensor(shape: bias.shape, storage: dBias)]
        }
    }

    /// A dense layer's epilogue with GELU on host memory, fused: products plus the bias row
    /// through GELU (tanh form) in one pass; the pullback gives the products' gradient in
    /// one pass (from the pre-activations it kept) and the bias's as its column sums.
    public func biasGELU(_ product: Variable, bias: Variable) throws(TensorError) -> Variable {
        let (n, u) = (product.shape[0], product.shape[1])
        guard product.value.rank == 2, bias.value.count == u else { throw TensorError(.shape, "a bias of \(bias.value.count) values for rows of \(u)") }
        // Kept for the pullback: the pre-activation z and s = σ(2c(z + 0.044715 z³)), so the
        // gradient needs no exp: gelu'(z) = s + 2c·z·s(1 - s)(1 + 3·0.044715 z²).
        var pre = [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u }
        var gate = [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u }
        var out = [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u }
        let (values, shifts) = (product.value.storage, bias.value.storage)
        values.withUnsafeBufferPointer { src in shifts.withUnsafeBufferPointer { b in
        pre.withUnsafeMutableBufferPointer { z in gate.withUnsafeMutableBufferPointer { sp in out.withUnsafeMutableBufferPointer { dst in
            let (src, b, z, sp, dst) = (src.baseAddress!, b.baseAddress!, z.baseAddress!, sp.baseAddress!, dst.baseAddress!)
            Parallel.chunks(n, minimum: Swift.max(1, (1 << 14) / Swift.max(1, u))) { rows in
                let at = rows.lowerBound * u
                VectorMath.biasGELU(src + at, bias: b, z: z + at, s: sp + at, out: dst + at, rows: rows.count, columns: u)
            }
        }}}}}
        return record(Tensor(shape: [n, u], storage: out), [product, bias]) { [self, pre, gate] g throws(TensorError) in
            var dProduct = [Float](unsafeUninitializedCapacity: n * u) { _, c in c = n * u }
            let gv = g.storage
            gv.withUnsafeBufferPointer { gp in pre.withUnsafeBufferPointer { zp in gate.withUnsafeBufferPointer { sp in dProduct.withUnsafeMutableBufferPointer { dp in
                let (gp, zp, sp, dp) = (gp.baseAddress!, zp.baseAddress!, sp.baseAddress!, dp.baseAddress!)
                Parallel.chunks(n * u, minimum: 1 << 14) { range in
                    let i = range.lowerBound
                    VectorMath.geluGradient(gp + i, z: zp + i, s: sp + i, out: dp + i, count: range.count)
                }
            }}}}
            let d = Tensor(shape: [n, u], storage: dProduct)
            return [d, try backend.reduce(.sum, d, axis: 0).reshaped(bias.shape)]
        }
    }

    /// Copies `count` gradients, zeroing those whose output is not positive (when `outputs`
    /// is given), and returns their sum: one pass, eight lanes at a time (a single running
    /// sum would chain every addition to the last and not vectorize).
    static func maskedCopy(_ g: UnsafePointer<Float>, _ outputs: UnsafePointer<Float>?, into d: UnsafeMutablePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        let zero = SIMD8<Float>()
        while i + 8 <= count {
            var v = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            if let outputs {
                let y = UnsafeRawPointer(outputs + i).loadUnaligned(as: SIMD8<Float>.self)
                v.replace(with: zero, where: y .<= zero)
            }
            UnsafeMutableRawPointer(d + i).storeBytes(of: v, as: SIMD8<Float>.self)
            lanes += v
            i += 8
        }
        var rest = lanes.sum()
        while i < count {
            let v = outputs.map { $0[i] > 0 ? g[i] : 0 } ?? g[i]
            d[i] = v
            rest += v
            i += 1
        }
        return rest
    }
}
