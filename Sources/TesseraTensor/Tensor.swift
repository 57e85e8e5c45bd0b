/// A dense Float32 tensor in row-major order: the shape and the values. This is the form
/// data takes on its way to training; the backends that compute on tensors build on it.
///
/// The values live either in host memory or, for a GPU backend's results, in a
/// device's memory (`device`); a device tensor is copied to the host only when its
/// `storage` is read (to print it, or to hand it to another backend), and once.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    private var host: [Float]
    /// Where the values live when they are not on the host.
    public private(set) var device: (any DeviceStorage)?

    /// A tensor of `shape` holding `storage` (row-major; its count must be the shape's product).
    public init(shape: [Int], storage: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "a tensor's dimensions cannot be negative: \(shape)")
        precondition(storage.count == Tensor.elementCount(shape), "\(storage.count) values do not fill a tensor of shape \(shape)")
        self.shape = shape
        self.host = storage
        self.device = nil
    }

    /// A tensor whose values are in a device's memory.
    public init(shape: [Int], device: any DeviceStorage) {
        precondition(device.count == Tensor.elementCount(shape), "\(device.count) device values do not fill a tensor of shape \(shape)")
        self.shape = shape
        self.host = []
        self.device = device
    }

    /// A tensor of zeros; the shape must be one `HostMemory.check(shape:)` accepts.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: [Float](repeating: 0, count: Tensor.elementCount(shape) ?? 0))
    }

    /// The most dimensions a tensor made from user input may have.
    public static let largestRank = 64

    /// The number of values a tensor of `shape` holds (0 when any dimension is 0); nil when
    /// a dimension is negative or the product of the non-zero dimensions overflows. Every
    /// shape a tensor has passes this, so products of its dimensions never overflow, even
    /// for an empty tensor's strides and row counts.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1, empty = false
        for d in shape {
            guard d >= 0 else { return nil }
            if d == 0 { empty = true; continue }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return empty ? 0 : n
    }

    /// The values in host memory, copied from the device first if they live there.
    public var storage: [Float] {
        get { device?.hostCopy() ?? host }
        set {
            precondition(newValue.count == count, "\(newValue.count) values do not fill a tensor of shape \(shape)")
            host = newValue
            device = nil
        }
        _modify {
            if let device { host = device.hostCopy(); self.device = nil }
            yield &host
        }
    }

    /// The number of values (a tensor's shape always has one; see `elementCount`).
    public var count: Int { Tensor.elementCount(shape) ?? 0 }
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

    public static func == (a: Tensor, b: Tensor) -> Bool { a.shape == b.shape && a.storage == b.storage }
}

/// Values held in a device's memory (a GPU buffer). Device tensors are immutable, so the
/// host copy, once made, stays valid.
public protocol DeviceStorage: AnyObject, Sendable {
    /// The device's name, as `devices()` lists it ("cuda:0").
    var deviceName: String { get }
    /// The number of Float32 values.
    var count: Int { get }
    /// The values copied to host memory (made once, then kept).
    func hostCopy() -> [Float]
}
