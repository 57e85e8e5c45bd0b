import TesseraTensor

/// Element-wise functions and softmax, differentiable.
extension Tape {
    public func relu(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.relu, x), [a]) { [self] g throws(TensorError) in
            [try backend.binary(.reluGradient, g, x)]
        }
    }

    public func sigmoid(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.unary(.sigmoid, a.value)
        return record(y, [a]) { [self] g throws(TensorError) in
            // σ' = σ (1 - σ)
            [try backend.binary(.multiply, g, try backend.binary(.multiply, y, try backend.binary(.subtract, Self.one, y)))]
        }
    }

    public func tanh(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.unary(.tanh, a.value)
        return record(y, [a]) { [self] g throws(TensorError) in
            // tanh' = 1 - tanh²
            [try backend.binary(.multiply, g, try backend.binary(.subtract, Self.one, try backend.binary(.multiply, y, y)))]
        }
    }

    /// GELU, tanh approximation (PyTorch's approximate="tanh").
    public func gelu(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.gelu, x), [a]) { [self] g throws(TensorError) in [try backend.binary(.geluGradient, g, x)] }
    }

    public func exp(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.unary(.exp, a.value)
        return record(y, [a]) { [self] g throws(TensorError) in [try backend.binary(.multiply, g, y)] }
    }

    public func log(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.log, x), [a]) { [self] g throws(TensorError) in [try backend.binary(.divide, g, x)] }
    }

    /// aᶜ for a constant exponent c.
    public func power(_ a: Variable, _ c: Float) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.binary(.power, x, Self.constant(c)), [a]) { [self] g throws(TensorError) in
            [try backend.binary(.multiply, g, try backend.binary(.multiply, try backend.binary(.power, x, Self.constant(c - 1)), Self.constant(c)))]
        }
    }

    public func sqrt(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.unary(.sqrt, a.value)
        return record(y, [a]) { [self] g throws(TensorError) in
            [try backend.binary(.divide, g, try backend.binary(.multiply, y, Self.constant(2)))]
        }
    }

    public func sin(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.sin, x), [a]) { [self] g throws(TensorError) in [try backend.binary(.multiply, g, try backend.unary(.cos, x))] }
    }

    public func cos(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.cos, x), [a]) { [self] g throws(TensorError) in
            [try backend.unary(.negate, try backend.binary(.multiply, g, try backend.unary(.sin, x)))]
        }
    }

    public func tan(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.unary(.tan, a.value)
        return record(y, [a]) { [self] g throws(TensorError) in
            // tan' = 1 + tan²
            [try backend.binary(.multiply, g, try backend.binary(.add, Self.one, try backend.binary(.multiply, y, y)))]
        }
    }

    /// |a|, whose gradient is the sign of a (0 at 0, as in PyTorch).
    public func abs(_ a: Variable) throws(TensorError) -> Variable {
        let x = a.value
        return record(try backend.unary(.abs, x), [a]) { [self] g throws(TensorError) in
            let sign = try backend.binary(.subtract, try backend.binary(.greater, x, Self.zero), try backend.binary(.less, x, Self.zero))
            return [try backend.binary(.multiply, g, sign)]
        }
    }

    /// floor, ceil or round: piecewise constant, so no gradient flows through them (PyTorch
    /// gives zeros too); the result stays on the tape so a loss built from it is still one.
    public func rounded(_ op: UnaryOp, _ a: Variable) throws(TensorError) -> Variable {
        guard op == .floor || op == .ceil || op == .round else {
            throw TensorError(.value, "rounded(_:_:) takes .floor, .ceil or .round, not .\(op.rawValue)")
        }
        return record(try backend.unary(op, a.value), [a]) { _ throws(TensorError) in [nil] }
    }

    public func negate(_ a: Variable) throws(TensorError) -> Variable {
        record(try backend.unary(.negate, a.value), [a]) { [self] g throws(TensorError) in [try backend.unary(.negate, g)] }
    }

    /// Softmax along the last axis.
    public func softmax(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.softmax(a.value, axis: -1, log: false)
        return record(y, [a]) { [self] g throws(TensorError) in
            // dx = y ⊙ (g - Σ g⊙y along the axis)
            let dot = try rowSums(try backend.binary(.multiply, g, y))
            return [try backend.binary(.multiply, y, try backend.binary(.subtract, g, dot))]
        }
    }

    /// Log-softmax along the last axis.
    public func logSoftmax(_ a: Variable) throws(TensorError) -> Variable {
        let y = try backend.softmax(a.value, axis: -1, log: true)
        return record(y, [a]) { [self] g throws(TensorError) in
            // dx = g - softmax ⊙ Σ g along the axis
            let p = try backend.unary(.exp, y)
            return [try backend.binary(.subtract, g, try backend.binary(.multiply, p, try rowSums(g)))]
        }
    }

    /// Softmax or log-softmax along any axis: along the last one directly, along another by
    /// moving that axis last and back (both moves on the tape).
    public func softmax(_ a: Variable, axis: Int, log: Bool) throws(TensorError) -> Variable {
        let rank = a.value.rank
        guard rank >= 1, axis >= -rank, axis < rank else {
            throw TensorError(.value, "axis \(axis) does not exist for a tensor of rank \(rank)")
        }
        let k = axis < 0 ? axis + rank : axis
        if k == rank - 1 { return log ? try logSoftmax(a) : try softmax(a) }
        var order = Array(0..<rank)
        order.swapAt(k, rank - 1)
        let moved = try permute(a, order)
        return try permute(log ? try logSoftmax(moved) : try softmax(moved), order)
    }

    /// Sums along the last axis, keeping it as a dimension of 1 (so it broadcasts back).
    func rowSums(_ t: Tensor) throws(TensorError) -> Tensor {
        var kept = t.shape
        kept[kept.count - 1] = 1
        return try backend.reduce(.sum, t, axis: -1).reshaped(kept)
    }

    static let one = Tensor(shape: [], storage: [1])
    static let zero = Tensor(shape: [], storage: [0])
    static func constant(_ x: Float) -> Tensor { Tensor(shape: [], storage: [x]) }
}
