import TesseraTensor

/// Layer normalization as one recorded operation with its gradient in closed form: the
/// chain of its parts (mean, centring, variance, square root, division, scale, shift) costs
/// a dozen passes and broadcasts each way, and a transformer runs it twice per block.
extension Tape {
    /// (x - mean) / √(variance + ε) · gamma + beta over the last axis of `x` (biased
    /// variance, as PyTorch's nn.LayerNorm), statistics accumulated in Double.
    public func layerNorm(_ x: Variable, gamma: Variable, beta: Variable, epsilon: Float) throws(TensorError) -> Variable {
        guard let f = x.shape.last, f > 0, gamma.shape == [f], beta.shape == [f] else {
            throw TensorError(.shape, "layer norm of \(x.shape) with weights \(gamma.shape) and \(beta.shape)")
        }
        let rows = x.value.count / f
        let xv = x.value.storage, g = gamma.value.storage, b = beta.value.storage
        var normalized = [Float](repeating: 0, count: xv.count), scale = [Float](repeating: 0, count: rows)
        var y = [Float](repeating: 0, count: xv.count)
        for r in 0..<rows {
            let base = r * f
            var sum = 0.0
            for j in 0..<f { sum += Double(xv[base + j]) }
            let mean = sum / Double(f)
            var squares = 0.0
            for j in 0..<f { let d = Double(xv[base + j]) - mean; squares += d * d }
            let inverse = Float(1 / (squares / Double(f) + Double(epsilon)).squareRoot())
            scale[r] = inverse
            let m = Float(mean)
            for j in 0..<f {
                let n = (xv[base + j] - m) * inverse
                normalized[base + j] = n
                y[base + j] = n * g[j] + b[j]
            }
        }
        return record(Tensor(shape: x.shape, storage: y), [x, gamma, beta]) { grad throws(TensorError) in
            // dx = (1/σ) (dn - mean(dn) - n · mean(dn · n)), dn = dy · gamma.
            let dy = grad.storage
            var dx = [Float](repeating: 0, count: dy.count), dGamma = [Double](repeating: 0, count: f), dBeta = [Double](repeating: 0, count: f)
            for r in 0..<rows {
                let base = r * f
                var meanD = 0.0, meanDN = 0.0
                for j in 0..<f {
                    let d = dy[base + j], n = normalized[base + j]
                    dGamma[j] += Double(d * n)
                    dBeta[j] += Double(d)
                    let dn = Double(d * g[j])
                    meanD += dn
                    meanDN += dn * Double(n)
                }
                meanD /= Double(f); meanDN /= Double(f)
                let s = Double(scale[r])
                for j in 0..<f {
                    let dn = Double(dy[base + j] * g[j])
                    dx[base + j] = Float(s * (dn - meanD - Double(normalized[base + j]) * meanDN))
                }
            }
            return [Tensor(shape: x.shape, storage: dx), Tensor(shape: [f], storage: dGamma.map { Float($0) }), Tensor(shape: [f], storage: dBeta.map { Float($0) })]
        }
    }
}
