import Foundation

/// Finds and opens NVIDIA's shared libraries at run time, so Tessera builds, tests and
/// runs on machines without CUDA and uses a GPU where one is present.
///
/// A library is looked for in the folders of `TESSERA_CUDA_LIBRARY_PATH` (colon-separated),
/// then by the dynamic loader's own search (LD_LIBRARY_PATH, ldconfig), then in
/// /usr/local/cuda. Each name is tried newest version first.
enum CUDALibraries {
    /// The CUDA versions whose libraries are tried, newest first.
    static let versions = ["13", "12", "11"]

    /// The first of `names` that opens, or an error naming what was tried and where.
    static func open(_ stem: String, names: [String]? = nil) throws(TensorError) -> (handle: UnsafeMutableRawPointer, name: String) {
        let candidates = names ?? (versions.map { "\(stem).so.\($0)" } + ["\(stem).so"])
        let env = ProcessInfo.processInfo.environment["TESSERA_CUDA_LIBRARY_PATH"] ?? ""
        let folders = env.split(separator: ":").map(String.init) + [""] + ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"]
        var errors: [String] = []
        for folder in folders {
            for name in candidates {
                let path = folder.isEmpty ? name : folder + "/" + name
                if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) { return (handle, path) }
                if !folder.isEmpty && !FileManager.default.fileExists(atPath: path) { continue }
                if let e = dlerror() { errors.append(String(cString: e)) }
            }
        }
        let detail = errors.first(where: { !$0.contains("No such file") && !$0.contains("cannot open shared object") }).map { " (\($0))" } ?? ""
        throw TensorError(.unavailable, "\(candidates.first!) could not be loaded\(detail): tried \(candidates.joined(separator: ", ")); "
                          + "set TESSERA_CUDA_LIBRARY_PATH to the folder that holds it")
    }

    /// A C function of a loaded library, cast to its Swift type.
    static func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, in library: String, as type: T.Type) throws(TensorError) -> T {
        guard let s = dlsym(handle, name) else {
            throw TensorError(.unavailable, "\(library) has no function \(name): the library is too old for Tessera's CUDA backend (CUDA 11.1 or later is needed)")
        }
        return unsafeBitCast(s, to: type)
    }
}

