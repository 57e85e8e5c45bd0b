/// A tensor of Int32 indices: what argmax returns, and what gather, oneHot and embeddings
/// read. Indices stay exact at any size (a Float32 holds whole numbers exactly only up to
/// 2^24), and a value that is not an index cannot slip in.
public struct IndexTensor: Sendable, Equatable {
    public let shape: [Int]
    public var values: [Int32]

    public init(shape: [Int], values: [Int32]) {
        precondition(values.count == Tensor.elementCount(shape),
                     "\(values.count) indices do not fill a tensor of shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// The whole numbers of a Float32 tensor as indices; any other value is an error that
    /// names its position.
    public init(exactly t: Tensor) throws(TensorError) {
        let floats = t.storage
        var values = [Int32](repeating: 0, count: floats.count)
        for (i, v) in floats.enumerated() {
            guard v == v.rounded(), abs(v) <= 2_147_483_520 else {
                throw TensorError(.value, "value \(v) at position \(i) is not a whole number that fits an Int32 index")
            }
            values[i] = Int32(v)
        }
        self.init(shape: t.shape, values: values)
    }

    public var count: Int { values.count }
    public var rank: Int { shape.count }

    /// The indices as Float32 values, for arithmetic (as NumPy promotes int32 with float32).
    public var floats: Tensor { Tensor(shape: shape, storage: values.map { Float($0) }) }

    /// Checks every index is in 0..<bound, naming the first that is not.
    func check(below bound: Int, _ problem: (Int32, Int) -> String) throws(TensorError) {
        if let i = values.firstIndex(where: { $0 < 0 || Int($0) >= bound }) { throw TensorError(.value, problem(values[i], i)) }
    }
}

extension Tensor {
    /// The rows (first axis) at `indices`, which may have any shape: the result has shape
    /// indices.shape + the rows' shape (an embedding lookup, a batch by index).
    public func gather(_ indices: IndexTensor) throws(TensorError) -> Tensor {
        guard rank >= 1 else { throw .shape("gather needs a tensor with at least one dimension") }
        let n = shape[0]
        try indices.check(below: n) { "gather: index \($0) at position \($1) is out of range for a first dimension of \(n)" }
        let rows = try gather(indices.values.map { Int($0) })
        return rows.reshaped(indices.shape + Array(shape.dropFirst()))
    }

    /// One row per index with a 1 at the index: shape indices.shape + [classes].
    public static func oneHot(_ indices: IndexTensor, classes: Int) throws(TensorError) -> Tensor {
        guard classes > 0 else { throw TensorError(.value, "oneHot needs at least one class, got \(classes)") }
        try indices.check(below: classes) { "oneHot: value \($0) at position \($1) is not a class index in 0..<\(classes)" }
        try HostMemory.check(shape: indices.shape + [classes], what: "oneHot of \(indices.count) labels with \(classes) classes")
        var out = [Float](repeating: 0, count: indices.count * classes)
        for (r, k) in indices.values.enumerated() { out[r * classes + Int(k)] = 1 }
        return Tensor(shape: indices.shape + [classes], storage: out)
    }
}
