import Foundation
import Synchronization

/// The process's one CUDA device context: the loaded libraries, device 0's primary
/// context, the compiled kernels, a cuBLAS handle and the memory pool. Made on first use
/// of `backend("cuda")`; everything about it that can fail fails there, with the reason.
final class CUDAContext: @unchecked Sendable {
    let driver: CUDADriver
    let blas: CUBLAS
    let deviceName: String
    let capability: Int
    private let context: OpaquePointer?
    private let functions: [String: OpaquePointer?]
    private let blasHandle: OpaquePointer?
    /// How the kernels were obtained: "compiled by NVRTC 12.9 for sm_90 in 0.8 s" or "from the cache".
    let kernelOrigin: String
    let pool: CUDAMemoryPool

    private static let made = Mutex<Result<CUDAContext, TensorError>?>(nil)

    /// The shared context, made once; a failure is remembered, so every later call says
    /// the same thing at no cost.
    static func shared() throws(TensorError) -> CUDAContext {
        let result = made.withLock { made -> Result<CUDAContext, TensorError> in
            if let made { return made }
            let r: Result<CUDAContext, TensorError>
            do { r = .success(try CUDAContext()) } catch let e as TensorError { r = .failure(e) } catch { r = .failure(TensorError(.unavailable, "\(error)")) }
            made = r
            return r
        }
        return try result.get()
    }

