/// The checks every backend must pass: each op on random shapes (broadcasting, empty and
/// one-element edge cases included) agrees with `ReferenceBackend`, errors are the same,
/// and results feed later ops (on a GPU: device tensors in, device tensors out).
///
/// It lives in the library, not only in the tests, so that `tessera backend-check` runs
/// it on a machine that has a GPU but no Swift toolchain (bench/gpu-check.sh).
///
/// Tolerances, relative to max(1, |reference|): products and sums accumulate in a
/// different order (1e-4); element-wise arithmetic is exact or within a few ulps (1e-5);
/// transcendental maps run in Float against the reference's Double (1e-5); moves
/// (im2col) are exact.
public final class BackendConformance {
    public let backend: any Backend
    let reference = ReferenceBackend()
    var rng: RandomGenerator
    /// What disagreed, one line each.
    public private(set) var failures: [String] = []
    /// How many comparisons were made.
    public private(set) var cases = 0

    public init(_ backend: any Backend, seed: UInt64 = 42) {
        self.backend = backend
        self.rng = RandomGenerator(seed: seed)
    }

    /// The sections, by name, so a test can run each on its own.
    public static let sections = ["matmul", "binary", "unary", "reduce", "softmax", "argmax", "image", "errors", "chains"]

    /// Runs every section.
    public func runAll() {
        for s in Self.sections { run(s) }
    }

    public func run(_ section: String) {
        switch section {
        case "matmul": matmul()
        case "binary": binary()
        case "unary": unary()
        case "reduce": reduce()
        case "softmax": softmax()
        case "argmax": argmax()
        case "image": image()
        case "errors": errors()
        case "chains": chains()
        default: failures.append("no section named \(section)")
        }
    }

    // MARK: Sections

    func matmul() {
        for (m, k, n) in [(1, 1, 1), (3, 5, 2), (17, 33, 9), (64, 64, 64), (0, 4, 3), (2, 0, 3), (130, 70, 257)] {
            let a = random([m, k]), b = random([k, n])
            compare("matmul \(m)x\(k)x\(n)", 1e-4, try backend.matmul(a, b), try reference.matmul(a, b))
        }
        for (p, m, k, n) in [(4, 3, 5, 2), (1, 8, 8, 8), (3, 0, 2, 2), (2, 16, 1, 7)] {
            let a = random([p, m, k]), b = random([p, k, n])
            compare("batched matmul \(p)x\(m)x\(k)x\(n)", 1e-4, try backend.matmul(a, b), try reference.matmul(a, b))
        }
        // Transposed operands, checked against products of explicitly transposed copies.
        for (m, k, n) in [(3, 5, 2), (1, 1, 1), (33, 17, 65), (4, 0, 3)] {
            for (ta, tb) in [(true, false), (false, true), (true, true)] {
                let a = random(ta ? [k, m] : [m, k]), b = random(tb ? [n, k] : [k, n])
                let t = Transpose(a: ta, b: tb)
                let plain = try? reference.matmul(ta ? a.permuted([1, 0]) : a, tb ? b.permuted([1, 0]) : b)
                compare("matmul \(m)x\(k)x\(n) transposing a: \(ta) b: \(tb)", 1e-4, try backend.matmul(a, b, transpose: t), try reference.matmul(a, b, transpose: t))
                compare("the reference's transposes \(m)x\(k)x\(n) \(ta) \(tb)", 1e-5, try reference.matmul(a, b, transpose: t), plain ?? Tensor(zeros: [0]))
            }
        }
        // One matrix against a batch, on either side, plain and transposed.
        for (sa, sb, t) in [([3, 4], [5, 4, 2], Transpose.none), ([5, 3, 4], [4, 2], Transpose.none), ([4, 3], [5, 2, 4], Transpose(a: true, b: true)),
                            ([5, 4, 3], [2, 4], Transpose(a: true, b: true)), ([6, 3], [2, 7, 3], Transpose(b: true))] {
            let (a, b) = (random(sa), random(sb))
            compare("matmul \(sa) with \(sb) \(t)", 1e-4, try backend.matmul(a, b, transpose: t), try reference.matmul(a, b, transpose: t))
        }
        let (one, many) = (random([3, 4]), random([5, 4, 2]))
        compare("the reference's broadcast batch", 1e-6, try reference.matmul(one, many),
                try reference.matmul(try Tensor.stack([Tensor](repeating: one, count: 5)), many))
        let (x, y) = (random([2, 4, 3]), random([2, 5, 4]))
        compare("batched matmul transposing both", 1e-4, try backend.matmul(x, y, transpose: Transpose(a: true, b: true)),
                try reference.matmul(try x.permuted([0, 2, 1]), try y.permuted([0, 2, 1])))
    }

