/// The GPU backend: cuBLAS for matrix products and Tessera's own kernels (compiled by
/// NVRTC, `CUDAKernels`) for the rest. Results stay in device memory; they reach the
/// host only when read. Inputs may live anywhere: a host tensor is copied up for the
/// operation, so `prepare` the tensors used again and again (weights) once.
public struct CUDABackend: Backend {
    let context: CUDAContext

    /// The backend on device 0, or an error that says why there is none (no libcuda, no
    /// GPU, no cuBLAS or NVRTC, kernels that do not compile).
    public init() throws(TensorError) { context = try CUDAContext.shared() }

    public var name: String { "cuda" }

    /// The CUDA C++ source of the backend's kernels, as NVRTC compiles it.
    public static var kernelSource: String { CUDAKernels.source }

    /// "NVIDIA H200 (sm_90), kernels compiled by NVRTC ...".
    public var description: String { "\(context.deviceName) (sm_\(context.capability)); kernels \(context.kernelOrigin)" }

    /// Device memory traffic so far: allocations made, and requests the pool served.
    public var memoryStatistics: (allocations: Int, reuses: Int, cachedBytes: Int) { context.pool.statistics }

    public func prepare(_ t: Tensor) throws(TensorError) -> Tensor {
        try context.activate()
        return Tensor(shape: t.shape, device: try buffer(t))
    }

    public func synchronize() throws(TensorError) { try context.synchronize() }

    /// The device buffer of `t`: its own when it already lives on this GPU, else a copy.
    func buffer(_ t: Tensor) throws(TensorError) -> CUDABuffer {
        if let d = t.device as? CUDABuffer, d.context === context { return d }
        return try CUDABuffer(context: context, values: t.storage)
    }

    func output(_ count: Int) throws(TensorError) -> CUDABuffer { try CUDABuffer(context: context, count: count) }

    // MARK: Ops

    public func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor {
        let plan = try MatmulShape.check(a.shape, b.shape, transpose)
        let (batch, m, n) = (plan.batch, plan.m, plan.n)
        let shape = MatmulShape.result(a.shape, b.shape, plan)
        if batch * m * n == 0 { return Tensor(shape: shape, storage: []) }
        try context.activate()
        let out = try output(batch * m * n)
        if plan.k == 0 {
            // An empty sum: zeros (not left to the library, which may read the output first).
            try context.driver.check(context.driver.cuMemsetD32(out.pointer, 0, out.count), "cuMemsetD32")
        } else {
            try context.sgemm(plan, a: try buffer(a), b: try buffer(b), c: out, transpose: transpose)
        }
        return Tensor(shape: shape, device: out)
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        let shape = try Broadcast.shape(a.shape, b.shape)
        let count = shape.reduce(1, *)
        if count == 0 { return Tensor(shape: shape, storage: []) }
        guard shape.count <= CUDAKernels.maxRank else { return try ReferenceBackend().binary(op, a, b) }
        try context.activate()
        let code = Int32(BinaryOp.allCases.firstIndex(of: op)!)
        let pa = try buffer(a), pb = try buffer(b), out = try output(count)
        if a.shape == b.shape {
            try context.launch("binary_same", count: count, [.int32(code), .int64(count), .buffer(pa), .buffer(pb), .buffer(out)])
        } else {
            let pad = [Int](repeating: 0, count: CUDAKernels.maxRank - shape.count)
            let geometry = [shape.count] + shape + pad + Broadcast.strides(of: a.shape, in: shape) + pad + Broadcast.strides(of: b.shape, in: shape) + pad
            try context.launch("binary_broadcast", count: count,
                               [.int32(code), .int64(count), .int64s(geometry), .buffer(pa), .buffer(pb), .buffer(out)])
        }
        return Tensor(shape: shape, device: out)
    }

    public func unary(_ op: UnaryOp, _ a: Tensor) throws(TensorError) -> Tensor {
        if a.count == 0 { return Tensor(shape: a.shape, storage: []) }
        try context.activate()
        let code = Int32(UnaryOp.allCases.firstIndex(of: op)!)
        let pa = try buffer(a), out = try output(a.count)
        try context.launch("unary_map", count: a.count, [.int32(code), .int64(a.count), .buffer(pa), .buffer(out)])
        return Tensor(shape: a.shape, device: out)
    }