/// The CUDA driver API (libcuda): devices, contexts, memory, modules and kernel launches.
/// The driver, not the runtime, loads NVRTC's compiled kernels, as NVRTC's own examples do.
struct CUDADriver: @unchecked Sendable {
    typealias Status = Int32
    let library: String
    let cuInit: @convention(c) (UInt32) -> Status
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Status
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Status
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Status
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Status
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, Int32) -> Status
    let cuCtxSetCurrent: @convention(c) (OpaquePointer?) -> Status
    let cuCtxSynchronize: @convention(c) () -> Status
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Status
    let cuMemFree: @convention(c) (UInt64) -> Status
    let cuMemcpyHtoD: @convention(c) (UInt64, UnsafeRawPointer?, Int) -> Status
    let cuMemcpyDtoH: @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> Status
    let cuMemsetD32: @convention(c) (UInt64, UInt32, Int) -> Status
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafeRawPointer) -> Status
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, OpaquePointer?, UnsafePointer<CChar>) -> Status
    let cuLaunchKernel: @convention(c) (OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Status
    let cuGetErrorString: @convention(c) (Status, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Status

    init() throws(TensorError) {
        let h: UnsafeMutableRawPointer, name: String
        do { (h, name) = try CUDALibraries.open("libcuda", names: ["libcuda.so.1", "libcuda.so"]) } catch {
            throw TensorError(.unavailable, "no NVIDIA driver on this machine (\(error.message))")
        }
        func f<T>(_ symbol: String, _ type: T.Type) throws(TensorError) -> T { try CUDALibraries.symbol(h, symbol, in: name, as: type) }
        library = name
        cuInit = try f("cuInit", type(of: cuInit))
        cuDeviceGetCount = try f("cuDeviceGetCount", type(of: cuDeviceGetCount))
        cuDeviceGet = try f("cuDeviceGet", type(of: cuDeviceGet))
        cuDeviceGetName = try f("cuDeviceGetName", type(of: cuDeviceGetName))
        cuDeviceGetAttribute = try f("cuDeviceGetAttribute", type(of: cuDeviceGetAttribute))
        cuDevicePrimaryCtxRetain = try f("cuDevicePrimaryCtxRetain", type(of: cuDevicePrimaryCtxRetain))
        cuCtxSetCurrent = try f("cuCtxSetCurrent", type(of: cuCtxSetCurrent))
        cuCtxSynchronize = try f("cuCtxSynchronize", type(of: cuCtxSynchronize))
        // The _v2 names are what cuda.h's macros resolve to (64-bit sizes and pointers).
        cuMemAlloc = try f("cuMemAlloc_v2", type(of: cuMemAlloc))
        cuMemFree = try f("cuMemFree_v2", type(of: cuMemFree))
        cuMemcpyHtoD = try f("cuMemcpyHtoD_v2", type(of: cuMemcpyHtoD))
        cuMemcpyDtoH = try f("cuMemcpyDtoH_v2", type(of: cuMemcpyDtoH))
        cuMemsetD32 = try f("cuMemsetD32_v2", type(of: cuMemsetD32))
        cuModuleLoadData = try f("cuModuleLoadData", type(of: cuModuleLoadData))
        cuModuleGetFunction = try f("cuModuleGetFunction", type(of: cuModuleGetFunction))
        cuLaunchKernel = try f("cuLaunchKernel", type(of: cuLaunchKernel))
        cuGetErrorString = try f("cuGetErrorString", type(of: cuGetErrorString))
    }

    /// Throws unless `status` is CUDA_SUCCESS, naming the call and the driver's reason.
    func check(_ status: Status, _ call: String) throws(TensorError) {
        guard status != 0 else { return }
        throw TensorError(.value, "CUDA \(call) failed: \(message(status))")
    }

    func message(_ status: Status) -> String {
        var text: UnsafePointer<CChar>?
        _ = cuGetErrorString(status, &text)
        return (text.map { String(cString: $0) } ?? "unknown error") + " (CUresult \(status))"
    }
}

/// cuBLAS (libcublas): single-precision matrix products on the GPU.
struct CUBLAS: @unchecked Sendable {
    typealias Status = Int32
    let library: String
    let cublasCreate: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Status
    let cublasSgemm: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>, UnsafeRawPointer?, Int32,
                                     UnsafeRawPointer?, Int32, UnsafePointer<Float>, UnsafeMutableRawPointer?, Int32) -> Status
    let cublasSgemmStridedBatched: @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>,
                                                   UnsafeRawPointer?, Int32, Int64, UnsafeRawPointer?, Int32, Int64,
                                                   UnsafePointer<Float>, UnsafeMutableRawPointer?, Int32, Int64, Int32) -> Status

    init() throws(TensorError) {
        let (h, name) = try CUDALibraries.open("libcublas")
        func f<T>(_ symbol: String, _ type: T.Type) throws(TensorError) -> T { try CUDALibraries.symbol(h, symbol, in: name, as: type) }
        library = name
        cublasCreate = try f("cublasCreate_v2", type(of: cublasCreate))
        cublasSgemm = try f("cublasSgemm_v2", type(of: cublasSgemm))
        cublasSgemmStridedBatched = try f("cublasSgemmStridedBatched", type(of: cublasSgemmStridedBatched))
    }

    func check(_ status: Status, _ call: String) throws(TensorError) {
        guard status != 0 else { return }
        // cublasStatus_t values, from cublas_api.h.
        let names: [Int32: String] = [1: "NOT_INITIALIZED", 3: "ALLOC_FAILED", 7: "INVALID_VALUE", 8: "ARCH_MISMATCH",
                                      11: "MAPPING_ERROR", 13: "EXECUTION_FAILED", 14: "INTERNAL_ERROR", 15: "NOT_SUPPORTED"]
        throw TensorError(.value, "cuBLAS \(call) failed: CUBLAS_STATUS_\(names[status] ?? "\(status)")")
    }
}

