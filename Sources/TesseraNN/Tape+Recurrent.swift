import TesseraTensor

/// A whole recurrent walk as one recorded operation, as PyTorch's and cuDNN's LSTM and GRU
/// kernels run it: per position, one matrix product with the state's weights (on the
/// backend) and one fused, vectorized pass over the gates; back, the same walk in reverse
/// (backpropagation through time), with the state weights' gradient as one product over
/// every position at the end. Recorded op by op instead, a sequence of 24 positions made
/// some 400 operations and each position's slice of the inputs a full-size gradient.
///
/// Inputs are time-major: the input's projection (with the biases that add to it)
/// [length, batch, gates·units]. The result is the state after each position, time-major
/// [length, batch, units]; a position the mask marks as padding (0) carries the state
/// before it over unchanged. Gate orders are PyTorch's, so its weights load unchanged.
extension Tape {
    /// An LSTM walk: gates i, f, g, o = projected + h·Wᵀ; c = f·c + i·g; h = o·tanh c.
    public func lstm(_ projected: Variable, weight: Variable, mask: Tensor?, reverse: Bool) throws(TensorError) -> Variable {
        let (length, batch, units) = try Self.walkShape(projected, weight, gates: 4, mask: mask, "LSTM")
        let width = 4 * units
        let x = projected.value.storage, w = weight.value, keep = mask.map { $0.storage.map { $0 != 0 } }
        let order = reverse ? Array((0..<length).reversed()) : Array(0..<length)
        // Per step: the gates after their activations, tanh c, and the states before it.
        var act = [Float](repeating: 0, count: length * batch * width), tanhC = [Float](repeating: 0, count: length * batch * units)
        var hBefore = [Float](repeating: 0, count: length * batch * units), cBefore = hBefore
        var states = [Float](repeating: 0, count: length * batch * units)
        var h = [Float](repeating: 0, count: batch * units), c = h
        for (s, p) in order.enumerated() {
            let recurrent = try backend.matmul(Tensor(shape: [batch, units], storage: h), w, transpose: Transpose(b: true)).storage
            hBefore.replaceSubrange((s * batch * units)..<((s + 1) * batch * units), with: h)
            cBefore.replaceSubrange((s * batch * units)..<((s + 1) * batch * units), with: c)
            for b in 0..<batch where keep?[b * length + p] ?? true {
                let gates = (p * batch + b) * width, row = b * width, cached = (s * batch + b) * width, state = b * units
                var j = 0
                while j < units {
                    let n = Swift.min(8, units - j)
                    func a(_ k: Int) -> SIMD8<Float> {
                        VectorMath.load(x, from: gates + k * units + j, n) + VectorMath.load(recurrent, from: row + k * units + j, n)
                    }
                    let i = VectorMath.sigmoid(a(0)), f = VectorMath.sigmoid(a(1)), g = VectorMath.tanh(a(2)), o = VectorMath.sigmoid(a(3))
                    let cNew = f * VectorMath.load(c, from: state + j, n) + i * g
                    let t = VectorMath.tanh(cNew)
                    VectorMath.store(i, &act, cached + j, n); VectorMath.store(f, &act, cached + units + j, n)
                    VectorMath.store(g, &act, cached + 2 * units + j, n); VectorMath.store(o, &act, cached + 3 * units + j, n)
                    VectorMath.store(t, &tanhC, (s * batch + b) * units + j, n)
                    VectorMath.store(cNew, &c, state + j, n)
                    VectorMath.store(o * t, &h, state + j, n)
                    j += 8
                }
            }
            states.replaceSubrange((p * batch * units)..<((p + 1) * batch * units), with: h)
        }
        // Constants for the pullback: a var captured by an escaping closure lives in a box,
        // and every access in the loops above would pay for it.
        return record(Tensor(shape: [length, batch, units], storage: states), [projected, weight]) { [self, act, tanhC, hBefore, cBefore] grad throws(TensorError) in
            let dStates = grad.storage
            var dGates = [Float](repeating: 0, count: length * batch * width)
            var dh = [Float](repeating: 0, count: batch * units), dc = dh
            for (s, p) in order.enumerated().reversed() {
                let base = p * batch * units
                for k in 0..<(batch * units) { dh[k] += dStates[base + k] }
                for b in 0..<batch where keep?[b * length + p] ?? true {
                    let cached = (s * batch + b) * width, out = (p * batch + b) * width, state = b * units
                    var j = 0
                    while j < units {
                        let n = Swift.min(8, units - j)
                        let i = VectorMath.load(act, from: cached + j, n), f = VectorMath.load(act, from: cached + units + j, n)
                        let g = VectorMath.load(act, from: cached + 2 * units + j, n), o = VectorMath.load(act, from: cached + 3 * units + j, n)
                        let t = VectorMath.load(tanhC, from: (s * batch + b) * units + j, n)
                        let dhv = VectorMath.load(dh, from: state + j, n)
                        let dcTotal = VectorMath.load(dc, from: state + j, n) + dhv * o * (1 - t * t)
                        VectorMath.store(dcTotal * g * i * (1 - i), &dGates, out + j, n)
                        VectorMath.store(dcTotal * VectorMath.load(cBefore, from: (s * batch + b) * units + j, n) * f * (1 - f), &dGates, out + units + j, n)
                        VectorMath.store(dcTotal * i * (1 - g * g), &dGates, out + 2 * units + j, n)
                        VectorMath.store(dhv * t * o * (1 - o), &dGates, out + 3 * units + j, n)
                        VectorMath.store(dcTotal * f, &dc, state + j, n)
                        j += 8
                    }
                }
                // What reaches the state before: through the weights where a row stepped, as it was where it carried.
                let step = Tensor(shape: [batch, width], storage: Array(dGates[(p * batch * width)..<((p + 1) * batch * width)]))
                let through = try backend.matmul(step, w).storage
                for b in 0..<batch where keep?[b * length + p] ?? true {
                    for j in 0..<units { dh[b * units + j] = through[b * units + j] }
                }
            }
            let dWeight = try Self.stateWeightGradient(dGates, hBefore, order: order, batch: batch, width: width, units: units, backend)
            return [Tensor(shape: [length, batch, width], storage: dGates), dWeight]
        }
    }

