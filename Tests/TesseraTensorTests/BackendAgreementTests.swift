import XCTest
@testable import TesseraTensor

/// Every op on every present backend agrees with the reference on random shapes,
/// including broadcasting, empty and one-element tensors. Tolerances are per op:
/// sums and products accumulate rounding differently (relative 1e-4), element-wise
/// maps differ by a few ulps (1e-5), transcendental ones by float vs double (1e-5).
final class BackendAgreementTests: XCTestCase {
    let reference = ReferenceBackend()
    let backends: [any Backend] = [OpenBLASBackend()]
    var rng = RandomGenerator(seed: 42)

    func random(_ shape: [Int], positive: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in
            let x = Float(rng.nextNormal())
            return positive ? Swift.abs(x) + 0.1 : x
        })
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        for (x, y) in zip(a.storage, b.storage) {
            if x.isNaN && y.isNaN { continue }
            let scale = Swift.max(1, Swift.abs(y))
            if Swift.abs(x - y) > tolerance * scale {
                XCTFail("\(what): \(x) vs reference \(y)", file: file, line: line)
                return
            }
        }
    }

    func randomShape(maxRank: Int = 3) -> [Int] {
        (0..<Int.random(in: 1...maxRank, using: &rng)).map { _ in Int.random(in: 1...7, using: &rng) }
    }

    func testMatmulAgrees() throws {
        for backend in backends {
            for (m, k, n) in [(1, 1, 1), (3, 5, 2), (17, 33, 9), (64, 64, 64), (0, 4, 3), (2, 0, 3)] {
                let a = random([m, k]), b = random([k, n])
                assertClose(try backend.matmul(a, b), try reference.matmul(a, b), 1e-4, "\(backend.name) matmul \(m)x\(k)x\(n)")
            }
            let a = random([4, 3, 5]), b = random([4, 5, 2])
            assertClose(try backend.matmul(a, b), try reference.matmul(a, b), 1e-4, "\(backend.name) batched matmul")
            XCTAssertThrowsError(try backend.matmul(random([2, 3]), random([4, 2]))) { XCTAssertTrue("\($0)".contains("inner dimensions 3 and 4")) }
        }
    }

    func testBinaryOpsAgreeWithBroadcasting() throws {
        for backend in backends {
            for op in BinaryOp.allCases {
                for _ in 0..<12 {
                    let shape = randomShape()
                    // The other operand: the same shape, a scalar, a row, or a random broadcastable shape.
                    let variants: [[Int]] = [shape, [1], [shape.last!], shape.map { Bool.random(using: &rng) ? 1 : $0 }]
                    for other in variants {
                        let a = random(shape, positive: op == .power), b = random(other)
                        assertClose(try backend.binary(op, a, b), try reference.binary(op, a, b), 1e-5, "\(backend.name) \(op) \(shape) \(other)")
                        // Reversed (a negative base to a fractional power is NaN on both sides).
                        assertClose(try backend.binary(op, b, a), try reference.binary(op, b, a), 1e-5, "\(backend.name) \(op) \(other) \(shape)")
                    }
                }
                let empty = Tensor(shape: [0, 3], storage: [])
                XCTAssertEqual(try backend.binary(op, empty, random([3])).shape, [0, 3])
            }
            XCTAssertThrowsError(try backend.binary(.add, random([2, 3]), random([4]))) { XCTAssertTrue("\($0)".contains("cannot be broadcast")) }
        }
    }

    func testUnaryOpsAgree() throws {
        for backend in backends {
            for op in UnaryOp.allCases {
                let a = random([5, 9], positive: op == .log || op == .sqrt)
                assertClose(backend.unary(op, a), reference.unary(op, a), 1e-5, "\(backend.name) \(op)")
                XCTAssertEqual(backend.unary(op, Tensor(shape: [0], storage: [])).count, 0)
            }
        }
    }

    func testReductionsAndSoftmaxAgree() throws {
        for backend in backends {
            for op in ReduceOp.allCases {
                for shape in [[1], [7], [3, 4], [2, 3, 5], [1, 1]] {
                    let a = random(shape)
                    assertClose(try backend.reduce(op, a, axis: nil), try reference.reduce(op, a, axis: nil), 1e-4, "\(backend.name) \(op) all \(shape)")
                    for axis in 0..<shape.count {
                        assertClose(try backend.reduce(op, a, axis: axis), try reference.reduce(op, a, axis: axis), 1e-4, "\(backend.name) \(op) axis \(axis) \(shape)")
                    }
                    assertClose(try backend.reduce(op, a, axis: -1), try reference.reduce(op, a, axis: -1), 1e-4, "\(backend.name) \(op) axis -1")
                }
            }
            for shape in [[1, 1], [4, 10], [2, 3, 6]] {
                let a = random(shape)
                for axis in [-1, 0] {
                    for log in [false, true] {
                        assertClose(try backend.softmax(a, axis: axis, log: log), try reference.softmax(a, axis: axis, log: log), 1e-5, "\(backend.name) softmax \(shape) axis \(axis) log \(log)")
                    }
                }
            }
            XCTAssertThrowsError(try backend.reduce(.sum, random([2, 2]), axis: 2)) { XCTAssertTrue("\($0)".contains("axis 2 does not exist")) }
            XCTAssertThrowsError(try backend.reduce(.max, Tensor(shape: [0], storage: []), axis: nil))
        }
    }

    func testImageOpsAgree() throws {
        for backend in backends {
            for (shape, window) in [([1, 1, 5, 5], Window(kernel: 3)), ([3, 2, 7, 6], Window(kernel: 2, stride: 2)),
                                    ([4, 3, 8, 8], Window(kernel: (3, 2), stride: 1, padding: 1)), ([2, 1, 1, 1], Window(kernel: 1))] {
                let x = random(shape)
                let cols = try backend.im2col(x, window)
                assertClose(cols, try reference.im2col(x, window), 0, "\(backend.name) im2col \(shape)")
                let y = random(cols.shape)
                assertClose(try backend.col2im(y, image: shape, window), try reference.col2im(y, image: shape, window), 1e-6, "\(backend.name) col2im \(shape)")
                for op in [PoolOp.max, .average] {
                    assertClose(try backend.pool(op, x, window), try reference.pool(op, x, window), 1e-6, "\(backend.name) pool \(op) \(shape)")
                }
            }
        }
    }

    func testBroadcastShapes() throws {
        XCTAssertEqual(try Broadcast.shape([2, 1, 3], [4, 1]), [2, 4, 3])
        XCTAssertEqual(try Broadcast.shape([], [3]), [3])
        XCTAssertEqual(Broadcast.strides(of: [4, 1], in: [2, 4, 3]), [0, 1, 0])
    }
}