    func binary() {
        for op in BinaryOp.allCases {
            for _ in 0..<12 {
                let shape = randomShape()
                // The other operand: the same shape, a scalar, a row, the trailing axes (a table
                // repeated over the leading ones), or a random broadcastable shape.
                let variants: [[Int]] = [shape, [1], [], [shape.last!], Array(shape.dropFirst()), shape.map { Bool.random(using: &rng) ? 1 : $0 }]
                for other in variants {
                    let a = random(shape, positive: op == .power), b = random(other)
                    compare("\(op) \(shape) with \(other)", 1e-5, try backend.binary(op, a, b), try reference.binary(op, a, b))
                    // Reversed (a negative base to a fractional power is NaN on both sides).
                    compare("\(op) \(other) with \(shape)", 1e-5, try backend.binary(op, b, a), try reference.binary(op, b, a))
                }
            }
            let empty = Tensor(shape: [0, 3], storage: []), row = random([3])
            compare("\(op) of an empty tensor", 0, try backend.binary(op, empty, row), try reference.binary(op, empty, row))
        }
        // Large enough for many blocks and every thread of a CPU backend.
        let a = random([1000, 1001]), b = random([1001]), c = random([1000, 1])
        compare("add 10^6 with a row", 1e-6, try backend.binary(.add, a, b), try reference.binary(.add, a, b))
        compare("multiply 10^6 with a column", 1e-6, try backend.binary(.multiply, a, c), try reference.binary(.multiply, a, c))
    }

    func unary() {
        for op in UnaryOp.allCases {
            for shape in [[5, 9], [1], [], [300, 1000]] {
                let a = random(shape, positive: op == .log || op == .sqrt)
                compare("\(op) \(shape)", 1e-5, try backend.unary(op, a), reference.unary(op, a))
            }
            compare("\(op) of an empty tensor", 0, try backend.unary(op, Tensor(shape: [0], storage: [])), Tensor(shape: [0], storage: []))
        }
    }

    func reduce() {
        for op in ReduceOp.allCases {
            for shape in [[1], [7], [3, 4], [2, 3, 5], [1, 1], [4, 1000], [3, 700, 2]] {
                let a = random(shape)
                compare("\(op) of all \(shape)", 1e-4, try backend.reduce(op, a, axis: nil), try reference.reduce(op, a, axis: nil))
                for axis in Array(0..<shape.count) + [-1] {
                    compare("\(op) along \(axis) of \(shape)", 1e-4, try backend.reduce(op, a, axis: axis), try reference.reduce(op, a, axis: axis))
                }
            }
            // Every element of a large tensor, and zero-length axes.
            let big = random([1_000_003])
            compare("\(op) of 10^6 values", 1e-4, try backend.reduce(op, big, axis: nil), try reference.reduce(op, big, axis: nil))
            let hollow = Tensor(shape: [3, 0], storage: [])
            sameError("\(op) along an empty axis", try backend.reduce(op, hollow, axis: 1), try reference.reduce(op, hollow, axis: 1))
            compare("\(op) of [0, 3] along 1", 0, try backend.reduce(op, Tensor(shape: [0, 3], storage: []), axis: 1), Tensor(shape: [0], storage: []))
        }
    }

    func softmax() {
        for shape in [[1, 1], [4, 10], [2, 3, 6], [3, 1000], [1, 5000], [7]] {
            let a = random(shape)
            for axis in Array(0..<shape.count) + [-1] {
                for log in [false, true] {
                    compare("softmax \(shape) axis \(axis) log \(log)", 1e-5, try backend.softmax(a, axis: axis, log: log),
                            try reference.softmax(a, axis: axis, log: log))
                }
            }
        }
        let peaked = Tensor(shape: [2, 3], storage: [1000, 0, -1000, 88, 89, 90])
        compare("softmax of large logits", 1e-5, try backend.softmax(peaked, axis: 1, log: true), try reference.softmax(peaked, axis: 1, log: true))
    }

