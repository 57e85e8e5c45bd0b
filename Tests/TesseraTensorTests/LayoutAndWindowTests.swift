import Foundation
import XCTest
@testable import TesseraTensor

final class LayoutAndWindowTests: XCTestCase {
    func t(_ shape: [Int], _ values: [Float]) -> Tensor { Tensor(shape: shape, storage: values) }

    func testConcatStackOneHotGatherRowsPermute() throws {
        let a = t([2, 2], [1, 2, 3, 4]), b = t([2, 1], [5, 6])
        XCTAssertEqual(try Tensor.concat([a, b], axis: 1), t([2, 3], [1, 2, 5, 3, 4, 6]))
        XCTAssertEqual(try Tensor.concat([a, a], axis: 0), t([4, 2], [1, 2, 3, 4, 1, 2, 3, 4]))
        XCTAssertThrowsError(try Tensor.concat([a, b], axis: 0)) { XCTAssertTrue("\($0)".contains("differ outside that axis")) }
        XCTAssertEqual(try Tensor.stack([t([2], [1, 2]), t([2], [3, 4])], axis: 1), t([2, 2], [1, 3, 2, 4]))
        XCTAssertEqual(try Tensor.oneHot(IndexTensor(shape: [3], values: [2, 0, 1]), classes: 3), t([3, 3], [0, 0, 1, 1, 0, 0, 0, 1, 0]))
        XCTAssertEqual(try Tensor.oneHot(IndexTensor(shape: [2, 1], values: [1, 0]), classes: 2), t([2, 1, 2], [0, 1, 1, 0]))
        XCTAssertThrowsError(try Tensor.oneHot(IndexTensor(shape: [1], values: [3]), classes: 3)) { XCTAssertTrue("\($0)".contains("not a class index")) }
        XCTAssertThrowsError(try IndexTensor(exactly: t([2], [1, 2.5]))) { XCTAssertTrue("\($0)".contains("value 2.5 at position 1 is not a whole number")) }
        XCTAssertEqual(try a.gather(IndexTensor(shape: [2, 1], values: [1, 0])), t([2, 1, 2], [3, 4, 1, 2]))
        XCTAssertEqual(try a.gather([1, 1, 0]), t([3, 2], [3, 4, 3, 4, 1, 2]))
        XCTAssertEqual(try a.rows(1..<2), t([1, 2], [3, 4]))
        XCTAssertEqual(try t([2, 3], [1, 2, 3, 4, 5, 6]).permuted([1, 0]), t([3, 2], [1, 4, 2, 5, 3, 6]))
        let x = t([2, 3, 4], (0..<24).map(Float.init))
        XCTAssertEqual(try x.permuted([2, 0, 1]).permuted([1, 2, 0]), x, "a permutation and its inverse")
        // Orders that keep the last axis move whole rows; element by element they agree.
        let y = Tensor(shape: [2, 3, 4, 5], storage: (0..<120).map(Float.init))
        for order in [[1, 0, 2, 3], [2, 0, 1, 3], [0, 2, 1, 3], [2, 1, 0, 3]] {
            let p = try y.permuted(order)
            XCTAssertEqual(p.shape, order.map { y.shape[$0] })
            for (i, j, k, l) in [(0, 0, 0, 0), (1, 2, 0, 4), (1, 1, 1, 3), (0, 2, 1, 2)] where i < p.shape[0] && j < p.shape[1] && k < p.shape[2] {
                var source = [0, 0, 0, 0]
                for (d, o) in order.enumerated() { source[o] = [i, j, k, l][d] }
                XCTAssertEqual(p[i, j, k, l], y[source[0], source[1], source[2], source[3]], "\(order) at \([i, j, k, l])")
            }
        }
    }

    func testIm2colOnAKnownImage() throws {
        // One 1-channel 3x3 image, a 2x2 window, stride 1: four patches, one per column;
        // row k holds tap k of every patch.
        let x = t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let cols = try ReferenceBackend().im2col(x, Window(kernel: 2))
        XCTAssertEqual(cols, t([4, 4], [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]))
        // Two images, a 2x1 window: [taps, positions of image 0 then image 1].
        let two = t([2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(try ReferenceBackend().im2col(two, Window(kernel: (2, 1))), t([2, 4], [1, 2, 5, 6, 3, 4, 7, 8]))
        // Padding 1 and stride 2: the corners see zeros. The first patch (column 0) reads
        // only pixel (0, 0) with its last tap; the first tap (row 0) reads pixel (1, 1) last.
        let padded = try ReferenceBackend().im2col(x, Window(kernel: 2, stride: 2, padding: 1))
        XCTAssertEqual(padded.shape, [4, 4])
        XCTAssertEqual((0..<4).map { padded.storage[$0 * 4] }, [0, 0, 0, 1])
        XCTAssertEqual(Array(padded.storage[0..<4]), [0, 0, 0, 5])
        XCTAssertThrowsError(try ReferenceBackend().im2col(t([3, 3], Array(repeating: 0, count: 9)), Window(kernel: 2)))
        XCTAssertThrowsError(try ReferenceBackend().im2col(x, Window(kernel: 4))) { XCTAssertTrue("\($0)".contains("does not fit")) }
    }

    /// col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)> for any x and y.
    func testCol2imIsTheAdjointOfIm2col() throws {
        var rng = RandomGenerator(seed: 9)
        for window in [Window(kernel: 3), Window(kernel: 2, stride: 2), Window(kernel: (2, 3), stride: 1, padding: 1)] {
            let shape = [2, 3, 5, 6]
            let x = t(shape, (0..<shape.reduce(1, *)).map { _ in Float(rng.nextNormal()) })
            let cols = try ReferenceBackend().im2col(x, window)
            let y = t(cols.shape, (0..<cols.count).map { _ in Float(rng.nextNormal()) })
            let back = try OpenBLASBackend().col2im(y, image: shape, window)
            let lhs = zip(cols.storage, y.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x.storage, back.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(lhs)))
        }
    }

    func testPoolingOnAKnownImage() throws {
        let x = t([1, 1, 4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
        XCTAssertEqual(try ReferenceBackend().pool(.max, x, Window(kernel: 2, stride: 2)), t([1, 1, 2, 2], [6, 8, 14, 16]))
        XCTAssertEqual(try ReferenceBackend().pool(.average, x, Window(kernel: 2, stride: 2)), t([1, 1, 2, 2], [3.5, 5.5, 11.5, 13.5]))
        // With padding, the padded cells neither win a max nor count in an average.
        let padded = try ReferenceBackend().pool(.average, t([1, 1, 2, 2], [2, 4, 6, 8]), Window(kernel: 2, stride: 1, padding: 1))
        XCTAssertEqual(padded.storage[0], 2)
        XCTAssertEqual(try OpenBLASBackend().pool(.max, x, Window(kernel: 3)), try ReferenceBackend().pool(.max, x, Window(kernel: 3)))
    }
}

final class VectorMathTests: XCTestCase {
    /// The vector exp stays within a few ulp of the C library's across the float range.
    func testVectorExpIsAccurate() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.003 })
            let e = VectorMath.exp(v)
            for k in 0..<8 {
                let truth = Float(Foundation.exp(Double(v[k])))
                worst = max(worst, abs(e[k] - truth) / truth)
            }
            x += 0.0371
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(VectorMath.exp(SIMD8(repeating: 0))[0], 1)
        XCTAssertLessThan(VectorMath.exp(SIMD8(repeating: -200))[0], 1e-37)
    }
}
