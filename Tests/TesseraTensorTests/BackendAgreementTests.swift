import XCTest
@testable import TesseraTensor

/// Every op on every present backend agrees with the reference (BackendConformance holds
/// the cases and their tolerances; `tessera backend-check` runs the same on a GPU machine).
final class BackendAgreementTests: XCTestCase {
    /// OpenBLAS always; CUDA where this machine has a GPU.
    var backends: [any Backend] {
        var all: [any Backend] = [OpenBLASBackend()]
        if let cuda = try? CUDABackend() { all.append(cuda) }
        return all
    }

    func check(_ section: String, file: StaticString = #filePath, line: UInt = #line) {
        for backend in backends {
            let conformance = BackendConformance(backend)
            conformance.run(section)
            XCTAssertGreaterThanOrEqual(conformance.cases, 5, "\(backend.name) \(section): too few cases ran", file: file, line: line)
            XCTAssertEqual(conformance.failures, [], "\(backend.name) \(section)", file: file, line: line)
        }
    }

    func testMatmulAgrees() { check("matmul") }
    func testBinaryOpsAgreeWithBroadcasting() { check("binary") }
    func testUnaryOpsAgree() { check("unary") }
    func testReductionsAgree() { check("reduce") }
    func testSoftmaxAgrees() { check("softmax") }
    func testArgmaxAgrees() { check("argmax") }
    func testImageOpsAgree() { check("image") }
    func testErrorsAgree() { check("errors") }
    func testChainsAgree() { check("chains") }

    /// The checks catch a backend that is wrong in one place, and in one place only.
    func testConformanceCatchesAWrongOp() {
        struct OffByOne: Backend {
            let base = OpenBLASBackend()
            var name: String { "off-by-one" }
            func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor { try base.matmul(a, b, transpose: transpose) }
            func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor { try base.binary(op, a, b) }
            func unary(_ op: UnaryOp, _ a: Tensor) throws(TensorError) -> Tensor { base.unary(op, a) }
            func reduce(_ op: ReduceOp, _ a: Tensor, axis: Int?) throws(TensorError) -> Tensor {
                // Variance with n - 1 (the sample variance) instead of n.
                let r = try base.reduce(op, a, axis: axis)
                guard op == .variance else { return r }
                let n = Float(axis.map { a.shape[$0 < 0 ? $0 + a.rank : $0] } ?? a.count)
                return Tensor(shape: r.shape, storage: r.storage.map { n > 1 ? $0 * n / (n - 1) : $0 })
            }
            func softmax(_ a: Tensor, axis: Int, log: Bool) throws(TensorError) -> Tensor { try base.softmax(a, axis: axis, log: log) }
            func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> IndexTensor { try base.argmax(a, axis: axis) }
        }
        let conformance = BackendConformance(OffByOne())
        conformance.runAll()
        XCTAssertFalse(conformance.failures.isEmpty)
        XCTAssertTrue(conformance.failures.allSatisfy { $0.hasPrefix("variance") }, "\(conformance.failures.prefix(3))")
    }

    func testBroadcastShapes() throws {
        XCTAssertEqual(try Broadcast.shape([2, 1, 3], [4, 1]), [2, 4, 3])
        XCTAssertEqual(try Broadcast.shape([], [3]), [3])
        XCTAssertEqual(Broadcast.strides(of: [4, 1], in: [2, 4, 3]), [0, 1, 0])
    }
}