    /// A GRU walk, as PyTorch's nn.GRU: r, z = σ(projected + h·Wᵀ + b), n = tanh(projected_n
    /// + r·(h·W_nᵀ + b_n)), h = (1 - z)·n + z·h. `projected` holds the input's bias, `bias`
    /// is the state's (the reset gate scales it, so it cannot be folded in).
    public func gru(_ projected: Variable, weight: Variable, bias: Variable, mask: Tensor?, reverse: Bool) throws(TensorError) -> Variable {
        let (length, batch, units) = try Self.walkShape(projected, weight, gates: 3, mask: mask, "GRU")
        guard bias.shape == [3 * units] else { throw TensorError(.shape, "a GRU walk's state bias is \(bias.shape); it needs [\(3 * units)]") }
        let width = 3 * units
        let x = projected.value.storage, w = weight.value, bv = bias.value.storage, keep = mask.map { $0.storage.map { $0 != 0 } }
        let order = reverse ? Array((0..<length).reversed()) : Array(0..<length)
        // Per step: r, z, n, the state's projection of the new gate, and the state before.
        var act = [Float](repeating: 0, count: length * batch * width), stateNew = [Float](repeating: 0, count: length * batch * units)
        var hBefore = [Float](repeating: 0, count: length * batch * units), states = hBefore
        var h = [Float](repeating: 0, count: batch * units)
        for (s, p) in order.enumerated() {
            let recurrent = try backend.matmul(Tensor(shape: [batch, units], storage: h), w, transpose: Transpose(b: true)).storage
            hBefore.replaceSubrange((s * batch * units)..<((s + 1) * batch * units), with: h)
            for b in 0..<batch where keep?[b * length + p] ?? true {
                let gates = (p * batch + b) * width, row = b * width, cached = (s * batch + b) * width, state = b * units
                var j = 0
                while j < units {
                    let n = Swift.min(8, units - j)
                    func fromState(_ k: Int) -> SIMD8<Float> { VectorMath.load(recurrent, from: row + k * units + j, n) + VectorMath.load(bv, from: k * units + j, n) }
                    let r = VectorMath.sigmoid(VectorMath.load(x, from: gates + j, n) + fromState(0))
                    let z = VectorMath.sigmoid(VectorMath.load(x, from: gates + units + j, n) + fromState(1))
                    let hn = fromState(2)
                    let candidate = VectorMath.tanh(VectorMath.load(x, from: gates + 2 * units + j, n) + r * hn)
                    VectorMath.store(r, &act, cached + j, n); VectorMath.store(z, &act, cached + units + j, n)
                    VectorMath.store(candidate, &act, cached + 2 * units + j, n)
                    VectorMath.store(hn, &stateNew, (s * batch + b) * units + j, n)
                    VectorMath.store((1 - z) * candidate + z * VectorMath.load(h, from: state + j, n), &h, state + j, n)
                    j += 8
                }
            }
            states.replaceSubrange((p * batch * units)..<((p + 1) * batch * units), with: h)
        }
        // Captured as constants (see lstm).
        return record(Tensor(shape: [length, batch, units], storage: states), [projected, weight, bias]) { [self, act, stateNew, hBefore] grad throws(TensorError) in
            let dStates = grad.storage
            var dInput = [Float](repeating: 0, count: length * batch * width), dState = dInput
            var dh = [Float](repeating: 0, count: batch * units)
            for (s, p) in order.enumerated().reversed() {
                let base = p * batch * units
                for k in 0..<(batch * units) { dh[k] += dStates[base + k] }
                var direct = dh
                for b in 0..<batch where keep?[b * length + p] ?? true {
                    let cached = (s * batch + b) * width, out = (p * batch + b) * width, state = b * units
                    var j = 0
                    while j < units {
                        let n = Swift.min(8, units - j)
                        let r = VectorMath.load(act, from: cached + j, n), z = VectorMath.load(act, from: cached + units + j, n)
                        let candidate = VectorMath.load(act, from: cached + 2 * units + j, n), hn = VectorMath.load(stateNew, from: (s * batch + b) * units + j, n)
                        let d = VectorMath.load(dh, from: state + j, n), before = VectorMath.load(hBefore, from: (s * batch + b) * units + j, n)
                        let dn = d * (1 - z) * (1 - candidate * candidate)
                        let dr = dn * hn * r * (1 - r)
                        let dz = d * (before - candidate) * z * (1 - z)
                        VectorMath.store(dr, &dInput, out + j, n); VectorMath.store(dr, &dState, out + j, n)
                        VectorMath.store(dz, &dInput, out + units + j, n); VectorMath.store(dz, &dState, out + units + j, n)
                        VectorMath.store(dn, &dInput, out + 2 * units + j, n); VectorMath.store(dn * r, &dState, out + 2 * units + j, n)
                        VectorMath.store(d * z, &direct, state + j, n)
                        j += 8
                    }
                }
                let step = Tensor(shape: [batch, width], storage: Array(dState[(p * batch * width)..<((p + 1) * batch * width)]))
                let through = try backend.matmul(step, w).storage
                for b in 0..<batch {
                    let stepped = keep?[b * length + p] ?? true
                    for j in 0..<units { dh[b * units + j] = stepped ? direct[b * units + j] + through[b * units + j] : direct[b * units + j] }
                }
            }
            let dWeight = try Self.stateWeightGradient(dState, hBefore, order: order, batch: batch, width: width, units: units, backend)
            var dBias = [Float](repeating: 0, count: width)
            for row in 0..<(length * batch) { for k in 0..<width { dBias[k] += dState[row * width + k] } }
            return [Tensor(shape: [length, batch, width], storage: dInput), dWeight, Tensor(shape: [width], storage: dBias)]
        }
    }

