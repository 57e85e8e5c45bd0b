import CBLAS
import CKernels
import Foundation
import Synchronization

/// The CPU backend for speed: cblas_sgemm from OpenBLAS for matrix products, and
/// element-wise loops the optimizer vectorizes, split across cores; shapes the fast
/// paths do not cover fall back to the reference's general broadcasting.
public struct OpenBLASBackend: Backend {
    public init() {}
    public var name: String { "openblas" }

    /// Sets OpenBLAS's threads and the element-wise loops' together.
    public static func setThreads(_ n: Int) {
        Parallel.threads = n
        gemmThreads.store(0, ordering: .relaxed)
    }

    /// Products of fewer multiply-adds than this run on one OpenBLAS thread: waking and
    /// joining a second costs more than it saves (a 64-row batch through a 128-unit layer,
    /// 0.5 M multiply-adds, ran 30% faster on one thread of two; a 128-row batch of 784
    /// inputs into 256 units, 26 M, 35% slower).
    static let parallelWork = ProcessInfo.processInfo.environment["TESSERA_GEMM_PARALLEL_WORK"].flatMap { Int($0) } ?? (1 << 21)

    /// The thread count OpenBLAS was last set to (0: not yet).
    private static let gemmThreads = Atomic<Int>(0)

    /// Sets OpenBLAS's threads for a product of `work` multiply-adds, when they change.
    static func useThreads(forWork work: Int) {
        let wanted = work < parallelWork ? 1 : Parallel.threads
        if gemmThreads.load(ordering: .relaxed) != wanted {
            openblas_set_num_threads(Int32(wanted))
            gemmThreads.store(wanted, ordering: .relaxed)
        }
    }

