import CBLAS
import Foundation

/// The CPU backend for speed: cblas_sgemm from OpenBLAS for matrix products, and
/// element-wise loops the optimizer vectorizes, split across cores; shapes the fast
/// paths do not cover fall back to the reference's general broadcasting.
public struct OpenBLASBackend: Backend {
    public init() {}
    public var name: String { "openblas" }

    /// Sets OpenBLAS's threads and the element-wise loops' together.
    public static func setThreads(_ n: Int) {
        Parallel.threads = n
        openblas_set_num_threads(Int32(Parallel.threads))
    }

    public func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor {
        let (batch, m, k, n) = try MatmulShape.check(a.shape, b.shape, transpose)
        let (lda, ldb) = MatmulShape.leading(m: m, k: k, n: n, transpose)
        var out = [Float](repeating: 0, count: batch * m * n)
        if m > 0 && n > 0 && k > 0 {
            a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<batch {
                    cblas_sgemm(CblasRowMajor, transpose.a ? CblasTrans : CblasNoTrans, transpose.b ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1,
                                pa.baseAddress! + p * m * k, Int32(lda), pb.baseAddress! + p * k * n, Int32(ldb), 0,
                                po.baseAddress! + p * m * n, Int32(n))
                }
            }}}
        }
        return Tensor(shape: MatmulShape.result(a.shape, batch: batch, m: m, n: n), storage: out)
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        let shape = try Broadcast.shape(a.shape, b.shape)
        let count = shape.reduce(1, *)
        var out = Self.uninitialized(count)
        if a.shape == b.shape {
            Self.map2(a.storage, b.storage, &out, op)
        } else if b.count == 1 {
            let y = b.storage[0]
            Self.map1(a.storage, &out) { op.apply($0, y) }
        } else if a.count == 1 {
            let x = a.storage[0]
            Self.map1(b.storage, &out) { op.apply(x, $0) }
        } else if a.shape == shape, let last = shape.last, b.count == last, b.shape.dropLast().allSatisfy({ $0 == 1 }) {
            // A row (bias) added to every row: the common case in a network.
            Self.rows(a.storage, b.storage, &out, last, op)
        } else {
            return try ReferenceBackend().binary(op, a, b)
        }
        return Tensor(shape: shape, storage: out)
    }

    public func unary(_ op: UnaryOp, _ a: Tensor) -> Tensor {
        var out = Self.uninitialized(a.count)
        switch op {
        case .relu: Self.map1(a.storage, &out) { $0 > 0 ? $0 : 0 }
        case .negate: Self.map1(a.storage, &out) { -$0 }
        case .abs: Self.map1(a.storage, &out) { Swift.abs($0) }
        case .sqrt: Self.map1(a.storage, &out) { $0.squareRoot() }
        case .exp:
            a.storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let shared = UnsafeSendable((src, dst))
                Parallel.chunks(src.count) { range in
                    let (src, dst) = shared.value
                    VectorMath.exp(src.baseAddress! + range.lowerBound, dst.baseAddress! + range.lowerBound, range.count)
                }
            }}
        case .log: Self.map1(a.storage, &out) { Foundation.log($0) }
        case .tanh: Self.map1(a.storage, &out) { Foundation.tanh($0) }
        case .sigmoid: Self.map1(a.storage, &out) { 1 / (1 + Foundation.exp(-$0)) }
        case .gelu: Self.map1(a.storage, &out) { x in 0.5 * x * (1 + Foundation.tanh(0.7978845608 * (x + 0.044715 * x * x * x))) }
        }
        return Tensor(shape: a.shape, storage: out)
    }

    public func reduce(_ op: ReduceOp, _ a: Tensor, axis: Int?) throws(TensorError) -> Tensor {
        // Over the last axis, row by row in parallel; over another axis (a bias gradient's
        // sum over the batch), column runs in parallel; everything else through the reference.
        let last = a.rank - 1
        if let axis, a.rank >= 2, let ax = try? resolve(axis, rank: a.rank), ax != last, a.shape[ax] > 0 {
            return Self.reduceAcross(op, a, ax)
        }
        guard let axis, a.rank >= 1, (try? resolve(axis, rank: a.rank)) == last, let size = a.shape.last, size > 0 else {
            return try ReferenceBackend().reduce(op, a, axis: axis)
        }
        var out = Self.uninitialized(a.count / size)
        Self.forEachRow(a.storage, &out, size: size) { src, dst, r in
            dst[r] = op.apply(UnsafeBufferPointer(rebasing: src[(r * size)..<((r + 1) * size)]))
        }
        var shape = a.shape
        shape.removeLast()
        return Tensor(shape: shape, storage: out)
    }

    public func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> Tensor {
        let ax = try resolve(axis, rank: a.rank)
        guard ax == a.rank - 1, let size = a.shape.last, size > 0 else { return try ReferenceBackend().argmax(a, axis: axis) }
        var out = Self.uninitialized(a.count / size)
        Self.forEachRow(a.storage, &out, size: size) { src, dst, r in
            dst[r] = Float(ReferenceBackend.argmax(size) { src[r * size + $0] })
        }
        return Tensor(shape: Array(a.shape.dropLast()), storage: out)
    }

    public func softmax(_ a: Tensor, axis: Int, log: Bool) throws(TensorError) -> Tensor {
        let ax = try resolve(axis, rank: a.rank)
        guard ax == a.rank - 1, let size = a.shape.last, size > 0 else { return try ReferenceBackend().softmax(a, axis: axis, log: log) }
        var out = Self.uninitialized(a.count)
        Self.forEachRow(a.storage, &out, size: size) { src, dst, r in
            VectorMath.softmaxRow(src.baseAddress! + r * size, dst.baseAddress! + r * size, size, log: log)
        }
        return Tensor(shape: a.shape, storage: out)
    }

    /// Reduces along a middle axis: for each outer index, the `size` rows of `inner` values
    /// are folded into one row, a slice of columns per thread (rows read contiguously).
    static func reduceAcross(_ op: ReduceOp, _ a: Tensor, _ ax: Int) -> Tensor {
        let (outer, size, inner) = ReferenceBackend.split(a.shape, ax)
        var out = uninitialized(outer * inner)
        a.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            for o in 0..<outer {
                Parallel.chunks(inner, minimum: Swift.max(1, (1 << 15) / size)) { columns in
                    let (src, dst) = shared.value
                    let base = o * size * inner
                    switch op {
                    case .max, .min:
                        for i in columns { dst[o * inner + i] = src[base + i] }
                        for j in 1..<size {
                            let row = base + j * inner
                            if op == .max { for i in columns { dst[o * inner + i] = Swift.max(dst[o * inner + i], src[row + i]) } }
                            else { for i in columns { dst[o * inner + i] = Swift.min(dst[o * inner + i], src[row + i]) } }
                        }
                    case .sum, .mean, .variance:
                        var total = [Double](repeating: 0, count: columns.count)
                        for j in 0..<size {
                            let row = base + j * inner + columns.lowerBound
                            for c in 0..<columns.count { total[c] += Double(src[row + c]) }
                        }
                        if op == .variance {
                            let mean = total.map { $0 / Double(size) }
                            var squares = [Double](repeating: 0, count: columns.count)
                            for j in 0..<size {
                                let row = base + j * inner + columns.lowerBound
                                for c in 0..<columns.count { let d = Double(src[row + c]) - mean[c]; squares[c] += d * d }
                            }
                            total = squares
                        }
                        let scale = op == .sum ? 1 : 1 / Double(size)
                        for c in 0..<columns.count { dst[o * inner + columns.lowerBound + c] = Float(total[c] * scale) }
                    }
                }
            }
        }}
        var shape = a.shape
        shape.remove(at: ax)
        return Tensor(shape: shape, storage: out)
    }

    // MARK: Loops

    /// An output array whose every element the caller writes: not zero-filled first, so
    /// its pages are touched once (by the work), not twice. The reference fallback and
    /// empty results never read it.
    static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    @inline(__always)
    static func map1(_ a: [Float], _ out: inout [Float], _ f: @escaping (Float) -> Float) {
        a.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst, f))
            Parallel.chunks(src.count) { range in
                let (src, dst, f) = shared.value
                for i in range { dst[i] = f(src[i]) }
            }
        }}
    }

    static func map2(_ a: [Float], _ b: [Float], _ out: inout [Float], _ op: BinaryOp) {
        a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((pa, pb, dst))
            Parallel.chunks(pa.count) { range in
                let (pa, pb, dst) = shared.value
                // One loop per operation, so each is a plain vectorizable loop.
                switch op {
                case .add: for i in range { dst[i] = pa[i] + pb[i] }
                case .subtract: for i in range { dst[i] = pa[i] - pb[i] }
                case .multiply: for i in range { dst[i] = pa[i] * pb[i] }
                case .divide: for i in range { dst[i] = pa[i] / pb[i] }
                default: for i in range { dst[i] = op.apply(pa[i], pb[i]) }
                }
            }
        }}}
    }

    static func rows(_ a: [Float], _ row: [Float], _ out: inout [Float], _ width: Int, _ op: BinaryOp) {
        a.withUnsafeBufferPointer { pa in
        row.withUnsafeBufferPointer { pr in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((pa, pr, dst))
            let rows = pa.count / width
            Parallel.chunks(rows, minimum: Swift.max(1, (1 << 16) / width)) { range in
                let (pa, pr, dst) = shared.value
                for r in range {
                    let base = r * width
                    switch op {
                    case .add: for j in 0..<width { dst[base + j] = pa[base + j] + pr[j] }
                    case .multiply: for j in 0..<width { dst[base + j] = pa[base + j] * pr[j] }
                    default: for j in 0..<width { dst[base + j] = op.apply(pa[base + j], pr[j]) }
                    }
                }
            }
        }}}
    }

    /// Calls `body(source, destination, row)` for each row of `size` elements, rows split
    /// across cores; each call writes only its own row's outputs.
    static func forEachRow(_ a: [Float], _ out: inout [Float], size: Int,
                           _ body: @escaping (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>, Int) -> Void) {
        let rows = a.count / size
        a.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst, body))
            Parallel.chunks(rows, minimum: Swift.max(1, (1 << 15) / size)) { range in
                let (src, dst, body) = shared.value
                for r in range { body(src, dst, r) }
            }
        }}
    }
}
