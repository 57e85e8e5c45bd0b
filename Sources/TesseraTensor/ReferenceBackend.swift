import Foundation

/// The primitive ops in plain Swift, one element at a time, written to be read: the
/// oracle that every other backend is tested against.
public struct ReferenceBackend: Backend {
    public init() {}
    public var name: String { "reference" }

    public func matmul(_ a: Tensor, _ b: Tensor, transpose: Transpose) throws(TensorError) -> Tensor {
        let plan = try MatmulShape.check(a.shape, b.shape, transpose)
        let (batch, m, k, n) = (plan.batch, plan.m, plan.k, plan.n)
        let (va, vb) = (a.storage, b.storage)
        // Element (i, t) of op(a) and (t, j) of op(b), within matrix p.
        func x(_ p: Int, _ i: Int, _ t: Int) -> Float { va[p * plan.strideA + (transpose.a ? t * m + i : i * k + t)] }
        func y(_ p: Int, _ t: Int, _ j: Int) -> Float { vb[p * plan.strideB + (transpose.b ? j * k + t : t * n + j)] }
        var out = [Float](repeating: 0, count: batch * m * n)
        for p in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for t in 0..<k { sum += x(p, i, t) * y(p, t, j) }
                    out[p * m * n + i * n + j] = sum
                }
            }
        }
        return Tensor(shape: MatmulShape.result(a.shape, b.shape, plan), storage: out)
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        let shape = try Broadcast.shape(a.shape, b.shape)
        let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
        let count = shape.reduce(1, *)
        let (va, vb) = (a.storage, b.storage)
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for e in 0..<count {
            var oa = 0, ob = 0
            for d in 0..<shape.count { oa += index[d] * sa[d]; ob += index[d] * sb[d] }
            out[e] = op.apply(va[oa], vb[ob])
            // Advance the multi-index, last dimension fastest.
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return Tensor(shape: shape, storage: out)
    }

    public func unary(_ op: UnaryOp, _ a: Tensor) -> Tensor {
        Tensor(shape: a.shape, storage: a.storage.map(op.apply))
    }

    public func reduce(_ op: ReduceOp, _ a: Tensor, axis: Int?) throws(TensorError) -> Tensor {
        guard let axis else {
            return Tensor(shape: [], storage: [try Self.reduce(op, a.storage[...])])
        }
        let ax = try resolve(axis, rank: a.rank)
        let (outer, size, inner) = Self.split(a.shape, ax)
        let values = a.storage
        var out = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                let run = (0..<size).map { values[(o * size + $0) * inner + i] }
                out[o * inner + i] = try Self.reduce(op, run[...])
            }
        }
        var shape = a.shape
        shape.remove(at: ax)
        return Tensor(shape: shape, storage: out)
    }

    public func argmax(_ a: Tensor, axis: Int) throws(TensorError) -> IndexTensor {
        let ax = try resolve(axis, rank: a.rank)
        let (outer, size, inner) = Self.split(a.shape, ax)
        guard size > 0 || outer * inner == 0 else { throw TensorError(.value, "argmax along an empty axis is not defined") }
        let values = a.storage
        var out = [Int32](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                out[o * inner + i] = Int32(Self.argmax(size) { values[(o * size + $0) * inner + i] })
            }
        }
        var shape = a.shape
        shape.remove(at: ax)
        return IndexTensor(shape: shape, values: out)
    }

    /// The first index of the largest of `count` values; a NaN wins (and the first NaN).
    @inline(__always)
    static func argmax(_ count: Int, _ value: (Int) -> Float) -> Int {
        var best = 0
        var top = value(0)
        if top.isNaN { return 0 }
        for j in 1..<Swift.max(1, count) {
            let v = value(j)
            if v.isNaN { return j }
            if v > top { top = v; best = j }
        }
        return best
    }

    public func softmax(_ a: Tensor, axis: Int, log: Bool) throws(TensorError) -> Tensor {
        let ax = try resolve(axis, rank: a.rank)
        let (outer, size, inner) = Self.split(a.shape, ax)
        let values = a.storage
        var out = values
        for o in 0..<outer {
            for i in 0..<inner {
                let at = (0..<size).map { (o * size + $0) * inner + i }
                let peak = at.map { values[$0] }.max() ?? 0
                let total = at.reduce(0.0) { $0 + Foundation.exp(Double(values[$1] - peak)) }
                for j in at {
                    let shifted = Double(values[j] - peak)
                    out[j] = Float(log ? shifted - Foundation.log(total) : Foundation.exp(shifted) / total)
                }
            }
        }
        return Tensor(shape: a.shape, storage: out)
    }

    /// A shape seen as [outer, size of axis, inner].
    static func split(_ shape: [Int], _ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    static func reduce(_ op: ReduceOp, _ values: ArraySlice<Float>) throws(TensorError) -> Float {
        if values.isEmpty {
            switch op {
            case .sum: return 0
            default: throw TensorError(.value, "\(op.rawValue) of an empty tensor is not defined")
            }
        }
        return op.apply(values)
    }
}

/// The shapes a matrix product accepts: [m, k] x [k, n], or batched with the same
/// leading dimension [b, m, k] x [b, k, n] (each after its transposition, if any).
enum MatmulShape {
    /// The product's dimensions, and each operand's step between batch matrices (0 for a
    /// single matrix against a batch: it is used for every one, not copied).
    struct Plan { let batch, m, k, n, strideA, strideB: Int }

    static func check(_ a: [Int], _ b: [Int], _ transpose: Transpose = .none) throws(TensorError) -> Plan {
        func swapped(_ s: [Int], _ t: Bool) -> [Int] { t && s.count >= 2 ? s.dropLast(2) + [s[s.count - 1], s[s.count - 2]] : s }
        let (a, b) = (swapped(a, transpose.a), swapped(b, transpose.b))
        guard (a.count == 2 || a.count == 3) && (b.count == 2 || b.count == 3) else {
            throw .shape("matmul needs matrices [m, k] @ [k, n], batches [b, m, k] @ [b, k, n], or a matrix with a batch; got \(a) and \(b)")
        }
        let (m, k) = (a[a.count - 2], a[a.count - 1]), (k2, n) = (b[b.count - 2], b[b.count - 1])
        guard k == k2 else { throw .shape("matmul: \(a) @ \(b): the inner dimensions \(k) and \(k2) differ") }
        if a.count == 3 && b.count == 3 && a[0] != b[0] { throw .shape("batched matmul: batch sizes \(a[0]) and \(b[0]) differ") }
        let batch = a.count == 3 ? a[0] : (b.count == 3 ? b[0] : 1)
        try HostMemory.check(shape: [batch, m, n], what: "the product \(a) @ \(b)")
        return Plan(batch: batch, m: m, k: k, n: n, strideA: a.count == 3 ? m * k : 0, strideB: b.count == 3 ? k * n : 0)
    }

    static func result(_ a: [Int], _ b: [Int], _ plan: Plan) -> [Int] {
        a.count == 3 || b.count == 3 ? [plan.batch, plan.m, plan.n] : [plan.m, plan.n]
    }

    /// Leading dimensions of the stored (row-major) operands for BLAS.
    static func leading(m: Int, k: Int, n: Int, _ transpose: Transpose) -> (a: Int, b: Int) {
        (transpose.a ? m : k, transpose.b ? k : n)
    }
}