    public func reduce(_ op: ReduceOp, _ a: Tensor, axis: Int?) throws(TensorError) -> Tensor {
        let (outer, size, inner, shape): (Int, Int, Int, [Int])
        if let axis {
            let ax = try resolve(axis, rank: a.rank)
            (outer, size, inner) = ReferenceBackend.split(a.shape, ax)
            var s = a.shape
            s.remove(at: ax)
            shape = s
        } else {
            (outer, size, inner, shape) = (1, a.count, 1, [])
        }
        // Empty reductions (zeros, or the reference's error) and empty results need no GPU.
        if size == 0 || outer * inner == 0 { return try ReferenceBackend().reduce(op, a, axis: axis) }
        try context.activate()
        let code = Int32(ReduceOp.allCases.firstIndex(of: op)!)
        let pa = try buffer(a), out = try output(outer * inner)
        if inner == 1 {
            let threads = Self.blockSize(size, most: axis == nil ? 1024 : 256)
            try context.launch("reduce_rows", count: outer, blocks: Swift.min(outer, 1 << 16), threads: threads, sharedBytes: threads * 8,
                               [.int32(code), .int64(outer), .int64(size), .buffer(pa), .buffer(out)])
        } else {
            try context.launch("reduce_strided", count: outer * inner,
                               [.int32(code), .int64(outer), .int64(size), .int64(inner), .buffer(pa), .buffer(out)])
        }
        return Tensor(shape: shape, device: out)
    }

    public func softmax(_ a: Tensor, axis: Int, log: Bool) throws(TensorError) -> Tensor {
        let ax = try resolve(axis, rank: a.rank)
        if a.count == 0 { return Tensor(shape: a.shape, storage: []) }
        let (outer, size, inner) = ReferenceBackend.split(a.shape, ax)
        try context.activate()
        let pa = try buffer(a), out = try output(a.count)
        if inner == 1 {
            let threads = Self.blockSize(size, most: 256)
            try context.launch("softmax_rows", count: outer, blocks: Swift.min(outer, 1 << 16), threads: threads, sharedBytes: threads * 8,
                               [.int32(log ? 1 : 0), .int64(outer), .int64(size), .buffer(pa), .buffer(out)])
        } else {
            try context.launch("softmax_strided", count: outer * inner,
                               [.int32(log ? 1 : 0), .int64(outer), .int64(size), .int64(inner), .buffer(pa), .buffer(out)])
        }
        return Tensor(shape: a.shape, device: out)
    }

    public func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> IndexTensor {
        let ax = try resolve(axis, rank: a.rank)
        let (outer, size, inner) = ReferenceBackend.split(a.shape, ax)
        if size == 0 || outer * inner == 0 { return try ReferenceBackend().argmax(a, axis: axis) }
        try context.activate()
        let pa = try buffer(a), out = try output(outer * inner)
        try context.launch("argmax_strided", count: outer * inner, [.int64(outer), .int64(size), .int64(inner), .buffer(pa), .buffer(out)])
        var shape = a.shape
        shape.remove(at: ax)
        // The kernel writes Int32s into the 4-byte slots; indices are read on the host
        // (metrics, labels), so they come back now, bit for bit.
        let bits = Tensor(shape: shape, device: out).storage
        return IndexTensor(shape: shape, values: bits.map { Int32(bitPattern: $0.bitPattern) })
    }

    public func broadcast(_ a: Tensor, to shape: [Int]) throws(TensorError) -> Tensor {
        try Broadcast.check(a.shape, to: shape)
        let count = shape.reduce(1, *)
        if count == 0 || shape.count > CUDAKernels.maxRank { return try ReferenceBackend().broadcast(a, to: shape) }
        // The broadcast kernel adding nothing: the geometry comes from the target shape, and
        // the second operand is read at offset 0 throughout.
        try context.activate()
        let pa = try buffer(a), zero = try buffer(Tensor(shape: [], storage: [0])), out = try output(count)
        let pad = [Int](repeating: 0, count: CUDAKernels.maxRank - shape.count)
        let geometry = [shape.count] + shape + pad + Broadcast.strides(of: a.shape, in: shape) + pad + [Int](repeating: 0, count: CUDAKernels.maxRank)
        try context.launch("binary_broadcast", count: count, [.int32(Int32(BinaryOp.allCases.firstIndex(of: .add)!)), .int64(count), .int64s(geometry),
                                                             .buffer(pa), .buffer(zero), .buffer(out)])
        return Tensor(shape: shape, device: out)
    }

