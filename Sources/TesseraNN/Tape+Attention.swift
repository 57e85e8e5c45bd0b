import Foundation
import TesseraTensor

/// Attention's weights: a softmax over keys that leaves out the keys a query may not see,
/// without building a mask as large as the scores.
extension Tape {
    /// The lanes at or past `count`.
    @inline(__always)
    static func lanesFrom(_ count: Int) -> SIMDMask<SIMD8<Int32>> {
        SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(count))
    }

    /// One pointer read and one written by concurrent loops over disjoint rows.
    struct Buffers: @unchecked Sendable {
        let input: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
    }

    struct UnsafeSendablePointer: @unchecked Sendable {
        let pointer: UnsafePointer<Float>
        init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
    }

    /// softmax(scale · scores) over the last axis of `scores` [batch·heads, queries, keys],
    /// where a key is left out (weight 0) when `keyMask` [batch, keys] marks it as padding,
    /// or, with `causal`, when it comes after the query. A query that sees no key at all
    /// gets weights of zeros, not NaN. The masks are read per row as the loop goes: no
    /// tensor of the scores' size holds them.
    public func attentionWeights(_ scores: Variable, scale: Float, keyMask: Tensor?, causal: Bool, heads: Int) throws(TensorError) -> Variable {
        guard scores.value.rank == 3, heads > 0, scores.shape[0] % heads == 0 else {
            throw TensorError(.shape, "attention weights need scores [batch·heads, queries, keys]; got \(scores.shape) for \(heads) heads")
        }
        let (groups, queries, keys) = (scores.shape[0], scores.shape[1], scores.shape[2])
        if let keyMask, keyMask.shape != [groups / heads, keys] {
            throw TensorError(.shape, "attention: a key mask of shape \(keyMask.shape) for \(groups / heads) sequences of \(keys) keys")
        }
        let s = scores.value.storage, maskValues = keyMask?.storage
        var p = [Float](repeating: 0, count: s.count)
        // Rows split across threads; within a row, eight keys at a time. Keys a query may not
        // see get -∞ before the exp (weight 0): the mask is read per row, never materialized.
        let rows = groups * queries, minimum = Swift.max(1, (1 << 13) / Swift.max(1, keys))
        let visibleKeys: [Int] = (0..<queries).map { causal ? Swift.min(keys, $0 + 1) : keys }
        s.withUnsafeBufferPointer { sp in p.withUnsafeMutableBufferPointer { pp in
            let buffers = Buffers(input: sp.baseAddress!, output: pp.baseAddress!)
            Parallel.chunks(rows, minimum: minimum) { range in
                var row = [Float](repeating: 0, count: keys)
                row.withUnsafeMutableBufferPointer { rp in
                    let rp = rp.baseAddress!
                    for r in range {
                        let (g, q) = (r / queries, r % queries)
                        let base = r * keys, visible = visibleKeys[q]
                        var largest = -Float.infinity
                        if let maskValues {
                            let m = (g / heads) * keys
                            for k in 0..<visible {
                                rp[k] = maskValues[m + k] != 0 ? buffers.input[base + k] * scale : -.infinity
                                largest = Swift.max(largest, rp[k])
                            }
                        } else {
                            for k in 0..<visible {
                                rp[k] = buffers.input[base + k] * scale
                                largest = Swift.max(largest, rp[k])
                            }
                        }
                        // Keys past `visible` keep their weight 0 (the output starts zeroed).
                        guard largest > -Float.infinity else { continue }
                        for k in 0..<visible { rp[k] -= largest }
                        VectorMath.exp(rp, visible)
                        var total: Float = 0
                        if let maskValues {
                            // exp clamps -∞ to about 1e-38: a padded key's weight is set to 0 exactly.
                            let m = (g / heads) * keys
                            for k in 0..<visible where maskValues[m + k] == 0 { rp[k] = 0 }
                        }
                        for k in 0..<visible { total += rp[k] }
                        let inverse = 1 / total
                        for k in 0..<visible { buffers.output[base + k] = rp[k] * inverse }
                    }
                }
            }
        }}
        let shape = scores.shape
        return record(Tensor(shape: shape, storage: p), [scores]) { [p, visibleKeys] grad throws(TensorError) in
            // d scores = scale · p ⊙ (g - Σ_k g p), row by row; left-out keys have p = 0.
            let gv = grad.storage
            var d = [Float](repeating: 0, count: gv.count)
            gv.withUnsafeBufferPointer { gp in p.withUnsafeBufferPointer { wp in d.withUnsafeMutableBufferPointer { dp in
                let buffers = Buffers(input: gp.baseAddress!, output: dp.baseAddress!), weights = UnsafeSendablePointer(wp.baseAddress!)
                Parallel.chunks(rows, minimum: minimum) { range in
                    let (g, w, out) = (buffers.input, weights.pointer, buffers.output)
                    for r in range {
                        // Weights past a causal row's last visible key are 0: so are their gradients.
                        let base = r * keys, visible = visibleKeys[r % queries]
                        var dot: Float = 0
                        for k in 0..<visible { dot += g[base + k] * w[base + k] }
                        for k in 0..<visible { out[base + k] = scale * w[base + k] * (g[base + k] - dot) }
                    }
                }
            }}}
            return [Tensor(shape: shape, storage: d)]
        }
    }
}