    /// Compared as the Float32 values of the indices: exact for these sizes.
    func argmax() {
        for shape in [[1], [7], [3, 4], [2, 3, 5], [1000, 10], [3, 0, 2], [0, 4]] {
            let a = random(shape)
            for axis in Array(0..<shape.count) + [-1] {
                if shape.contains(0) {  // an empty result, or the reference's error for an empty axis
                    sameError("argmax \(shape) along \(axis)", try backend.argmax(a, axis: axis).floats, try reference.argmax(a, axis: axis).floats)
                } else {
                    compare("argmax \(shape) along \(axis)", 0, try backend.argmax(a, axis: axis).floats, try reference.argmax(a, axis: axis).floats)
                }
            }
        }
        // Ties go to the first; a NaN wins; whole rows of one value give 0.
        let ties = Tensor(shape: [3, 4], storage: [1, 5, 5, 2, .nan, 1, 9, .nan, 3, 3, 3, 3])
        compare("argmax with ties and NaN", 0, try backend.argmax(ties, axis: 1).floats, Tensor(shape: [3], storage: [1, 0, 0]))
        compare("argmax down columns", 0, try backend.argmax(ties, axis: 0).floats, Tensor(shape: [4], storage: [1, 0, 1, 1]))
    }

    func image() {
        for (shape, window) in [([1, 1, 5, 5], Window(kernel: 3)), ([3, 2, 7, 6], Window(kernel: 2, stride: 2)), ([2, 3, 5, 7], Window(kernel: 2, stride: 2)),
                                ([4, 3, 8, 8], Window(kernel: (3, 2), stride: 1, padding: 1)), ([2, 1, 1, 1], Window(kernel: 1)),
                                ([2, 4, 9, 9], Window(kernel: 3, stride: 2, padding: 1)), ([64, 16, 14, 14], Window(kernel: 3, padding: 1))] {
            let x = random(shape)
            compare("im2col \(shape) \(window)", 0, try backend.im2col(x, window), try reference.im2col(x, window))
            if let cols = try? reference.im2col(x, window) {
                let y = random(cols.shape)

                compare("col2im \(shape) \(window)", 1e-5, try backend.col2im(y, image: shape, window), try reference.col2im(y, image: shape, window))
            }
            for op in [PoolOp.max, .average] {
                compare("pool \(op) \(shape) \(window)", 1e-6, try backend.pool(op, x, window), try reference.pool(op, x, window))
                if let pooled = try? reference.pool(op, x, window) {
                    let g = random(pooled.shape)
                    compare("pool gradient \(op) \(shape) \(window)", 1e-5, try backend.poolGradient(op, x, g, window), try reference.poolGradient(op, x, g, window))
                }
            }
        }
    }

    func errors() {
        let (a, b, v) = (random([2, 3]), random([4, 2]), random([4]))
        sameError("matmul of unfit shapes", try backend.matmul(a, b), try reference.matmul(a, b))
        sameError("matmul of vectors", try backend.matmul(v, v), try reference.matmul(v, v))
        sameError("add of unfit shapes", try backend.binary(.add, a, v), try reference.binary(.add, a, v))
        sameError("sum along a missing axis", try backend.reduce(.sum, a, axis: 2), try reference.reduce(.sum, a, axis: 2))
        sameError("max of nothing", try backend.reduce(.max, Tensor(shape: [0], storage: []), axis: nil),
                  try reference.reduce(.max, Tensor(shape: [0], storage: []), axis: nil))
        sameError("softmax along a missing axis", try backend.softmax(a, axis: -3, log: false), try reference.softmax(a, axis: -3, log: false))
        sameError("pool of a matrix", try backend.pool(.max, a, Window(kernel: 2)), try reference.pool(.max, a, Window(kernel: 2)))
        sameError("pool gradient of the wrong shape", try backend.poolGradient(.max, random([1, 1, 4, 4]), random([1, 1, 3, 3]), Window(kernel: 2, stride: 2)),
                  try reference.poolGradient(.max, random([1, 1, 4, 4]), random([1, 1, 3, 3]), Window(kernel: 2, stride: 2)))
        sameError("col2im of unfit columns", try backend.col2im(a, image: [1, 1, 4, 4], Window(kernel: 2)),
                  try reference.col2im(a, image: [1, 1, 4, 4], Window(kernel: 2)))
        sameError("a window larger than the image", try backend.im2col(random([1, 1, 2, 2]), Window(kernel: 3)),
                  try reference.im2col(random([1, 1, 2, 2]), Window(kernel: 3)))
    }