    public func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor {
        let plan = try MatmulShape.check(a.shape, b.shape, transpose)
        let (batch, m, k, n) = (plan.batch, plan.m, plan.k, plan.n)
        let (lda, ldb) = MatmulShape.leading(m: m, k: k, n: n, transpose)
        guard [m, n, k, lda, ldb].allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw TensorError(.value, "matmul: a dimension of \(a.shape) @ \(b.shape) is beyond what BLAS can index (2^31 - 1)")
        }
        Self.useThreads(forWork: m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k).partialValue)
        // With beta = 0 sgemm writes every element of C without reading it (it zeroes C
        // itself), so the buffer needs no zeroing here, except for an empty inner dimension.
        var out = k > 0 ? Self.uninitialized(batch * m * n) : [Float](repeating: 0, count: batch * m * n)
        if m > 0 && n > 0 && k > 0 {
            a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<batch {
                    cblas_sgemm(CblasRowMajor, transpose.a ? CblasTrans : CblasNoTrans, transpose.b ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1,
                                pa.baseAddress! + p * plan.strideA, Int32(lda), pb.baseAddress! + p * plan.strideB, Int32(ldb), 0,
                                po.baseAddress! + p * m * n, Int32(n))
                }
            }}}
        }
        return Tensor(shape: MatmulShape.result(a.shape, b.shape, plan), storage: out)
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        let shape = try Broadcast.shape(a.shape, b.shape)
        let count = shape.reduce(1, *)
        var out = Self.uninitialized(count)
        if a.shape == b.shape {
            Self.map2(a.storage, b.storage, &out, op)
        } else if b.count == 1 {
            Self.withScalar(a.storage, b.storage[0], &out, op, scalarFirst: false)
        } else if a.count == 1 {
            Self.withScalar(b.storage, a.storage[0], &out, op, scalarFirst: true)
        } else if a.shape == shape, let last = shape.last, b.count == last, b.shape.dropLast().allSatisfy({ $0 == 1 }) {
            // A row (bias) added to every row: the common case in a network.
            Self.rows(a.storage, b.storage, &out, last, op)
        } else if a.shape == shape, b.rank >= 1, b.count > 0, Array(shape.suffix(b.rank)) == b.shape {
            // A block as large as the trailing axes, repeated over the leading ones (a position
            // table added to every sequence of a batch): rows of the block's size.
            Self.rows(a.storage, b.storage, &out, b.count, op)
        } else if a.shape == shape, let (outer, mid, inner) = Self.band(b.shape, in: shape) {
            // A value per channel, constant over the trailing axes (a convolution's bias).
            Self.band(a.storage, b.storage, &out, outer, mid, inner, op)
        } else {
            return try ReferenceBackend().binary(op, a, b)
        }
        return Tensor(shape: shape, storage: out)
    }

    public func unary(_ op: UnaryOp, _ a: Tensor) -> Tensor {
        var out = Self.uninitialized(a.count)
        a.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(src.count) { range in
                let (src, dst) = shared.value
                Self.unaryLoop(op, src.baseAddress! + range.lowerBound, dst.baseAddress! + range.lowerBound, range.count)
            }
        }}
        return Tensor(shape: a.shape, storage: out)
    }

    /// One unary op over a run of values: a plain loop per op (the switch is outside the
    /// loop, so each loop is compiled, and vectorized where it can be, on its own).
    static func unaryLoop(_ op: UnaryOp, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .relu: for i in 0..<n { dst[i] = src[i] > 0 ? src[i] : 0 }
        case .negate: for i in 0..<n { dst[i] = -src[i] }
        case .abs: for i in 0..<n { dst[i] = Swift.abs(src[i]) }
        case .sqrt: for i in 0..<n { dst[i] = src[i].squareRoot() }
        case .exp: tessera_unary(Int32(TESSERA_EXP.rawValue), src, dst, n)
        case .log: for i in 0..<n { dst[i] = Foundation.log(src[i]) }
        case .tanh: tessera_unary(Int32(TESSERA_TANH.rawValue), src, dst, n)
        case .sigmoid: tessera_unary(Int32(TESSERA_SIGMOID.rawValue), src, dst, n)
        case .gelu: tessera_unary(Int32(TESSERA_GELU.rawValue), src, dst, n)
        case .sin: for i in 0..<n { dst[i] = Foundation.sin(src[i]) }
        case .cos: for i in 0..<n { dst[i] = Foundation.cos(src[i]) }
        case .tan: for i in 0..<n { dst[i] = Foundation.tan(src[i]) }
        case .floor: for i in 0..<n { dst[i] = src[i].rounded(.down) }
        case .ceil: for i in 0..<n { dst[i] = src[i].rounded(.up) }
        case .round: for i in 0..<n { dst[i] = src[i].rounded(.toNearestOrAwayFromZero) }
        }
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

    public func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> IndexTensor {
        let ax = try resolve(axis, rank: a.rank)
        guard ax == a.rank - 1, let size = a.shape.last, size > 0 else { return try ReferenceBackend().argmax(a, axis: axis) }
        let rows = a.count / size
        var out = [Int32](repeating: 0, count: rows)
        a.storage.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(rows, minimum: Swift.max(1, (1 << 15) / size)) { range in
                let (src, dst) = shared.value
                for r in range { dst[r] = Int32(ReferenceBackend.argmax(size) { src[r * size + $0] }) }
            }
        }}
        return IndexTensor(shape: Array(a.shape.dropLast()), values: out)
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

    /// `op` between every value and one scalar (on the right, or on the left when
    /// `scalarFirst`), a plain loop per op.
    static func withScalar(_ a: [Float], _ y: Float, _ out: inout [Float], _ op: BinaryOp, scalarFirst: Bool) {
        a.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((src, dst))
            Parallel.chunks(src.count) { range in
                let (src, dst) = shared.value
                let (p, q, n) = (src.baseAddress! + range.lowerBound, dst.baseAddress! + range.lowerBound, range.count)
                switch (op, scalarFirst) {
                case (.add, _): for i in 0..<n { q[i] = p[i] + y }
                case (.multiply, _): for i in 0..<n { q[i] = p[i] * y }
                case (.subtract, false): for i in 0..<n { q[i] = p[i] - y }
                case (.subtract, true): for i in 0..<n { q[i] = y - p[i] }
                case (.divide, false): for i in 0..<n { q[i] = p[i] / y }
                case (.divide, true): for i in 0..<n { q[i] = y / p[i] }
                case (.maximum, _): for i in 0..<n { q[i] = Swift.max(p[i], y) }
                case (.minimum, _): for i in 0..<n { q[i] = Swift.min(p[i], y) }
                case (.greater, false), (.less, true): for i in 0..<n { q[i] = p[i] > y ? 1 : 0 }
                case (.less, false), (.greater, true): for i in 0..<n { q[i] = p[i] < y ? 1 : 0 }
                case (_, false): for i in 0..<n { q[i] = op.apply(p[i], y) }
                case (_, true): for i in 0..<n { q[i] = op.apply(y, p[i]) }
                }
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
                case .reluGradient: for i in range { dst[i] = pb[i] > 0 ? pa[i] : 0 }
                case .geluGradient: VectorMath.map2(pa.baseAddress! + range.lowerBound, pb.baseAddress! + range.lowerBound, dst.baseAddress! + range.lowerBound, range.count, VectorMath.geluGradient)
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

    /// When `b` varies along one contiguous run of `shape`'s axes and is 1 elsewhere: the
    /// sizes before, along and after that run.
    static func band(_ b: [Int], in shape: [Int]) -> (Int, Int, Int)? {
        let padded = [Int](repeating: 1, count: shape.count - b.count) + b
        guard let first = padded.firstIndex(where: { $0 != 1 }), let last = padded.lastIndex(where: { $0 != 1 }) else { return nil }
        guard (first...last).allSatisfy({ padded[$0] == shape[$0] }) else { return nil }
        return (shape[..<first].reduce(1, *), shape[first...last].reduce(1, *), shape[(last + 1)...].reduce(1, *))
    }

    static func band(_ a: [Float], _ b: [Float], _ out: inout [Float], _ outer: Int, _ mid: Int, _ inner: Int, _ op: BinaryOp) {
        a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { dst in
            let shared = UnsafeSendable((pa, pb, dst))
            Parallel.chunks(outer * mid, minimum: Swift.max(1, (1 << 16) / Swift.max(1, inner))) { runs in
                let (pa, pb, dst) = shared.value
                for r in runs {
                    let y = pb[r % mid], base = r * inner
                    switch op {
                    case .add: for i in base..<(base + inner) { dst[i] = pa[i] + y }
                    case .multiply: for i in base..<(base + inner) { dst[i] = pa[i] * y }
                    case .subtract: for i in base..<(base + inner) { dst[i] = pa[i] - y }
                    case .divide: for i in base..<(base + inner) { dst[i] = pa[i] / y }
                    default: for i in base..<(base + inner) { dst[i] = op.apply(pa[i], y) }
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