    private init() throws(TensorError) {
        driver = try CUDADriver()
        try driver.check(driver.cuInit(0), "cuInit")
        var count: Int32 = 0
        try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard count > 0 else { throw TensorError(.unavailable, "the CUDA driver (\(driver.library)) found no GPU") }
        var device: Int32 = 0
        try driver.check(driver.cuDeviceGet(&device, 0), "cuDeviceGet")
        var name = [CChar](repeating: 0, count: 256)
        _ = driver.cuDeviceGetName(&name, 256, device)
        deviceName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var major: Int32 = 0, minor: Int32 = 0
        // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.
        _ = driver.cuDeviceGetAttribute(&major, 75, device)
        _ = driver.cuDeviceGetAttribute(&minor, 76, device)
        capability = Int(major * 10 + minor)
        var ctx: OpaquePointer?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&ctx, device), "cuDevicePrimaryCtxRetain")
        context = ctx
        try driver.check(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")

        let nvrtc = try NVRTC()
        let (image, origin) = try Self.kernelImage(nvrtc, capability: capability)
        kernelOrigin = origin
        var module: OpaquePointer?
        let load = driver.cuModuleLoadData
        let loaded = image.withUnsafeBytes { load(&module, $0.baseAddress!) }
        try driver.check(loaded, "cuModuleLoadData (the kernels \(origin))")
        var found: [String: OpaquePointer?] = [:]
        for kernel in CUDAKernels.names {
            var function: OpaquePointer?
            try driver.check(driver.cuModuleGetFunction(&function, module, kernel), "cuModuleGetFunction(\(kernel))")
            found[kernel] = function
        }
        functions = found

        blas = try CUBLAS()
        var handle: OpaquePointer?
        try blas.check(blas.cublasCreate(&handle), "cublasCreate")
        blasHandle = handle
        pool = CUDAMemoryPool(driver: driver)
    }

    // MARK: Kernels

    /// Compiled kernels for a device of `capability` (90 for sm_90): machine code when
    /// NVRTC knows the architecture (no JIT, and no driver-version limit on PTX), else PTX
    /// for the newest architecture it knows below it. Kept on disk, keyed by the source,
    /// the target and NVRTC's version, so later sessions start without compiling.
    static func kernelImage(_ nvrtc: NVRTC, capability: Int) throws(TensorError) -> ([UInt8], String) {
        let supported = nvrtc.supportedArchitectures
        let (arch, output): (Int, NVRTC.Output) = supported.contains(capability)
            ? (capability, .cubin) : ((supported.filter { $0 <= capability }.max() ?? 52), .ptx)
        let source = CUDAKernels.source
        let key = Self.fnv1a(source + "|\(arch)|\(output)|\(nvrtc.version)")
        let cache = Self.cacheFolder.appendingPathComponent("kernels-\(String(key, radix: 16)).\(output == .cubin ? "cubin" : "ptx")")
        if let data = try? Data(contentsOf: cache), !data.isEmpty {
            return ([UInt8](data), "from the cache (\(cache.path))")
        }
        let start = Date()
        let image = try nvrtc.compile(source, name: "tessera_kernels.cu", arch: arch, output: output)
        let seconds = Date().timeIntervalSince(start)
        try? FileManager.default.createDirectory(at: Self.cacheFolder, withIntermediateDirectories: true)
        let temporary = cache.appendingPathExtension("tmp-\(getpid())")
        if (try? Data(image).write(to: temporary)) != nil { _ = rename(temporary.path, cache.path) }
        let target = output == .cubin ? "sm_\(arch)" : "compute_\(arch) PTX"
        return (image, "compiled by NVRTC \(nvrtc.version) for \(target) in \(String(format: "%.2f", seconds)) s")
    }

    static var cacheFolder: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".cache")
        return base.appendingPathComponent("tessera/cuda")
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// A kernel argument, passed to cuLaunchKernel by address. A buffer is held (not only
    /// its address) so it cannot go back to the pool, and be handed out again, before the
    /// launch is queued: Swift may release a local after its last use, not at scope end.
    enum Argument {
        case int32(Int32), int64(Int), buffer(CUDABuffer), int64s([Int])
    }

    /// Makes this context current on the calling thread (cells run on the kernel's worker
    /// thread, tests on theirs); cheap, so every operation does it.
    func activate() throws(TensorError) {
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
    }

    /// Launches `kernel` over `count` items with a grid-stride loop, or with `blocks`
    /// blocks when given (one block per row kernels).
    func launch(_ kernel: String, count: Int, blocks: Int? = nil, threads: Int = 256, sharedBytes: Int = 0, _ arguments: [Argument]) throws(TensorError) {
        guard let function = functions[kernel] else { throw TensorError(.value, "no CUDA kernel named \(kernel)") }
        let grid = blocks ?? Swift.min(Swift.max(1, (count + threads - 1) / threads), 1 << 20)
        var storage: [UnsafeMutableRawPointer] = []
        defer { storage.forEach { $0.deallocate() } }
        for a in arguments {
            switch a {
            case .int32(let v):
                let p = UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 4); p.storeBytes(of: v, as: Int32.self); storage.append(p)
            case .int64(let v):
                let p = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8); p.storeBytes(of: Int64(v), as: Int64.self); storage.append(p)
            case .buffer(let b):
                let p = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8); p.storeBytes(of: b.pointer, as: UInt64.self); storage.append(p)
            case .int64s(let vs):
                let p = UnsafeMutableRawPointer.allocate(byteCount: 8 * Swift.max(1, vs.count), alignment: 8)
                for (i, v) in vs.enumerated() { p.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) }
                storage.append(p)
            }
        }
        var pointers: [UnsafeMutableRawPointer?] = storage
        let status = withExtendedLifetime(arguments) {
            driver.cuLaunchKernel(function, UInt32(grid), 1, 1, UInt32(threads), 1, 1, UInt32(sharedBytes), nil, &pointers, nil)
        }
        try driver.check(status, "cuLaunchKernel(\(kernel))")
    }

    /// Row-major C[m, n] = op(A) op(B), for `batch` matrices laid end to end. cuBLAS is
    /// column-major, and a row-major matrix is its transpose there, so it computes
    /// Cᵀ = op(B)ᵀ op(A)ᵀ: the operands swap, nothing is copied.
    func sgemm(_ plan: MatmulShape.Plan, a: CUDABuffer, b: CUDABuffer, c: CUDABuffer, transpose: Transpose) throws(TensorError) {
        try withExtendedLifetime((a, b, c)) { () throws(TensorError) in
            try sgemm(plan, a: a.pointer, b: b.pointer, c: c.pointer, transpose: transpose)
        }
    }

    private func sgemm(_ plan: MatmulShape.Plan, a: UInt64, b: UInt64, c: UInt64, transpose: Transpose) throws(TensorError) {
        let (batch, m, k, n) = (plan.batch, plan.m, plan.k, plan.n)
        var one: Float = 1, zero: Float = 0
        let pa = UnsafeRawPointer(bitPattern: UInt(a)), pb = UnsafeRawPointer(bitPattern: UInt(b))
        let pc = UnsafeMutableRawPointer(bitPattern: UInt(c))
        let (lda, ldb) = MatmulShape.leading(m: m, k: k, n: n, transpose)
        let (opA, opB): (Int32, Int32) = (transpose.a ? 1 : 0, transpose.b ? 1 : 0)  // CUBLAS_OP_N, CUBLAS_OP_T
        let status: Int32
        if batch == 1 {
            status = blas.cublasSgemm(blasHandle, opB, opA, Int32(n), Int32(m), Int32(k), &one, pb, Int32(ldb), pa, Int32(lda), &zero, pc, Int32(n))
        } else {
            // A stride of 0 uses one matrix against every matrix of the other operand's batch.
            status = blas.cublasSgemmStridedBatched(blasHandle, opB, opA, Int32(n), Int32(m), Int32(k), &one, pb, Int32(ldb), Int64(plan.strideB),
                                                    pa, Int32(lda), Int64(plan.strideA), &zero, pc, Int32(n), Int64(m * n), Int32(batch))
        }
        try blas.check(status, batch == 1 ? "cublasSgemm" : "cublasSgemmStridedBatched")
    }

    /// Waits for the queued work (for timing, and to surface a kernel's failure here).
    func synchronize() throws(TensorError) {
        try activate()
        try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize")
    }
}
