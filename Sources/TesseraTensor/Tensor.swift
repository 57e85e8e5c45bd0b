/// A dense Float32 tensor in row-major order: the shape and the values. This is the form
/// data takes on its way to training; the backends that compute on tensors build on it.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public var storage: [Float]

    /// A tensor of `shape` holding `storage` (row-major; its count must be the shape's product).
    public init(shape: [Int], storage: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "a tensor's dimensions cannot be negative: \(shape)")
        precondition(storage.count == shape.reduce(1, *), "\(storage.count) values do not fill a tensor of shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// The element at a full index (one coordinate per dimension).
    public subscript(_ index: Int...) -> Float {
        get { storage[offset(index)] }
        set { storage[offset(index)] = newValue }
    }

    func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) has \(index.count) coordinates; the tensor has \(shape.count) dimensions")
        var o = 0
        for (i, (x, n)) in zip(index, shape).enumerated() {
            precondition(x >= 0 && x < n, "index \(x) is out of range for dimension \(i) of size \(n)")
            o = o * n + x
        }
        return o
    }
}
