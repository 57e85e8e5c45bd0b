import TesseraTensor

/// Sums, means and reshapes, differentiable.
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
        let n = axis.map { shape[$0 < 0 ? $0 + shape.count : $0] } ?? shape.reduce(1, *)
        return record(try backend.reduce(.mean, a.value, axis: axis), [a]) { [self] g throws(TensorError) in
            [try spread(g, over: shape, axis: axis, scale: 1 / Float(Swift.max(1, n)))]
        }
    }

    public func reshape(_ a: Variable, _ shape: [Int]) throws(TensorError) -> Variable {
        guard Tensor.elementCount(shape) == a.value.count else {
            throw TensorError(.shape, "cannot reshape \(a.shape) (\(a.value.count) values) into \(shape)")
        }
        let old = a.shape
        return record(a.value.reshaped(shape), [a]) { g throws(TensorError) in [g.reshaped(old)] }
    }

    /// A reduction's gradient copied back over the reduced elements.
    func spread(_ g: Tensor, over shape: [Int], axis: Int?, scale: Float) throws(TensorError) -> Tensor {
        var kept = shape
        if let axis { kept[axis < 0 ? axis + shape.count : axis] = 1 } else { kept = shape.map { _ in 1 } }
        let scaled = scale == 1 ? g.reshaped(kept) : try backend.binary(.multiply, g.reshaped(kept), Tape.constant(scale))
        return try backend.broadcast(scaled, to: shape)
    }
}
