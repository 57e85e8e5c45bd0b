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

    /// CUDA is loaded at run time: whether the driver finds a GPU, and whether cuBLAS and
    /// NVRTC load. Cheap: it compiles nothing (that happens on `backend("cuda")`).
    static func cuda() -> Info {
        func unavailable(_ why: String) -> Info { Info(name: "cuda", kind: "GPU", available: false, detail: why) }
        let driver: CUDADriver
        do { driver = try CUDADriver() } catch {
            return unavailable(error.message)
        }
        let initialized = driver.cuInit(0)
        if initialized != 0 { return unavailable("the CUDA driver (\(driver.library)) did not start: \(driver.message(initialized))") }
        var count: Int32 = 0
        guard driver.cuDeviceGetCount(&count) == 0, count > 0 else { return unavailable("the CUDA driver (\(driver.library)) found no GPU") }
        var name = [CChar](repeating: 0, count: 256)
        _ = driver.cuDeviceGetName(&name, 256, 0)
        let gpu = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for library in ["libcublas", "libnvrtc"] {
            do { _ = try CUDALibraries.open(library) } catch { return unavailable("\(gpu) found, but \(error.message)") }
        }
        return Info(name: "cuda", kind: "GPU", available: true, detail: "\(gpu)\(count > 1 ? " (device 0 of \(count))" : ""), through \(driver.library)")
    }

    /// The backend named `name`, or an error that says why it cannot be used.
    public static func backend(named name: String) throws(TensorError) -> any Backend {
        switch name {
        case "reference": return ReferenceBackend()
        case "openblas": return OpenBLASBackend()
        case "cuda":
            do { return try CUDABackend() } catch {
                throw TensorError(.unavailable, "backend \"cuda\" is not available: \(error.message)")
            }
        default:
            throw TensorError(.value, "no backend named '\(name)'; the backends are reference, openblas and cuda")
        }
    }
}
