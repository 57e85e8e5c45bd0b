import Foundation
import XCTest
@testable import TesseraTensor

/// The CUDA backend's kernels compile with NVRTC, which needs no GPU: `make test` installs
/// NVIDIA's NVRTC wheel into the test venv and points TESSERA_CUDA_LIBRARY_PATH at it
/// (with TESSERA_REQUIRE_NVRTC=1, so a missing library fails instead of skipping).
/// Running the kernels needs a GPU: BackendAgreementTests and bench/gpu-check.sh do that.
final class CUDAKernelTests: XCTestCase {
    func nvrtc() throws -> NVRTC {
        do { return try NVRTC() } catch {
            if ProcessInfo.processInfo.environment["TESSERA_REQUIRE_NVRTC"] == "1" { throw error }
            throw XCTSkip("NVRTC is not installed here: \(error)")
        }
    }

    func testKernelsCompileToPTXWithEveryEntryPoint() throws {
        let compiler = try nvrtc()
        let ptx = try compiler.compile(CUDAKernels.source, name: "tessera_kernels.cu", arch: 75, output: .ptx)
        let text = String(decoding: ptx.prefix { $0 != 0 }, as: UTF8.self)
        XCTAssertTrue(text.contains(".target sm_75"), String(text.prefix(400)))
        for name in CUDAKernels.names {
            XCTAssertTrue(text.contains(".entry \(name)("), "\(name) is not an entry point of the compiled module")
        }
        XCTAssertEqual(ptx.last, 0, "the driver expects PTX to end with a NUL")
    }

    func testKernelsCompileToMachineCodeForHopper() throws {
        let compiler = try nvrtc()
        XCTAssertTrue(compiler.supportedArchitectures.contains(90), "\(compiler.supportedArchitectures)")
        let cubin = try compiler.compile(CUDAKernels.source, name: "tessera_kernels.cu", arch: 90, output: .cubin)
        XCTAssertEqual(Array(cubin.prefix(4)), [0x7f, 0x45, 0x4c, 0x46], "a cubin is an ELF file")
    }

    /// The cache key changes with the source, so an edited kernel is never served stale.
    func testKernelImageIsCachedByItsSource() throws {
        let compiler = try nvrtc()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-cuda-cache-\(getpid())")
        setenv("XDG_CACHE_HOME", folder.path, 1)
        defer { unsetenv("XDG_CACHE_HOME"); try? FileManager.default.removeItem(at: folder) }
        let (first, origin) = try CUDAContext.kernelImage(compiler, capability: 90)
        XCTAssertTrue(origin.hasPrefix("compiled by NVRTC"), origin)
        let (second, again) = try CUDAContext.kernelImage(compiler, capability: 90)
        XCTAssertTrue(again.hasPrefix("from the cache"), again)
        XCTAssertEqual(first, second)
        // A GPU newer than this NVRTC knows gets PTX for the newest architecture it does know.
        let (_, future) = try CUDAContext.kernelImage(compiler, capability: 990)
        XCTAssertTrue(future.contains("PTX"), future)
    }

    func testACompileErrorSaysWhereAndWhy() throws {
        let compiler = try nvrtc()
        XCTAssertThrowsError(try compiler.compile("extern \"C\" __global__ void k() { undeclared = 1; }", name: "bad.cu", arch: 75, output: .ptx)) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("bad.cu"), message)
            XCTAssertTrue(message.contains("undeclared"), message)
        }
    }

    func testNoGPUIsAClearError() {
        // On a machine with a GPU this is the CUDA backend itself, checked elsewhere.
        guard (try? CUDABackend()) == nil else { return }
        XCTAssertThrowsError(try Devices.backend(named: "cuda")) {
            XCTAssertTrue("\($0)".hasPrefix("backend \"cuda\" is not available: "), "\($0)")
        }
        let info = Devices.list().first { $0.name == "cuda" }!
        XCTAssertFalse(info.available)
        XCTAssertFalse(info.detail.isEmpty)
    }

    func testMemoryPoolSizeClasses() {
        XCTAssertEqual(CUDAMemoryPool.sizeClass(1), 512)
        XCTAssertEqual(CUDAMemoryPool.sizeClass(4096), 4096)
        XCTAssertEqual(CUDAMemoryPool.sizeClass(4097), 5120)
        XCTAssertEqual(CUDAMemoryPool.sizeClass(1_000_000), 1_048_576)
        for bytes in [513, 777, 10_000, 123_456_789] {
            let c = CUDAMemoryPool.sizeClass(bytes)
            XCTAssertGreaterThanOrEqual(c, bytes)
            XCTAssertLessThanOrEqual(Double(c), Double(bytes) * 1.25 + 1)
        }
    }
}
