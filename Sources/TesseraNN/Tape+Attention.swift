import Foundation
import TesseraTensor

/// Attention's weights: a softmax over keys that leaves out the keys a query may not see,
/// without building a mask as large as the scores.
extension Tape {
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
        p.withUnsafeMutableBufferPointer { out in
            s.withUnsafeBufferPointer { s in
                for g in 0..<groups {
                    let sequence = g / heads
                    for q in 0..<queries {
                        let row = (g * queries + q) * keys
                        let visible = causal ? Swift.min(keys, q + 1) : keys
                        var largest = -Float.infinity
                        for k in 0..<visible where maskValues.map({ $0[sequence * keys + k] != 0 }) ?? true {
                            largest = Swift.max(largest, s[row + k] * scale)
                        }
                        guard largest > -Float.infinity else { continue }
                        var total: Float = 0
                        for k in 0..<visible where maskValues.map({ $0[sequence * keys + k] != 0 }) ?? true {
                            let e = Foundation.exp(s[row + k] * scale - largest)
                            out[row + k] = e
                            total += e
                        }
                        let inverse = 1 / total
                        for k in 0..<visible { out[row + k] *= inverse }
                    }
                }
            }
        }
        let shape = scores.shape
        return record(Tensor(shape: shape, storage: p), [scores]) { grad throws(TensorError) in
            // d scores = scale · p ⊙ (g - Σ_k g p), row by row; left-out keys have p = 0.
            let gv = grad.storage
            var d = [Float](repeating: 0, count: gv.count)
            for row in 0..<(groups * queries) {
                let base = row * keys
                var dot: Float = 0
                for k in 0..<keys { dot += gv[base + k] * p[base + k] }
                for k in 0..<keys { d[base + k] = scale * p[base + k] * (gv[base + k] - dot) }
            }
            return [Tensor(shape: shape, storage: d)]
        }
    }
}
