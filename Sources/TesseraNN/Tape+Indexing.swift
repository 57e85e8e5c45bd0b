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

/// Tensors joined, differentiable: `concat` and `stack` inside a gradient.
extension Tape {
    /// Tensors joined along an existing axis; each input's gradient is its slice of the
    /// output's gradient along that axis.
    public func concat(_ parts: [Variable], axis: Int = 0) throws(TensorError) -> Variable {
        let y = try Tensor.concat(parts.map(\.value), axis: axis)
        let shapes = parts.map(\.shape)
        let ax = axis < 0 ? axis + y.rank : axis
        return record(y, parts) { g throws(TensorError) in
            let outer = g.shape[..<ax].reduce(1, *), inner = g.shape[(ax + 1)...].reduce(1, *), joined = g.shape[ax]
            let gv = g.storage
            var offset = 0
            return shapes.map { shape in
                let length = shape[ax]
                var out = [Float]()
                out.reserveCapacity(outer * length * inner)
                for o in 0..<outer {
                    let start = (o * joined + offset) * inner
                    out.append(contentsOf: gv[start..<(start + length * inner)])
                }
                offset += length
                return Tensor(shape: shape, storage: out)
            }
        }
    }

    /// Positions `range` along `axis`; the gradient is the output's, placed back at those
    /// positions with zeros elsewhere.
    public func slice(_ a: Variable, axis: Int, _ range: Range<Int>) throws(TensorError) -> Variable {
        let y = try a.value.slice(axis: axis, range)
        let shape = a.shape
        let ax = axis < 0 ? axis + shape.count : axis
        return record(y, [a]) { g throws(TensorError) in
            let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *), length = shape[ax]
            let gv = g.storage
            var out = [Float](repeating: 0, count: shape.reduce(1, *))
            let width = range.count * inner
            for o in 0..<outer {
                let to = (o * length + range.lowerBound) * inner
                for j in 0..<width { out[to + j] = gv[o * width + j] }
            }
            return [Tensor(shape: shape, storage: out)]
        }
    }

    /// Tensors of one shape stacked along a new axis.
    public func stack(_ parts: [Variable], axis: Int = 0) throws(TensorError) -> Variable {
        guard let first = parts.first else { throw TensorError(.value, "stack needs at least one tensor") }
        for p in parts where p.shape != first.shape {
            throw TensorError(.shape, "stack needs tensors of one shape; got \(first.shape) and \(p.shape)")
        }
        let ax = axis < 0 ? axis + first.shape.count + 1 : axis
        guard ax >= 0 && ax <= first.shape.count else { throw TensorError(.value, "axis \(axis) does not exist for stacking tensors of rank \(first.shape.count)") }
        var expanded = first.shape
        expanded.insert(1, at: ax)
        return try concat(try parts.map { (p) throws(TensorError) in try reshape(p, expanded) }, axis: ax)
    }
}
