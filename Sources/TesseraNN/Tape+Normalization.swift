import TesseraTensor

/// Layer normalization as one recorded operation with its gradient in closed form: the
/// chain of its parts (mean, centring, variance, square root, division, scale, shift) costs
/// a dozen passes and broadcasts each way, and a transformer runs it twice per block.
/// Rows are split across threads; within a row, eight features at a time.
extension Tape {
    /// (x - mean) / √(variance + ε) · gamma + beta over the last axis of `x` (biased
    /// variance, as PyTorch's nn.LayerNorm).
    public func layerNorm(_ x: Variable, gamma: Variable, beta: Variable, epsilon: Float) throws(TensorError) -> Variable {
        guard let f = x.shape.last, f > 0, gamma.shape == [f], beta.shape == [f] else {
            throw TensorError(.shape, "layer norm of \(x.shape) with weights \(gamma.shape) and \(beta.shape)")
        }
        let rows = x.value.count / f
        let xv = x.value.storage, g = gamma.value.storage, b = beta.value.storage
        var normalized = [Float](repeating: 0, count: xv.count), scale = [Float](repeating: 0, count: rows)
        var y = [Float](repeating: 0, count: xv.count)
        let minimum = Swift.max(1, (1 << 14) / f)
        xv.withUnsafeBufferPointer { xp in g.withUnsafeBufferPointer { gp in b.withUnsafeBufferPointer { bp in
        normalized.withUnsafeMutableBufferPointer { np in scale.withUnsafeMutableBufferPointer { sp in y.withUnsafeMutableBufferPointer { yp in
            let p = Pointers(x: xp.baseAddress!, g: gp.baseAddress!, b: bp.baseAddress!, n: np.baseAddress!, s: sp.baseAddress!, y: yp.baseAddress!)
            Parallel.chunks(rows, minimum: minimum) { range in
                for r in range {
                    let row = p.x + r * f, n = p.n + r * f, out = p.y + r * f
                    let mean = Self.lanes(f) { j, k in VectorMath.load(row + j, k) }.sum() / Float(f)
                    let variance = Self.lanes(f) { j, k in
                        let d = VectorMath.load(row + j, k) - mean
                        return (d * d).replacing(with: 0, where: Self.lanesFrom(k))
                    }.sum() / Float(f)
                    let inverse = 1 / (variance + epsilon).squareRoot()
                    p.s[r] = inverse
                    var j = 0
                    while j < f {
                        let k = Swift.min(8, f - j)
                        let v = (VectorMath.load(row + j, k) - mean) * inverse
                        VectorMath.store(v, n + j, k)
                        VectorMath.store(v * VectorMath.load(p.g + j, k) + VectorMath.load(p.b + j, k), out + j, k)
                        j += 8
                    }
                }
            }
        }}}}}}
        return record(Tensor(shape: x.shape, storage: y), [x, gamma, beta]) { [normalized, scale] grad throws(TensorError) in
            // dx = (1/σ) (dn - mean(dn) - n · mean(dn · n)), dn = dy · gamma.
            let dy = grad.storage
            var dx = [Float](repeating: 0, count: dy.count)
            let parts = Swift.max(1, Swift.min(Parallel.threads, rows / minimum))
            var partial = [Float](repeating: 0, count: parts * 2 * f)  // per part: dGamma then dBeta
            dy.withUnsafeBufferPointer { dp in normalized.withUnsafeBufferPointer { np in g.withUnsafeBufferPointer { gp in
            scale.withUnsafeBufferPointer { sp in dx.withUnsafeMutableBufferPointer { xp in partial.withUnsafeMutableBufferPointer { pp in
                let p = Gradients(dy: dp.baseAddress!, normalized: np.baseAddress!, gamma: gp.baseAddress!, scale: sp.baseAddress!,
                                  dx: xp.baseAddress!, sums: pp.baseAddress!)
                Parallel.chunks(parts, minimum: 1) { chosen in
                    for part in chosen {
                        let sums = p.sums + part * 2 * f
                        for r in (part * rows / parts)..<((part + 1) * rows / parts) {
                            let d = p.dy + r * f, n = p.normalized + r * f
                            let meanD = Self.lanes(f) { j, k in VectorMath.load(d + j, k) * VectorMath.load(p.gamma + j, k) }.sum() / Float(f)
                            let meanDN = Self.lanes(f) { j, k in VectorMath.load(d + j, k) * VectorMath.load(p.gamma + j, k) * VectorMath.load(n + j, k) }.sum() / Float(f)
                            var j = 0
                            while j < f {
                                let k = Swift.min(8, f - j)
                                let dv = VectorMath.load(d + j, k), nv = VectorMath.load(n + j, k)
                                VectorMath.store(VectorMath.load(sums + j, k) + dv * nv, sums + j, k)
                                VectorMath.store(VectorMath.load(sums + f + j, k) + dv, sums + f + j, k)
                                VectorMath.store(p.scale[r] * (dv * VectorMath.load(p.gamma + j, k) - meanD - nv * meanDN), p.dx + r * f + j, k)
                                j += 8
                            }
                        }
                    }
                }
            }}}}}}
            var dGamma = [Float](repeating: 0, count: f), dBeta = dGamma
            for part in 0..<parts {
                for j in 0..<f { dGamma[j] += partial[part * 2 * f + j]; dBeta[j] += partial[part * 2 * f + f + j] }
            }
            return [Tensor(shape: x.shape, storage: dx), Tensor(shape: [f], storage: dGamma), Tensor(shape: [f], storage: dBeta)]
        }
    }

    /// The buffers of a layer norm's forward loop, carried into the threads (each writes
    /// its own rows of the normalized values n, the scales s and the outputs y).
    private struct Pointers: @unchecked Sendable {
        let x: UnsafePointer<Float>, g: UnsafePointer<Float>, b: UnsafePointer<Float>
        let n: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>
    }

    /// The sum of `f`(offset, lanes) over a row of `count` values, eight lanes at a time (the
    /// lanes past the end load as 0).
    @inline(__always)
    private static func lanes(_ count: Int, _ f: (Int, Int) -> SIMD8<Float>) -> SIMD8<Float> {
        var total = SIMD8<Float>()
        var j = 0
        while j < count { total += f(j, Swift.min(8, count - j)); j += 8 }
        return total
    }

    /// The buffers of a layer norm's pullback, carried into the threads (each writes its own
    /// rows of dx and its own part's sums).
    private struct Gradients: @unchecked Sendable {
        let dy: UnsafePointer<Float>, normalized: UnsafePointer<Float>, gamma: UnsafePointer<Float>, scale: UnsafePointer<Float>
        let dx: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
    }
}
