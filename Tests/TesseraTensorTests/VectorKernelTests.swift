import Foundation
import XCTest
@testable import TesseraTensor

/// The C element-wise kernels (CKernels) on every instruction set this CPU runs (AVX-512, AVX2,
/// portable C) against the reference formulas, with lengths that leave partial vectors.
final class VectorKernelTests: XCTestCase {
    func widths() -> [Int] {
        let widest = VectorMath.kernelWidth
        print("vector kernels: \(widest)-bit on this CPU")
        return [0, 256, 512].filter { $0 <= widest }
    }

    func values(_ n: Int, seed: UInt64, scale: Double = 4) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        // Include the clamps of exp: ±100 saturate.
        return (0..<n).map { i in i == 3 ? 100 : i == 5 ? -100 : Float((rng.nextDouble() * 2 - 1) * scale) }
    }

    func testUnaryKernelsAgreeWithTheReference() {
        let widest = VectorMath.kernelWidth
        defer { VectorMath.useKernelWidth(widest) }
        for width in widths() {
            XCTAssertEqual(VectorMath.useKernelWidth(width), width)
            for n in [1, 7, 8, 15, 16, 17, 37] {
                let x = values(n, seed: UInt64(n))
                for op in [UnaryOp.exp, .sigmoid, .tanh, .gelu] {
                    let got = OpenBLASBackend().unary(op, Tensor(shape: [n], storage: x)).storage
                    for (i, v) in x.enumerated() {
                        let want = op.apply(v)
                        XCTAssertEqual(got[i], want, accuracy: 2e-6 * max(1, abs(want)), "\(op) of \(v) with \(width)-bit kernels, n \(n)")
                    }
                }
            }
        }
    }

    func testGELUWithBiasAndItsGradient() {
        let widest = VectorMath.kernelWidth
        defer { VectorMath.useKernelWidth(widest) }
        let (rows, cols) = (3, 19)
        let x = values(rows * cols, seed: 1), bias = values(cols, seed: 2, scale: 1), g = values(rows * cols, seed: 3, scale: 1)
        for width in widths() {
            VectorMath.useKernelWidth(width)
            var z = [Float](repeating: 0, count: rows * cols), s = z, out = z, d = z
            VectorMath.biasGELU(x, bias: bias, z: &z, s: &s, out: &out, rows: rows, columns: cols)
            VectorMath.geluGradient(g, z: z, s: s, out: &d, count: rows * cols)
            for r in 0..<rows {
                for j in 0..<cols {
                    let i = r * cols + j, v = x[i] + bias[j]
                    XCTAssertEqual(z[i], v, accuracy: 1e-6)
                    XCTAssertEqual(out[i], UnaryOp.gelu.apply(v), accuracy: 2e-6 * max(1, abs(v)), "gelu with \(width)-bit kernels")
                    XCTAssertEqual(d[i], BinaryOp.geluGradient.apply(g[i], v), accuracy: 1e-5 * max(1, abs(g[i] * v)), "gelu' with \(width)-bit kernels")
                }
            }
        }
    }
}
