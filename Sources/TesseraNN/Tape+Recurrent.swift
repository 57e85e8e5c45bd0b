import Foundation
import TesseraTensor

/// The element-wise part of one step of an LSTM or a GRU as one recorded operation, with
/// its gradient in closed form: a step of a cell is a dozen element-wise operations, and a
/// sequence runs it once per position, so fusing them saves most of a recurrent layer's
/// bookkeeping. The matrix products stay outside, on the backend. Gate orders are
/// PyTorch's, so its weights load unchanged.
extension Tape {
    /// An LSTM step: `gates` [batch, 4·hidden] (input, forget, cell, output; the input's
    /// and the state's projections and both biases already added) and the previous cell
    /// state `c` [batch, hidden] → [batch, 2·hidden], the new hidden state h then the new
    /// cell state c.
    public func lstmStep(_ gates: Variable, _ c: Variable) throws(TensorError) -> Variable {
        let (batch, hidden) = (c.shape[0], c.shape[1])
        guard gates.shape == [batch, 4 * hidden], c.value.rank == 2 else {
            throw TensorError(.shape, "an LSTM step needs gates [batch, 4·hidden] and a state [batch, hidden]; got \(gates.shape) and \(c.shape)")
        }
        let a = gates.value.storage, cv = c.value.storage
        var act = [Float](repeating: 0, count: batch * 4 * hidden)  // i, f, g, o after their activations
        var tc = [Float](repeating: 0, count: batch * hidden)
        var out = [Float](repeating: 0, count: batch * 2 * hidden)
        for b in 0..<batch {
            let row = b * 4 * hidden
            for j in 0..<hidden {
                let i = Self.sigmoid(a[row + j]), f = Self.sigmoid(a[row + hidden + j])
                let g = Foundation.tanh(a[row + 2 * hidden + j]), o = Self.sigmoid(a[row + 3 * hidden + j])
                act[row + j] = i; act[row + hidden + j] = f; act[row + 2 * hidden + j] = g; act[row + 3 * hidden + j] = o
                let cNew = f * cv[b * hidden + j] + i * g
                let t = Foundation.tanh(cNew)
                tc[b * hidden + j] = t
                out[b * 2 * hidden + j] = o * t
                out[b * 2 * hidden + hidden + j] = cNew
            }
        }
        return record(Tensor(shape: [batch, 2 * hidden], storage: out), [gates, c]) { grad throws(TensorError) in
            let gv = grad.storage
            var dGates = [Float](repeating: 0, count: batch * 4 * hidden), dc = [Float](repeating: 0, count: batch * hidden)
            for b in 0..<batch {
                let row = b * 4 * hidden
                for j in 0..<hidden {
                    let i = act[row + j], f = act[row + hidden + j], g = act[row + 2 * hidden + j], o = act[row + 3 * hidden + j]
                    let t = tc[b * hidden + j]
                    let dh = gv[b * 2 * hidden + j]
                    let dcTotal = gv[b * 2 * hidden + hidden + j] + dh * o * (1 - t * t)
                    dGates[row + j] = dcTotal * g * i * (1 - i)
                    dGates[row + hidden + j] = dcTotal * cv[b * hidden + j] * f * (1 - f)
                    dGates[row + 2 * hidden + j] = dcTotal * i * (1 - g * g)
                    dGates[row + 3 * hidden + j] = dh * t * o * (1 - o)
                    dc[b * hidden + j] = dcTotal * f
                }
            }
            return [Tensor(shape: [batch, 4 * hidden], storage: dGates), Tensor(shape: [batch, hidden], storage: dc)]
        }
    }

    /// A GRU step: the input's projection `gx` and the state's `gh` [batch, 3·hidden] (reset,
    /// update, new; each with its bias) and the previous state `h` [batch, hidden] → the new
    /// state, (1 - z)·n + z·h with n = tanh(gx_n + r·gh_n), as PyTorch's nn.GRU.
    public func gruStep(_ gx: Variable, _ gh: Variable, _ h: Variable) throws(TensorError) -> Variable {
        let (batch, hidden) = (h.shape[0], h.shape[1])
        guard gx.shape == [batch, 3 * hidden], gh.shape == gx.shape, h.value.rank == 2 else {
            throw TensorError(.shape, "a GRU step needs projections [batch, 3·hidden] and a state [batch, hidden]; got \(gx.shape), \(gh.shape) and \(h.shape)")
        }
        let x = gx.value.storage, s = gh.value.storage, hv = h.value.storage
        var act = [Float](repeating: 0, count: batch * 3 * hidden)  // r, z, n
        var out = [Float](repeating: 0, count: batch * hidden)
        for b in 0..<batch {
            let row = b * 3 * hidden
            for j in 0..<hidden {
                let r = Self.sigmoid(x[row + j] + s[row + j]), z = Self.sigmoid(x[row + hidden + j] + s[row + hidden + j])
                let n = Foundation.tanh(x[row + 2 * hidden + j] + r * s[row + 2 * hidden + j])
                act[row + j] = r; act[row + hidden + j] = z; act[row + 2 * hidden + j] = n
                out[b * hidden + j] = (1 - z) * n + z * hv[b * hidden + j]
            }
        }
        return record(Tensor(shape: [batch, hidden], storage: out), [gx, gh, h]) { grad throws(TensorError) in
            let gv = grad.storage
            var dx = [Float](repeating: 0, count: batch * 3 * hidden), ds = dx, dh = [Float](repeating: 0, count: batch * hidden)
            for b in 0..<batch {
                let row = b * 3 * hidden
                for j in 0..<hidden {
                    let r = act[row + j], z = act[row + hidden + j], n = act[row + 2 * hidden + j]
                    let d = gv[b * hidden + j]
                    let dn = d * (1 - z) * (1 - n * n)
                    let dr = dn * s[row + 2 * hidden + j] * r * (1 - r)
                    let dz = d * (hv[b * hidden + j] - n) * z * (1 - z)
                    dx[row + j] = dr; ds[row + j] = dr
                    dx[row + hidden + j] = dz; ds[row + hidden + j] = dz
                    dx[row + 2 * hidden + j] = dn; ds[row + 2 * hidden + j] = dn * r
                    dh[b * hidden + j] = d * z
                }
            }
            return [Tensor(shape: [batch, 3 * hidden], storage: dx), Tensor(shape: [batch, 3 * hidden], storage: ds),
                    Tensor(shape: [batch, hidden], storage: dh)]
        }
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
}
