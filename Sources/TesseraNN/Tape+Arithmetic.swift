import TesseraTensor

/// Element-wise arithmetic (with broadcasting) and matrix products, differentiable.
extension Tape {
    public func add(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(try backend.binary(.add, a.value, b.value), [a, b]) { [self] g throws(TensorError) in
            [try unbroadcast(g, to: sa), try unbroadcast(g, to: sb)]
        }
    }

    public func subtract(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(try backend.binary(.subtract, a.value, b.value), [a, b]) { [self] g throws(TensorError) in
            [try unbroadcast(g, to: sa), try unbroadcast(try backend.unary(.negate, g), to: sb)]
        }
    }

    public func multiply(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        let (va, vb) = (a.value, b.value)
        return record(try backend.binary(.multiply, va, vb), [a, b]) { [self] g throws(TensorError) in
            [a.requiresGrad ? try unbroadcast(try backend.binary(.multiply, g, vb), to: va.shape) : nil,
             b.requiresGrad ? try unbroadcast(try backend.binary(.multiply, g, va), to: vb.shape) : nil]
        }
    }

    public func divide(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        let (va, vb) = (a.value, b.value)
        return record(try backend.binary(.divide, va, vb), [a, b]) { [self] g throws(TensorError) in
            let ga = a.requiresGrad ? try unbroadcast(try backend.binary(.divide, g, vb), to: va.shape) : nil
            var gb: Tensor?
            if b.requiresGrad {
                // d(a/b)/db = -a / b²
                let q = try backend.binary(.divide, try backend.binary(.multiply, g, va), try backend.binary(.multiply, vb, vb))
                gb = try unbroadcast(try backend.unary(.negate, q), to: vb.shape)
            }
            return [ga, gb]
        }
    }

    /// aᵇ element by element, with broadcasting: d/da = b·aᵇ⁻¹, d/db = aᵇ·ln a (NaN where
    /// a < 0, as in PyTorch; computed only when b needs a gradient).
    public func power(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        let (va, vb) = (a.value, b.value)
        let y = try backend.binary(.power, va, vb)
        return record(y, [a, b]) { [self] g throws(TensorError) in
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                let slope = try backend.binary(.multiply, vb, try backend.binary(.power, va, try backend.binary(.subtract, vb, Self.one)))
                ga = try unbroadcast(try backend.binary(.multiply, g, slope), to: va.shape)
            }
            if b.requiresGrad {
                let slope = try backend.binary(.multiply, y, try backend.unary(.log, va))
                gb = try unbroadcast(try backend.binary(.multiply, g, slope), to: vb.shape)
            }
            return [ga, gb]
        }
    }

    /// `a` times a constant.
    public func scale(_ a: Variable, _ factor: Float) throws(TensorError) -> Variable {
        let f = Tensor(shape: [], storage: [factor])
        return record(try backend.binary(.multiply, a.value, f), [a]) { [self] g throws(TensorError) in
            [try backend.binary(.multiply, g, f)]
        }
    }

    /// a @ b for matrices, batches of them, or a matrix with a batch.
    public func matmul(_ a: Variable, _ b: Variable) throws(TensorError) -> Variable {
        try matmul(a, b, transpose: .none)
    }

    /// op(a) @ op(b), where op reads an operand transposed when asked. The gradients are
    /// again products with transposed reads:
    /// dA = g·op(B)ᵀ (or its transpose when A was read transposed), dB = op(A)ᵀ·g (likewise).
    public func matmul(_ a: Variable, _ b: Variable, transpose: Transpose) throws(TensorError) -> Variable {
        let (va, vb) = (a.value, b.value)
        return record(try backend.matmul(va, vb, transpose: transpose), [a, b]) { [self] g throws(TensorError) in
            var ga: Tensor? = !a.requiresGrad ? nil : transpose.a
                ? try backend.matmul(vb, g, transpose: Transpose(a: transpose.b, b: true))
                : try backend.matmul(g, vb, transpose: Transpose(b: !transpose.b))
            var gb: Tensor? = !b.requiresGrad ? nil : transpose.b
                ? try backend.matmul(g, va, transpose: Transpose(a: true, b: transpose.a))
                : try backend.matmul(va, g, transpose: Transpose(a: !transpose.a))
            // A single matrix used against a batch gets the batch's gradients summed.
            if let x = ga, va.rank == 2, x.rank == 3 { ga = try backend.reduce(.sum, x, axis: 0) }
            if let x = gb, vb.rank == 2, x.rank == 3 { gb = try backend.reduce(.sum, x, axis: 0) }
            return [ga, gb]
        }
    }

    /// The gradient of a broadcast operand: `g` summed over the dimensions that were
    /// broadcast to reach its shape.
    func unbroadcast(_ g: Tensor, to shape: [Int]) throws(TensorError) -> Tensor {
        if g.shape == shape { return g }
        var r = g
        // Leading dimensions the operand did not have.
        while r.rank > shape.count { r = try backend.reduce(.sum, r, axis: 0) }
        // Dimensions of size 1 that were stretched.
        for (d, n) in shape.enumerated() where n == 1 && r.shape[d] != 1 {
            var kept = r.shape
            kept[d] = 1
            r = try backend.reduce(.sum, r, axis: d).reshaped(kept)
        }
        return r
    }
}