    public func permute(_ a: Tensor, _ order: [Int]) throws(TensorError) -> Tensor {
        guard order.sorted() == Array(0..<a.rank) else { return try a.permuted(order) }  // the error, as on the host
        let shape = order.map { a.shape[$0] }
        if a.count == 0 || a.rank > CUDAKernels.maxRank { return try a.permuted(order) }
        var strides = [Int](repeating: 1, count: a.rank)
        for d in Swift.stride(from: a.rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * a.shape[d + 1] }
        let pad = [Int](repeating: 0, count: CUDAKernels.maxRank - a.rank)
        let geometry = [a.rank] + shape + pad + order.map { strides[$0] } + pad + [Int](repeating: 0, count: CUDAKernels.maxRank)
        try context.activate()
        let pa = try buffer(a), out = try output(a.count)
        try context.launch("permute_axes", count: a.count, [.int64(a.count), .int64s(geometry), .buffer(pa), .buffer(out)])
        return Tensor(shape: shape, device: out)
    }

    public func im2col(_ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try ReferenceBackend.image(x.shape, "im2col")
        let (oh, ow) = try window.output(h, w)
        try window.checkPatches(n, c, oh, ow, of: x.shape)
        let shape = [c * window.kernel.h * window.kernel.w, n * oh * ow]
        let count = shape[0] * shape[1]
        if count == 0 { return Tensor(shape: shape, storage: []) }
        try context.activate()
        let px = try buffer(x), out = try output(count)
        try context.launch("im2col", count: count, Self.geometry(n, c, h, w, oh, ow, window) + [.buffer(px), .buffer(out)])
        return Tensor(shape: shape, device: out)
    }

    public func col2im(_ cols: Tensor, image shape: [Int], _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try ReferenceBackend.columns(cols.shape, image: shape, window)
        let count = n * c * h * w
        if count == 0 { return Tensor(shape: shape, storage: []) }
        try context.activate()
        let pc = try buffer(cols), out = try output(count)
        try context.launch("col2im", count: count, Self.geometry(n, c, h, w, oh, ow, window) + [.buffer(pc), .buffer(out)])
        return Tensor(shape: shape, device: out)
    }

    public func pool(_ op: PoolOp, _ x: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w) = try ReferenceBackend.image(x.shape, "pool")
        let (oh, ow) = try window.output(h, w)
        try HostMemory.check(shape: [n, c, oh, ow], what: "pooling images of shape \(x.shape)")
        let shape = [n, c, oh, ow], count = n * c * oh * ow
        if count == 0 { return Tensor(shape: shape, storage: []) }
        try context.activate()
        let px = try buffer(x), out = try output(count)
        let (kh, kw) = window.kernel
        try context.launch("pool2d", count: count, [.int32(op == .average ? 1 : 0), .int64(n * c), .int64(h), .int64(w), .int64(oh), .int64(ow),
                                                    .int64(kh), .int64(kw), .int64(window.stride), .int64(window.padding),
                                                    .buffer(px), .buffer(out)])
        return Tensor(shape: shape, device: out)
    }

    public func poolGradient(_ op: PoolOp, _ x: Tensor, _ gradient: Tensor, _ window: Window) throws(TensorError) -> Tensor {
        let (n, c, h, w, oh, ow) = try ReferenceBackend.pooled(x.shape, gradient.shape, window)
        let count = n * c * h * w
        if count == 0 { return Tensor(shape: x.shape, storage: []) }
        try context.activate()
        let px = try buffer(x), pg = try buffer(gradient), out = try output(count)
        let (kh, kw) = window.kernel
        try context.launch("pool2d_gradient", count: count, [.int32(op == .average ? 1 : 0), .int64(n * c), .int64(h), .int64(w), .int64(oh), .int64(ow),
                                                             .int64(kh), .int64(kw), .int64(window.stride), .int64(window.padding),
                                                             .buffer(px), .buffer(pg), .buffer(out)])
        return Tensor(shape: x.shape, device: out)
    }

    // MARK: Launch shapes

    static func geometry(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ window: Window) -> [CUDAContext.Argument] {
        [.int64(n), .int64(c), .int64(h), .int64(w), .int64(oh), .int64(ow), .int64(window.kernel.h), .int64(window.kernel.w),
         .int64(window.stride), .int64(window.padding)]
    }

    /// Threads per block for a row of `size`: a power of two (the block reductions halve
    /// it), no more than the row needs, at least one warp.
    static func blockSize(_ size: Int, most: Int) -> Int {
        var t = 32
        while t < size && t < most { t *= 2 }
        return t
    }
}