/// NVRTC (libnvrtc): compiles CUDA C++ source to GPU code at run time. It needs no GPU,
/// so the kernels' source is compiled and checked on any machine that has the library.
public struct NVRTC: @unchecked Sendable {
    typealias Status = Int32
    public let library: String
    let nvrtcVersion: @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Status
    let nvrtcGetNumSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>) -> Status
    let nvrtcGetSupportedArchs: @convention(c) (UnsafeMutablePointer<Int32>) -> Status
    let nvrtcCreateProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                            UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Status
    let nvrtcCompileProgram: @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Status
    let nvrtcGetProgramLogSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Status
    let nvrtcGetProgramLog: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Status
    let nvrtcGetPTXSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Status
    let nvrtcGetPTX: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Status
    let nvrtcGetCUBINSize: @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Status
    let nvrtcGetCUBIN: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Status
    let nvrtcDestroyProgram: @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Status
    let nvrtcGetErrorString: @convention(c) (Status) -> UnsafePointer<CChar>

    /// Loads libnvrtc, or says why it cannot.
    public init() throws(TensorError) {
        let (h, name) = try CUDALibraries.open("libnvrtc")
        func f<T>(_ symbol: String, _ type: T.Type) throws(TensorError) -> T { try CUDALibraries.symbol(h, symbol, in: name, as: type) }
        library = name
        nvrtcVersion = try f("nvrtcVersion", type(of: nvrtcVersion))
        nvrtcGetNumSupportedArchs = try f("nvrtcGetNumSupportedArchs", type(of: nvrtcGetNumSupportedArchs))
        nvrtcGetSupportedArchs = try f("nvrtcGetSupportedArchs", type(of: nvrtcGetSupportedArchs))
        nvrtcCreateProgram = try f("nvrtcCreateProgram", type(of: nvrtcCreateProgram))
        nvrtcCompileProgram = try f("nvrtcCompileProgram", type(of: nvrtcCompileProgram))
        nvrtcGetProgramLogSize = try f("nvrtcGetProgramLogSize", type(of: nvrtcGetProgramLogSize))
        nvrtcGetProgramLog = try f("nvrtcGetProgramLog", type(of: nvrtcGetProgramLog))
        nvrtcGetPTXSize = try f("nvrtcGetPTXSize", type(of: nvrtcGetPTXSize))
        nvrtcGetPTX = try f("nvrtcGetPTX", type(of: nvrtcGetPTX))
        nvrtcGetCUBINSize = try f("nvrtcGetCUBINSize", type(of: nvrtcGetCUBINSize))
        nvrtcGetCUBIN = try f("nvrtcGetCUBIN", type(of: nvrtcGetCUBIN))
        nvrtcDestroyProgram = try f("nvrtcDestroyProgram", type(of: nvrtcDestroyProgram))
        nvrtcGetErrorString = try f("nvrtcGetErrorString", type(of: nvrtcGetErrorString))
    }

    /// "12.9".
    public var version: String {
        var major: Int32 = 0, minor: Int32 = 0
        _ = nvrtcVersion(&major, &minor)
        return "\(major).\(minor)"
    }

    /// The real architectures (sm_XY as XY) this NVRTC can make machine code for.
    public var supportedArchitectures: [Int] {
        var n: Int32 = 0
        guard nvrtcGetNumSupportedArchs(&n) == 0, n > 0 else { return [] }
        var archs = [Int32](repeating: 0, count: Int(n))
        guard nvrtcGetSupportedArchs(&archs) == 0 else { return [] }
        return archs.map(Int.init)
    }

    /// What a compilation gives: machine code for one GPU architecture (cubin), or PTX
    /// that the driver compiles for the GPU it runs on.
    public enum Output: Sendable { case cubin, ptx }

    /// Compiles `source` for the architecture `arch` (90 for sm_90). Returns the image to
    /// hand to cuModuleLoadData (PTX ends with a NUL, as the driver expects).
    public func compile(_ source: String, name: String, arch: Int, output: Output) throws(TensorError) -> [UInt8] {
        var program: OpaquePointer?
        try check(nvrtcCreateProgram(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = nvrtcDestroyProgram(&program) }
        let options = [output == .cubin ? "--gpu-architecture=sm_\(arch)" : "--gpu-architecture=compute_\(arch)"]
        let cOptions = options.map { strdup($0) }
        defer { cOptions.forEach { free($0) } }
        let status = cOptions.map { UnsafePointer($0) }.withUnsafeBufferPointer { nvrtcCompileProgram(program, Int32($0.count), $0.baseAddress) }
        if status != 0 {
            var size = 0
            _ = nvrtcGetProgramLogSize(program, &size)
            var log = [CChar](repeating: 0, count: max(1, size))
            _ = nvrtcGetProgramLog(program, &log)
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TensorError(.value, "NVRTC could not compile \(name) for \(options[0]): \(String(cString: nvrtcGetErrorString(status)))\n\(text)")
        }
        var size = 0
        try check(output == .cubin ? nvrtcGetCUBINSize(program, &size) : nvrtcGetPTXSize(program, &size), "nvrtcGet\(output == .cubin ? "CUBIN" : "PTX")Size")
        var image = [CChar](repeating: 0, count: size)
        try check(output == .cubin ? nvrtcGetCUBIN(program, &image) : nvrtcGetPTX(program, &image), "nvrtcGet\(output == .cubin ? "CUBIN" : "PTX")")
        return image.map { UInt8(bitPattern: $0) }
    }

    func check(_ status: Status, _ call: String) throws(TensorError) {
        guard status != 0 else { return }
        throw TensorError(.value, "\(call) failed: \(String(cString: nvrtcGetErrorString(status)))")
    }
}
