import CBLAS

/// Dense double-precision linear algebra for small symmetric positive-definite systems
/// (a Gaussian process's kernel matrix): LAPACK's Cholesky and BLAS's triangular solves.
/// Matrices are row-major `[Double]` of `n × n`. Each call sets OpenBLAS's threads for its
/// size, as the products do: a 100-point factor is faster on one.
public enum LinearAlgebra {
    /// Why a factorisation failed: the matrix is not positive definite at `pivot`.
    public struct NotPositiveDefinite: Error, Sendable { public let pivot: Int }

    /// Overwrites `a` with its lower Cholesky factor L (a = L Lᵀ), the upper triangle zeroed.
    public static func cholesky(_ a: inout [Double], n: Int) throws(NotPositiveDefinite) {
        precondition(a.count == n * n)
        guard n > 0 else { return }
        var info: Int32 = 0
        var uplo = UInt8(ascii: "U")  // row-major lower is column-major upper
        var n32 = Int32(n), lda = Int32(n)
        OpenBLASBackend.useThreads(forWork: n * n * n / 3)
        a.withUnsafeMutableBufferPointer { p in
            withUnsafePointer(to: &uplo) { u in
                u.withMemoryRebound(to: CChar.self, capacity: 1) { dpotrf_($0, &n32, p.baseAddress!, &lda, &info) }
            }
        }
        if info != 0 { throw NotPositiveDefinite(pivot: Int(info) - 1) }
        for i in 0..<n { for j in (i + 1)..<Swift.max(i + 1, n) { a[i * n + j] = 0 } }
    }

    /// The inverse of L Lᵀ from the factor L (row-major lower), full symmetric result.
    public static func inverseFromCholesky(_ l: [Double], n: Int) -> [Double] {
        var a = l
        guard n > 0 else { return a }
        var info: Int32 = 0
        var uplo = UInt8(ascii: "U")
        var n32 = Int32(n), lda = Int32(n)
        OpenBLASBackend.useThreads(forWork: n * n * n)
        a.withUnsafeMutableBufferPointer { p in
            withUnsafePointer(to: &uplo) { u in
                u.withMemoryRebound(to: CChar.self, capacity: 1) { dpotri_($0, &n32, p.baseAddress!, &lda, &info) }
            }
        }
        for i in 0..<n { for j in 0..<i { a[j * n + i] = a[i * n + j] } }
        return a
    }

    /// Solves L X = B in place for the `columns` right-hand sides in B (row-major n × columns).
    public static func solveLower(_ l: [Double], n: Int, _ b: inout [Double], columns: Int = 1) {
        guard n > 0, columns > 0 else { return }
        OpenBLASBackend.useThreads(forWork: n * n * columns)
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), Int32(columns), 1, lp.baseAddress!, Int32(n), bp.baseAddress!, Int32(columns))
            }
        }
    }

    /// Solves Lᵀ X = B in place.
    public static func solveUpperTransposed(_ l: [Double], n: Int, _ b: inout [Double], columns: Int = 1) {
        guard n > 0, columns > 0 else { return }
        OpenBLASBackend.useThreads(forWork: n * n * columns)
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, Int32(n), Int32(columns), 1, lp.baseAddress!, Int32(n), bp.baseAddress!, Int32(columns))
            }
        }
    }

    /// Solves X Lᵀ = B in place, B row-major `rows × n`: each row b becomes L⁻¹ b. This is
    /// the batched form the acquisition uses (many candidate points against one factor).
    public static func solveRowsLower(_ l: [Double], n: Int, _ b: inout [Double], rows: Int) {
        guard n > 0, rows > 0 else { return }
        OpenBLASBackend.useThreads(forWork: n * n * rows)
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(rows), Int32(n), 1, lp.baseAddress!, Int32(n), bp.baseAddress!, Int32(n))
            }
        }
    }
}
