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
        return record(try x.value.permuted(order), [x]) { g throws(TensorError) in [try g.permuted(inverse)] }
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
}
