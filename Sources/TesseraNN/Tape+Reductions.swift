import TesseraTensor

/// Reductions (sum, mean, max, min, variance) and reshapes, differentiable.
extension Tape {
    /// The sum of every element (axis nil) or along one axis (removed).
    public func sum(_ a: Variable, axis: Int? = nil) throws(TensorError) -> Variable {
        let shape = a.shape
        return record(try backend.reduce(.sum, a.value, axis: axis), [a]) { [self] g throws(TensorError) in
            [try spread(g, over: shape, axis: axis, scale: 1)]
        }
    }

    /// The mean of every element (axis nil) or along one axis (removed).
    public func mean(_ a: Variable, axis: Int? = nil) throws(TensorError) -> Variable {
        let shape = a.shape
        // Reduced first: the backend checks the axis before it is used as an index here.
        let y = try backend.reduce(.mean, a.value, axis: axis)
        let n = axis.map { shape[$0 < 0 ? $0 + shape.count : $0] } ?? shape.reduce(1, *)
        return record(y, [a]) { [self] g throws(TensorError) in
            [try spread(g, over: shape, axis: axis, scale: 1 / Float(Swift.max(1, n)))]
        }
    }

    /// The largest (or smallest) element, overall or along one axis (removed). The gradient
    /// goes to the elements equal to it, shared evenly among ties (as PyTorch's amax does).
    public func extreme(_ a: Variable, max: Bool, axis: Int? = nil) throws(TensorError) -> Variable {
        let x = a.value
        let y = try backend.reduce(max ? .max : .min, x, axis: axis)
        return record(y, [a]) { [self] g throws(TensorError) in
            let kept = keptShape(x.shape, axis: axis)
            let mask = try backend.binary(.equal, x, y.reshaped(kept))
            let ties = try backend.reduce(.sum, mask, axis: axis).reshaped(kept)
            let share = try backend.binary(.divide, g.reshaped(kept), ties)
            return [try backend.binary(.multiply, mask, share)]
        }
    }

    /// The population variance (divided by n, as ReduceOp.variance and NumPy's var), overall
    /// or along one axis: d/dx = 2 (x - mean) / n.
    public func variance(_ a: Variable, axis: Int? = nil) throws(TensorError) -> Variable {
        let x = a.value
        let y = try backend.reduce(.variance, x, axis: axis)
        let n = axis.map { x.shape[$0 < 0 ? $0 + x.rank : $0] } ?? x.count
        return record(y, [a]) { [self] g throws(TensorError) in
            let kept = keptShape(x.shape, axis: axis)
            let centred = try backend.binary(.subtract, x, try backend.reduce(.mean, x, axis: axis).reshaped(kept))
            let scale = try backend.binary(.multiply, g.reshaped(kept), Tape.constant(2 / Float(Swift.max(1, n))))
            return [try backend.binary(.multiply, centred, scale)]
        }
    }

    public func reshape(_ a: Variable, _ shape: [Int]) throws(TensorError) -> Variable {
        guard Tensor.elementCount(shape) == a.value.count else {
            throw TensorError(.shape, "cannot reshape \(a.shape) (\(a.value.count) values) into \(shape)")
        }
        let old = a.shape
        return record(a.value.reshaped(shape), [a]) { g throws(TensorError) in [g.reshaped(old)] }
    }

    /// `shape` with the reduced axis (or every axis) kept as 1, so a reduction broadcasts back.
    func keptShape(_ shape: [Int], axis: Int?) -> [Int] {
        var kept = shape
        if let axis { kept[axis < 0 ? axis + shape.count : axis] = 1 } else { kept = shape.map { _ in 1 } }
        return kept
    }

    /// A reduction's gradient copied back over the reduced elements.
    func spread(_ g: Tensor, over shape: [Int], axis: Int?, scale: Float) throws(TensorError) -> Tensor {
        let kept = keptShape(shape, axis: axis)
        let scaled = scale == 1 ? g.reshaped(kept) : try backend.binary(.multiply, g.reshaped(kept), Tape.constant(scale))
        return try backend.broadcast(scaled, to: shape)
    }
}
