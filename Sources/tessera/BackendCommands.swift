import ArgumentParser
import Foundation
import TesseraTensor

/// `tessera backend-check`: the backend conformance checks (the same cases as the unit
/// tests) on the backends this machine has, for machines with a GPU and no Swift
/// toolchain (bench/gpu-check.sh).
struct BackendCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend-check",
        abstract: "Check every op of a backend against the reference backend.",
        discussion: "Exits with status 1 when any op disagrees, 2 when a named backend is unavailable.")

    @Option(name: .long, help: "A backend to check (repeatable); by default every available one but the reference.")
    var backend: [String] = []

    @Option(name: .long, help: "Seed of the random tensors.")
    var seed: UInt64 = 42

    @Flag(name: .long, help: "Print the CUDA kernels' source (as NVRTC compiles it) and exit.")
    var cudaSource = false

    func run() throws {
        if cudaSource {
            print(CUDABackend.kernelSource)
            return
        }
        let names = backend.isEmpty ? Devices.list().filter { $0.available && $0.name != "reference" }.map(\.name) : backend
        var failed = false
        for name in names {
            let b: any Backend
            do { b = try Devices.backend(named: name) } catch {
                print("\(name): \(error)")
                throw ExitCode(2)
            }
            if let cuda = b as? CUDABackend { print("cuda: \(cuda.description)") }
            for section in BackendConformance.sections {
                let start = Date()
                let check = BackendConformance(b, seed: seed)
                check.run(section)
                let time = String(format: "%.2f s", Date().timeIntervalSince(start))
                print("\(name) \(section): \(check.failures.isEmpty ? "ok" : "FAILED"), \(check.cases) cases, \(time)")
                for f in check.failures.prefix(10) { print("    \(f)") }
                failed = failed || !check.failures.isEmpty
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `tessera backend-bench`: a backend's speed on the primitives, measured in-process with
/// the operands already in the backend's memory and the device synchronized around each
/// timing; one JSON object per line, for bench/gpu.py to put beside PyTorch's.
struct BackendBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend-bench",
        abstract: "Time sgemm, element-wise a*b+c and softmax on one backend (JSON lines).")

    @Option(name: .long, help: "The backend: reference, openblas or cuda.")
    var backend: String = "openblas"

    @Option(name: .long, parsing: .upToNextOption, help: "Square sgemm sizes.")
    var sizes: [Int] = [256, 512, 1024, 2048, 4096]

    @Option(name: .long, help: "Timed repetitions of each operation (after one warm-up).")
    var repeats: Int = 10

    @Option(name: .long, help: "Elements for the element-wise and softmax timings.")
    var elements: Int = 10_000_000

    func run() throws {
        let b = try Devices.backend(named: backend)
        func time(_ body: () throws -> Void) throws -> [Double] {
            try body()
            try b.synchronize()
            return try (0..<repeats).map { _ in
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                try b.synchronize()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
        }
        func emit(_ fields: [String: Any]) {
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        func random(_ shape: [Int], _ seed: UInt64) throws -> Tensor {
            var rng = RandomGenerator(seed: seed)
            return try b.prepare(Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) }))
        }
        var info: [String: Any] = ["backend": b.name]
        if let cuda = b as? CUDABackend { info["device"] = cuda.description }
        emit(info)
        for n in sizes {
            let (x, y) = (try random([n, n], 1), try random([n, n], 2))
            let t = try time { _ = try b.matmul(x, y) }
            emit(["op": "sgemm", "n": n, "best_s": t.min()!, "gflops": 2 * pow(Double(n), 3) / t.min()! / 1e9])
        }
        let (x, y, z) = (try random([elements], 3), try random([elements], 4), try random([elements], 5))
        let fma = try time { _ = try b.binary(.add, try b.binary(.multiply, x, y), z) }
        emit(["op": "a*b+c", "elements": elements, "median_s": median(fma)])
        let rows = try random([elements / 1000, 1000], 6)
        let soft = try time { _ = try b.softmax(rows, axis: -1, log: false) }
        emit(["op": "softmax", "elements": elements, "row": 1000, "median_s": median(soft)])
        if let cuda = b as? CUDABackend {
            let s = cuda.memoryStatistics
            emit(["op": "memory", "allocations": s.allocations, "pool_reuses": s.reuses, "cached_bytes": s.cachedBytes])
        }
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
