import Foundation

/// The backends this machine can run, and how to choose one.
public enum Devices {
    public struct Info: Sendable {
        public let name: String
        public let kind: String
        public let available: Bool
        /// Threads for CPU backends, the device for GPUs, or why it is unavailable.
        public let detail: String
    }

    /// Every backend, with whether it can run here.
    public static func list() -> [Info] {
        [
            Info(name: "reference", kind: "CPU", available: true, detail: "plain Swift, one element at a time: the test oracle"),
            Info(name: "openblas", kind: "CPU", available: true, detail: "OpenBLAS sgemm, \(Parallel.threads) threads"),
            cuda(),
        ]
    }

    /// CUDA is loaded at run time: whether libcudart loads and reports a device.
    static func cuda() -> Info {
        for library in ["libcudart.so", "libcudart.so.12", "libcudart.so.11.0"] {
            guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else { continue }
            defer { dlclose(handle) }
            typealias GetCount = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
            guard let symbol = dlsym(handle, "cudaGetDeviceCount") else {
                return Info(name: "cuda", kind: "GPU", available: false, detail: "\(library) has no cudaGetDeviceCount")
            }
            var count: Int32 = 0
            let status = unsafeBitCast(symbol, to: GetCount.self)(&count)
            if status != 0 || count == 0 {
                return Info(name: "cuda", kind: "GPU", available: false, detail: "\(library) loaded but found no device (status \(status))")
            }
            return Info(name: "cuda", kind: "GPU", available: true, detail: "\(count) device(s) through \(library)")
        }
        return Info(name: "cuda", kind: "GPU", available: false, detail: "libcudart.so could not be loaded: no CUDA runtime on this machine")
    }

    /// The backend named `name`, or an error that says why it cannot be used.
    public static func backend(named name: String) throws(TensorError) -> any Backend {
        switch name {
        case "reference": return ReferenceBackend()
        case "openblas": return OpenBLASBackend()
        case "cuda":
            let info = cuda()
            throw TensorError(.unavailable, info.available
                ? "the CUDA backend's kernels are not built yet (\(info.detail)); use backend(\"openblas\")"
                : "backend \"cuda\" is not available: \(info.detail)")
        default:
            throw TensorError(.value, "no backend named '\(name)'; the backends are reference, openblas and cuda")
        }
    }
}