    static func walkShape(_ projected: Variable, _ weight: Variable, gates: Int, mask: Tensor?, _ kind: String) throws(TensorError) -> (Int, Int, Int) {
        guard projected.value.rank == 3, weight.value.rank == 2, weight.shape[0] == gates * weight.shape[1], projected.shape[2] == weight.shape[0] else {
            throw TensorError(.shape, "a \(kind) walk needs projections [length, batch, \(gates)·units] and state weights [\(gates)·units, units]; got \(projected.shape) and \(weight.shape)")
        }
        let (length, batch) = (projected.shape[0], projected.shape[1])
        if let mask, mask.shape != [batch, length] { throw TensorError(.shape, "a \(kind) walk's mask is \(mask.shape); it needs [\(batch), \(length)]") }
        return (length, batch, weight.shape[1])
    }

    /// Σ over steps of dGatesᵀ · h_before, as one product: the steps' gate gradients (stored by
    /// position) and the states before them (stored by step) lined up in step order.
    static func stateWeightGradient(_ dGates: [Float], _ hBefore: [Float], order: [Int], batch: Int, width: Int, units: Int, _ backend: any Backend) throws(TensorError) -> Tensor {
        var byStep = [Float]()
        byStep.reserveCapacity(dGates.count)
        for p in order { byStep.append(contentsOf: dGates[(p * batch * width)..<((p + 1) * batch * width)]) }
        let rows = order.count * batch
        return try backend.matmul(Tensor(shape: [rows, width], storage: byStep), Tensor(shape: [rows, units], storage: hBefore), transpose: Transpose(a: true))
    }
}

extension VectorMath {
    /// Up to eight floats of `a` from `offset`.
    @inline(__always)
    static func load(_ a: [Float], from offset: Int, _ count: Int) -> SIMD8<Float> {
        a.withUnsafeBufferPointer { load($0.baseAddress! + offset, count) }
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ a: inout [Float], _ offset: Int, _ count: Int) {
        a.withUnsafeMutableBufferPointer { store(v, $0.baseAddress! + offset, count) }
    }
}