    /// A small network's forward pass, each op consuming the last one's output in the
    /// backend's own memory, and `prepare` round trips.
    func chains() {
        let x = random([32, 20]), w1 = random([20, 16]), b1 = random([16]), w2 = random([16, 5])
        func forward(_ k: any Backend, _ x: Tensor, _ w1: Tensor, _ b1: Tensor, _ w2: Tensor) throws(TensorError) -> Tensor {
            let h = try k.unary(.relu, try k.binary(.add, try k.matmul(x, w1), b1))
            let p = try k.softmax(try k.matmul(h, w2), axis: -1, log: true)
            return try k.reduce(.mean, try k.unary(.negate, p), axis: nil)
        }
        compare("an MLP's forward pass", 1e-4, try forward(backend, x, w1, b1, w2), try forward(reference, x, w1, b1, w2))
        do {
            let (px, pw1, pb1, pw2) = (try backend.prepare(x), try backend.prepare(w1), try backend.prepare(b1), try backend.prepare(w2))
            compare("prepare keeps the values", 0, px, x)
            compare("an MLP's forward pass on prepared tensors", 1e-4, try forward(backend, px, pw1, pb1, pw2), try forward(reference, x, w1, b1, w2))
            let images = random([2, 3, 6, 6])

            let pooled = try backend.pool(.max, try backend.prepare(images), Window(kernel: 2, stride: 2))
            compare("pool then im2col", 0, try backend.im2col(pooled, Window(kernel: 3, padding: 1)),
                    try reference.im2col(try reference.pool(.max, images, Window(kernel: 2, stride: 2)), Window(kernel: 3, padding: 1)))
            for (shape, order) in [([2, 3, 4], [1, 0, 2]), ([2, 3, 4], [2, 0, 1]), ([5, 7], [1, 0]), ([2, 1, 3, 2], [0, 3, 1, 2]), ([4], [0])] {
                let t = random(shape)
                compare("permute \(shape) by \(order)", 0, try backend.permute(try backend.prepare(t), order), try t.permuted(order))
            }
            for (from, to) in [([1, 3, 1], [2, 3, 4]), ([], [2, 2]), ([4, 1], [4, 5]), ([3], [2, 3])] {
                let t = random(from)
                compare("broadcast \(from) to \(to)", 0, try backend.broadcast(try backend.prepare(t), to: to), try reference.broadcast(t, to: to))
            }
            sameError("broadcast to a smaller shape", try backend.broadcast(random([2, 3]), to: [3]), try reference.broadcast(random([2, 3]), to: [3]))
            sameError("permute by a wrong order", try backend.permute(random([2, 3]), [0, 0]), try random([2, 3]).permuted([0, 0]))
            try backend.synchronize()
            cases += 1
        } catch {
            failures.append("prepare or synchronize failed: \(error)")
        }
    }

    // MARK: Helpers

    func random(_ shape: [Int], positive: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in
            let x = Float(rng.nextNormal())
            return positive ? Swift.abs(x) + 0.1 : x
        })
    }

    func randomShape(maxRank: Int = 3) -> [Int] {
        (0..<Int.random(in: 1...maxRank, using: &rng)).map { _ in Int.random(in: 1...7, using: &rng) }
    }

    /// Records a failure unless both sides succeed with close values, or both fail alike.
    func compare(_ what: String, _ tolerance: Float, _ got: @autoclosure () throws -> Tensor, _ want: @autoclosure () throws -> Tensor) {
        cases += 1
        let g: Tensor, w: Tensor
        do { w = try want() } catch {
            failures.append("\(what): the reference failed: \(error)")
            return
        }
        do { g = try got() } catch {
            failures.append("\(what): \(backend.name) failed: \(error)")
            return
        }
        guard g.shape == w.shape else {
            failures.append("\(what): shape \(g.shape), the reference's \(w.shape)")
            return
        }
        let (gv, wv) = (g.storage, w.storage)
        for i in 0..<gv.count {
            let (x, y) = (gv[i], wv[i])
            if x.isNaN && y.isNaN { continue }
            if x == y { continue }  // equal infinities
            if !(Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(y))) {
                failures.append("\(what): element \(i) is \(x), the reference's \(y) (tolerance \(tolerance))")
                return
            }
        }
    }

    /// Records a failure unless both sides throw the same kind of error with the same message.
    func sameError(_ what: String, _ got: @autoclosure () throws -> Tensor, _ want: @autoclosure () throws -> Tensor) {
        cases += 1
        let g = Result { try got() }, w = Result { try want() }
        switch (g, w) {
        case (.success(let x), .success(let y)):
            if x != y { failures.append("\(what): \(backend.name) gives \(x.shape) \(x.storage.prefix(4)), the reference \(y.shape) \(y.storage.prefix(4))") }
        case (.failure(let e), .failure(let f)):
            if "\(e)" != "\(f)" { failures.append("\(what): \(backend.name) says \"\(e)\", the reference \"\(f)\"") }
        case (.success, .failure(let f)): failures.append("\(what): \(backend.name) succeeded, the reference failed with \"\(f)\"")
        case (.failure(let e), .success): failures.append("\(what): \(backend.name) failed with \"\(e)\", the reference succeeded")
        }
    }
}
