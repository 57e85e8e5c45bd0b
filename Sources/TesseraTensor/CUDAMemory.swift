import Synchronization

/// Device memory for the CUDA backend's tensors, reused instead of freed: a training step
/// asks for the same sizes every time, so after the first step it is served from the
/// pool and cuMemAlloc (which synchronizes the device) is not called again.
final class CUDAMemoryPool: @unchecked Sendable {
    private let driver: CUDADriver
    private struct State {
        var free: [Int: [UInt64]] = [:]
        var cachedBytes = 0
        var allocations = 0
        var reuses = 0
    }
    private let state = Mutex(State())

    init(driver: CUDADriver) { self.driver = driver }

    /// Sizes are rounded up to one of four classes per power of two, so a freed buffer
    /// serves requests a little smaller than itself (at most 25% is wasted).
    static func sizeClass(_ bytes: Int) -> Int {
        let b = Swift.max(bytes, 512)
        let step = 1 << Swift.max(0, (Int.bitWidth - 1 - b.leadingZeroBitCount) - 2)
        return (b + step - 1) / step * step
    }

    /// A device allocation of at least `bytes`; the caller's context is current.
    func allocate(_ bytes: Int) throws(TensorError) -> (pointer: UInt64, bytes: Int) {
        let size = Self.sizeClass(bytes)
        let reused = state.withLock { s -> UInt64? in
            guard var list = s.free[size], let p = list.popLast() else { return nil }
            s.free[size] = list
            s.cachedBytes -= size
            s.reuses += 1
            return p
        }
        if let reused { return (reused, size) }
        var pointer: UInt64 = 0
        var status = driver.cuMemAlloc(&pointer, size)
        if status == 2 {  // CUDA_ERROR_OUT_OF_MEMORY: give the cached buffers back and try again
            trim()
            status = driver.cuMemAlloc(&pointer, size)
        }
        if status == 2 {
            throw TensorError(.value, "the GPU is out of memory allocating \(size >> 20) MiB; use smaller batches or tensors, or free some (reassign variables that hold large tensors)")
        }
        try driver.check(status, "cuMemAlloc(\(size) bytes)")
        state.withLock { $0.allocations += 1 }
        return (pointer, size)
    }

    /// Returns a buffer to the pool (called from any thread, when its tensor is freed).
    func release(_ pointer: UInt64, bytes: Int) {
        state.withLock { s in
            s.free[bytes, default: []].append(pointer)
            s.cachedBytes += bytes
        }
    }

    /// Frees every cached buffer (the caller's context is current).
    func trim() {
        let all = state.withLock { s -> [UInt64] in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.cachedBytes = 0
            return all
        }
        for p in all { _ = driver.cuMemFree(p) }
    }

    /// How many times device memory was allocated, and how many requests the pool served.
    var statistics: (allocations: Int, reuses: Int, cachedBytes: Int) {
        state.withLock { ($0.allocations, $0.reuses, $0.cachedBytes) }
    }
}

/// A tensor's values in GPU memory. Device tensors are immutable, so the host copy is
/// made once, on first read, and kept.
final class CUDABuffer: DeviceStorage, @unchecked Sendable {
    let context: CUDAContext
    let pointer: UInt64
    let count: Int
    private let bytes: Int
    private let cached = Mutex<[Float]?>(nil)

    var deviceName: String { "cuda:0" }

    /// Uninitialized device memory for `count` floats (a kernel's output).
    init(context: CUDAContext, count: Int) throws(TensorError) {
        let (p, b) = try context.pool.allocate(Swift.max(1, count) * 4)
        self.context = context
        self.pointer = p
        self.bytes = b
        self.count = count
    }

    /// Device memory holding `values`.
    convenience init(context: CUDAContext, values: [Float]) throws(TensorError) {
        try self.init(context: context, count: values.count)
        if values.isEmpty { return }
        let status = values.withUnsafeBytes { context.driver.cuMemcpyHtoD(pointer, $0.baseAddress, $0.count) }
        try context.driver.check(status, "cuMemcpyHtoD")
    }

    deinit { context.pool.release(pointer, bytes: bytes) }

    func hostCopy() -> [Float] {
        cached.withLock { cached in
            if let cached { return cached }
            var values = [Float](repeating: 0, count: count)
            if count > 0 {
                // The copy waits for the kernels that write this buffer. A failure here is a
                // fault in earlier GPU work, which leaves the context unusable.
                let status: Int32
                do {
                    try context.activate()
                    status = values.withUnsafeMutableBytes { context.driver.cuMemcpyDtoH($0.baseAddress, pointer, $0.count) }
                } catch { fatalError("CUDA: \(error); the GPU context is lost, restart the kernel") }
                if status != 0 {
                    fatalError("CUDA: copying a tensor to the host failed: \(context.driver.message(status)); the GPU context is lost, restart the kernel")
                }
            }
            cached = values
            return values
        }
    }
}
