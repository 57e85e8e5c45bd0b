import TesseraTensor

/// Rows picked by index, differentiable: an embedding lookup, a batch by index, `t[i]`.
extension Tape {
    /// The rows (first axis) of `a` at `indices`, which may have any shape: the result has
    /// shape indices.shape + the rows' shape. The pullback adds each row's gradient back
    /// at its index (an index picked twice gets both).
    public func gather(_ a: Variable, _ indices: IndexTensor) throws(TensorError) -> Variable {
        let shape = a.shape
        return record(try a.value.gather(indices), [a]) { g throws(TensorError) in
            let width = shape.dropFirst().reduce(1, *)
            let gv = g.storage
            var table = [Float](repeating: 0, count: shape.reduce(1, *))
            for (r, k) in indices.values.enumerated() {
                let from = r * width, to = Int(k) * width
                for j in 0..<width { table[to + j] += gv[from + j] }
            }
            return [Tensor(shape: shape, storage: table)]
        }
    }
}
