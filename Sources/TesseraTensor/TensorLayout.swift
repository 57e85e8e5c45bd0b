/// Operations that move values without computing new ones: the same on every backend,
/// so they live here once.
extension Tensor {
    /// The same values in another shape of the same count: no copy (host arrays are shared
    /// copy-on-write, device buffers by reference).
    public func reshaped(_ shape: [Int]) -> Tensor {
        precondition(Tensor.elementCount(shape) == count, "cannot reshape \(self.shape) into \(shape)")
        if let device { return Tensor(shape: shape, device: device) }
        return Tensor(shape: shape, storage: storage)
    }

    /// Tensors joined along an existing axis (all other dimensions equal).
    public static func concat(_ parts: [Tensor], axis: Int = 0) throws(TensorError) -> Tensor {
        guard let first = parts.first else { throw TensorError(.value, "concat needs at least one tensor") }
        let rank = first.rank
        let ax = axis < 0 ? axis + rank : axis
        guard rank > 0, ax >= 0, ax < rank else { throw TensorError(.value, "axis \(axis) does not exist for tensors of rank \(rank)") }
        for p in parts where p.rank != rank || (0..<rank).contains(where: { $0 != ax && p.shape[$0] != first.shape[$0] }) {
            throw .shape("concat along axis \(ax): shapes \(first.shape) and \(p.shape) differ outside that axis")
        }
        var shape = first.shape
        var joined = 0
        for p in parts {
            let (sum, overflow) = joined.addingReportingOverflow(p.shape[ax])
            guard !overflow else { throw TensorError(.memory, "concat of \(parts.count) tensors: the joined axis is longer than a 64-bit size can count") }
            joined = sum
        }
        shape[ax] = joined
        try HostMemory.check(shape: shape, what: "concat of \(parts.count) tensors into shape \(shape)")
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        var storage: [Float] = []
        storage.reserveCapacity(shape.reduce(1, *))
        let values = parts.map(\.storage)
        for o in 0..<outer {
            for (p, v) in zip(parts, values) {
                let run = p.shape[ax] * inner
                storage.append(contentsOf: v[(o * run)..<((o + 1) * run)])
            }
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Tensors of one shape stacked along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) throws(TensorError) -> Tensor {
        guard let first = parts.first else { throw TensorError(.value, "stack needs at least one tensor") }
        for p in parts where p.shape != first.shape {
            throw .shape("stack needs tensors of one shape; got \(first.shape) and \(p.shape)")
        }
        let ax = axis < 0 ? axis + first.rank + 1 : axis
        guard ax >= 0 && ax <= first.rank else { throw TensorError(.value, "axis \(axis) does not exist for stacking tensors of rank \(first.rank)") }
        var expanded = first.shape
        expanded.insert(1, at: ax)
        return try concat(parts.map { Tensor(shape: expanded, storage: $0.storage) }, axis: ax)
    }


    /// The rows (along the first axis) at `indices`, in that order.
    public func gather(_ indices: [Int]) throws(TensorError) -> Tensor {
        guard rank >= 1 else { throw .shape("gather needs a tensor with at least one dimension") }
        try HostMemory.check(shape: [indices.count] + shape.dropFirst(), what: "gathering \(indices.count) rows of a tensor of shape \(shape)")
        let n = shape[0], row = count / Swift.max(1, n)
        let values = storage
        var out: [Float] = []
        out.reserveCapacity(indices.count * row)
        for i in indices {
            guard i >= 0 && i < n else { throw TensorError(.value, "gather: index \(i) is out of range for a first dimension of \(n)") }
            out.append(contentsOf: values[(i * row)..<((i + 1) * row)])
        }
        return Tensor(shape: [indices.count] + shape.dropFirst(), storage: out)
    }

    /// Rows `range` of the first axis (a mini-batch).
    public func rows(_ range: Range<Int>) throws(TensorError) -> Tensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw .shape("rows \(range) are out of range for a first dimension of \(shape.first ?? 0)")
        }
        let row = count / Swift.max(1, shape[0])
        return Tensor(shape: [range.count] + shape.dropFirst(), storage: Array(storage[(range.lowerBound * row)..<(range.upperBound * row)]))
    }

    /// Positions `range` along `axis` (all of every other axis): the gates of a recurrent
    /// layer's joint projection, the queries of an attention's.
    public func slice(axis: Int, _ range: Range<Int>) throws(TensorError) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        guard ax >= 0 && ax < rank else { throw TensorError(.value, "axis \(axis) does not exist for a tensor of rank \(rank)") }
        guard range.lowerBound >= 0, range.upperBound <= shape[ax] else {
            throw .shape("positions \(range) are out of range for axis \(ax) of length \(shape[ax])")
        }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *), length = shape[ax]
        var newShape = shape
        newShape[ax] = range.count
        let values = storage
        var out = [Float]()
        out.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer {
            let start = (o * length + range.lowerBound) * inner
            out.append(contentsOf: values[start..<(start + range.count * inner)])
        }
        return Tensor(shape: newShape, storage: out)
    }

    /// The axes reordered: `permuted([1, 0])` transposes a matrix.
    public func permuted(_ order: [Int]) throws(TensorError) -> Tensor {
        guard order.sorted() == Array(0..<rank) else { throw TensorError(.value, "permuted(\(order)) must list each of the \(rank) axes once") }
        let newShape = order.map { shape[$0] }
        if let last = order.last, last == rank - 1, rank >= 2 {
            return permutedKeepingRows(order, newShape)
        }
        var oldStrides = [Int](repeating: 1, count: rank)
        for d in Swift.stride(from: rank - 2, through: 0, by: -1) { oldStrides[d] = oldStrides[d + 1] * shape[d + 1] }
        let values = storage
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        for e in 0..<count {
            var source = 0
            for d in 0..<rank { source += index[d] * oldStrides[order[d]] }
            out[e] = values[source]
            var d = rank - 1
            while d >= 0 { index[d] += 1; if index[d] < newShape[d] { break }; index[d] = 0; d -= 1 }
        }
        return Tensor(shape: newShape, storage: out)
    }

    /// When the last axis stays last, whole rows move: one copy per row instead of an
    /// index computation per element (a convolution's [filters, n, P] → [n, filters, P]).
    private func permutedKeepingRows(_ order: [Int], _ newShape: [Int]) -> Tensor {
        let width = shape[rank - 1], rows = count / Swift.max(1, width)
        var oldStrides = [Int](repeating: width, count: rank - 1)
        for d in Swift.stride(from: rank - 3, through: 0, by: -1) { oldStrides[d] = oldStrides[d + 1] * shape[d + 1] }
        var out = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        let values = storage
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var index = [Int](repeating: 0, count: rank - 1)
                for r in 0..<rows {
                    var source = 0
                    for d in 0..<(rank - 1) { source += index[d] * oldStrides[order[d]] }
                    (dst.baseAddress! + r * width).update(from: src.baseAddress! + source, count: width)
                    var d = rank - 2
                    while d >= 0 { index[d] += 1; if index[d] < newShape[d] { break }; index[d] = 0; d -= 1 }
                }
            }
        }
        return Tensor(shape: newShape, storage: out)
    }
}
