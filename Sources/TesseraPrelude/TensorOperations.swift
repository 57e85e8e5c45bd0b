import Foundation
import TesseraNN
import TesseraScript
import TesseraTensor

/// Every operation on a language tensor, once: operators, math functions, subscripts and
/// members. Each runs as a `Tape` operation, on the tape of a traced operand inside
/// `grad(of:at:)` (so it is recorded with its gradient) and on the session's untraced tape
/// otherwise (so it only computes, on the session's backend).
extension TensorObject {
    /// One operand as a tape variable: a tensor's own (traced or not), a number or an Array
    /// as a constant. `what` names it in the TypeError for anything else.
    static func operand(_ v: Value, _ what: @autoclosure () -> String) throws -> Variable {
        if case .object(let o as TensorObject) = v { return o.variable }
        return Variable(try tensor(v, what()))
    }

    /// The recording tape of a traced tensor; nil for anything else.
    static func traced(_ v: Value) -> Tape? {
        if case .object(let o as TensorObject) = v { return o.tape }
        return nil
    }

    /// Where an operation runs: the tape of a traced operand, else the session's untraced one.
    static func tape(_ a: Value, _ b: Value? = nil) -> Tape {
        traced(a) ?? b.flatMap(traced) ?? TensorRuntime.shared.tape
    }

    /// `op` of two operands, on the tape `tape(a, b)` chooses.
    static func run(_ a: Value, _ b: Value, _ what: @autoclosure () -> String, _ op: (Tape, Variable, Variable) throws -> Variable) throws -> Value {
        let (x, y) = (try operand(a, "left operand of " + what()), try operand(b, "right operand of " + what()))
        let on = tape(a, b)
        return .object(TensorObject(try ScriptError.converting { try op(on, x, y) }, on: on))
    }

    /// `op` of one operand.
    static func run(_ a: Value, _ what: @autoclosure () -> String, _ op: (Tape, Variable) throws -> Variable) throws -> Value {
        let x = try operand(a, what())
        let on = tape(a)
        return .object(TensorObject(try ScriptError.converting { try op(on, x) }, on: on))
    }

    /// `self` through one tape operation.
    func run(_ what: String, _ op: (Tape, Variable) throws -> Variable) throws -> Value {
        let on = tape ?? TensorRuntime.shared.tape
        return .object(TensorObject(try ScriptError.converting { try op(on, variable) }, on: on))
    }

    /// A reduction's result: a Double for a plain tensor reduced to one value (as `sum()`
    /// has always given), a tensor otherwise (and always when traced, so it stays on the tape).
    static func reduced(_ v: Value, overAll: Bool) -> Value {
        if overAll, case .object(let t as TensorObject) = v, !t.isTraced { return .double(Double(t.tensor.storage[0])) }
        return v
    }

    // MARK: Operators

    static let arithmetic: [String: @Sendable (Tape, Variable, Variable) throws -> Variable] = [
        "+": { try $0.add($1, $2) }, "-": { try $0.subtract($1, $2) },
        "*": { try $0.multiply($1, $2) }, "/": { try $0.divide($1, $2) },
    ]
    /// Comparisons give 0/1 masks, through which no gradient flows (as in PyTorch).
    static let comparisons: [String: BinaryOp] = ["<": .less, ">": .greater, "<=": .lessOrEqual, ">=": .greaterOrEqual]

    public func binary(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value? {
        if let f = Self.arithmetic[op] { return try Self.run(lhs, rhs, "'\(op)'", f) }
        if let c = Self.comparisons[op] {
            let a = try Self.tensor(lhs, "left operand of '\(op)'"), b = try Self.tensor(rhs, "right operand of '\(op)'")
            return .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.binary(c, a, b) }))
        }
        switch op {
        case "@": return try Self.run(lhs, rhs, "'@'", Self.matmul)
        case "**":
            // A number as the exponent is a constant power (its gradient needs no logarithm).
            if let c = rhs.asDouble { return try Self.run(lhs, "the base of '**'") { try $0.power($1, Float(c)) } }
            return try Self.run(lhs, rhs, "'**'") { try $0.power($1, $2) }
        default: return nil
        }
    }

    /// a @ b, a vector on either side being a row (left) or a column (right) that the result
    /// drops, as in NumPy.
    static func matmul(_ t: Tape, _ a: Variable, _ b: Variable) throws -> Variable {
        let (ra, rb) = (a.value.rank, b.value.rank)
        let ma = ra == 1 ? try t.reshape(a, [1, a.value.count]) : a
        let mb = rb == 1 ? try t.reshape(b, [b.value.count, 1]) : b
        let r = try t.matmul(ma, mb)
        guard ra == 1 || rb == 1 else { return r }
        return try t.reshape(r, ra == 1 && rb == 1 ? [] : Array(r.shape.dropLast(rb == 1 ? 1 : 0).dropFirst(ra == 1 ? 1 : 0)))
    }

    /// The math functions and unary minus on a tensor, element by element.
    static let elementwise: [String: @Sendable (Tape, Variable) throws -> Variable] = [
        "-": { try $0.negate($1) }, "exp": { try $0.exp($1) }, "log": { try $0.log($1) }, "sqrt": { try $0.sqrt($1) },
        "abs": { try $0.abs($1) }, "tanh": { try $0.tanh($1) }, "sin": { try $0.sin($1) }, "cos": { try $0.cos($1) },
        "tan": { try $0.tan($1) }, "floor": { try $0.rounded(.floor, $1) }, "ceil": { try $0.rounded(.ceil, $1) },
        "round": { try $0.rounded(.round, $1) },
    ]

    public func unary(_ op: String, _ operand: Value) throws -> Value? {
        if let f = Self.elementwise[op] { return try run(op, f) }
        // max(t) and min(t): the largest or smallest element, as t.max() and t.min().
        if op == "max" || op == "min" { return Self.reduced(try run(op) { try $0.extreme($1, max: op == "max") }, overAll: true) }
        return nil
    }

    // MARK: Subscripts

    public func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        guard tensor.rank >= 1 else { throw ScriptError(.shape, "a scalar tensor has no elements to index; use item()") }
        let n = tensor.shape[0]
        if case .range(let r) = index {
            // t[0..<32]: a slice of rows (a mini-batch).
            guard r.lower >= 0, r.upperExclusive <= n, r.lower <= r.upperExclusive else {
                throw ScriptError(.shape, "rows \(r) are out of range for a first dimension of \(n) (valid: within 0..<\(n))")
            }
            if !isTraced { return .object(TensorObject(try ScriptError.converting { try tensor.rows(r.lower..<r.upperExclusive) })) }
            let rows = IndexTensor(shape: [r.count], values: (r.lower..<r.upperExclusive).map { Int32($0) })
            return try run("t[\(r)]") { try $0.gather($1, rows) }
        }
        guard case .int(let i) = index else { throw ScriptError(.type, "a tensor is indexed by an Int or a range along its first dimension") }
        let k = i < 0 ? i + n : i
        guard k >= 0 && k < n else { throw ScriptError(.index, "index \(i) is out of range for a first dimension of \(n) (valid: 0..<\(n))") }
        // A plain vector's element is a number; a traced one stays a (0-d) tensor on the tape.
        if !isTraced && tensor.rank == 1 { return .double(Double(tensor.storage[k])) }
        return try run("t[\(i)]") { try $0.gather($1, IndexTensor(shape: [], values: [Int32(k)])) }
    }

    public func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "tensors are immutable values; build a new one (e.g. with arithmetic or tensor(...))")
    }

    // MARK: Members

    static func axis(_ a: Arguments) throws -> Int? { try a.optionalInt("axis") }

    static func reduction(_ name: String, _ summary: String, _ op: @escaping (Tape, Variable, Int?) throws -> Variable) -> NativeMembers<TensorObject>.Member {
        .method(Declaration(name, [.labelled("axis", .int, default: .nil, "the axis to reduce (removed from the shape); every element when left out")],
                            returns: "Tensor or Double", summary: summary + " A Double over every element, a Tensor along an axis.",
                            example: "let t = tensor([[1, 2], [3, 4]])\nt.\(name)()\nt.\(name)(axis: 0)",
                            errors: [(.shape, "the axis is out of range")])) { t, a, _ in
            let axis = try axis(a)
            return reduced(try t.run("\(name)(axis:)") { try op($0, $1, axis) }, overAll: axis == nil)
        }
    }

    static func function(_ name: String, _ summary: String, _ op: @escaping (Tape, Variable) throws -> Variable) -> NativeMembers<TensorObject>.Member {
        .method(Declaration(name, returns: "Tensor", summary: summary, example: "tensor([-1.0, 0.0, 2.0]).\(name)()")) { t, _, _ in
            try t.run("\(name)()") { try op($0, $1) }
        }
    }

    public static let nativeMembers = NativeMembers<TensorObject>([
        .property(name: "shape", doc: "The size of each dimension, as an Array of Ints.") { t in .array(t.tensor.shape.map { .int($0) }) },
        .property(name: "dtype", doc: "\"float32\" (an Int32 tensor says \"int32\").") { _ in .string("float32") },
        .property(name: "count", doc: "How many elements it holds.") { t in .int(t.tensor.count) },
        .property(name: "rank", doc: "How many dimensions it has.") { t in .int(t.tensor.rank) },
        .property(name: "values", doc: "The elements as nested Arrays of Doubles (a Double for a scalar).") { t in nested(t.tensor) },
        .property(name: "T", doc: "A matrix transposed (on the backend; differentiable).") { t in
            guard t.tensor.rank == 2 else { throw ScriptError(.shape, ".T transposes a matrix; this tensor has shape \(t.tensor.shape)") }
            return try t.run(".T") { try $0.permute($1, [1, 0]) }
        },
        .method(Declaration("item", returns: "Double", summary: "The value of a one-element tensor.", example: "tensor([[2.5]]).item()",
                            errors: [(.shape, "the tensor has more or fewer than one element")])) { t, _, _ in
            guard t.tensor.count == 1 else { throw ScriptError(.shape, "item() needs a one-element tensor; this one has shape \(t.tensor.shape)") }
            return .double(Double(t.tensor.storage[0]))
        },
        .method(Declaration("int", returns: "Tensor (int32)", summary: "The values as Int32 indices (for gather and oneHot); each must be a whole number.",
                            example: "tensor([2.0, 0.0]).int()", errors: [(.value, "a value is not a whole number within Int32's range")])) { t, _, _ in
            .object(IndexTensorObject(try ScriptError.converting { try IndexTensor(exactly: t.tensor) }))
        },
        .method(Declaration("float", returns: "Tensor", summary: "The tensor itself (already float32).", example: "tensor([1, 2]).float()")) { t, _, _ in .object(t) },
        reduction("sum", "The sum of the elements.") { try $0.sum($1, axis: $2) },
        reduction("mean", "The mean of the elements.") { try $0.mean($1, axis: $2) },
        reduction("max", "The largest element (a gradient goes to it, shared among ties).") { try $0.extreme($1, max: true, axis: $2) },
        reduction("min", "The smallest element (a gradient goes to it, shared among ties).") { try $0.extreme($1, max: false, axis: $2) },
        reduction("variance", "The population variance (divided by n, as NumPy's var).") { try $0.variance($1, axis: $2) },
        .method(Declaration("argmax", [.labelled("axis", .int, default: .int(-1), "the axis to search")], returns: "Tensor (int32)",
                            summary: "The index of the largest value along an axis (the first on ties).", example: "tensor([[1, 5], [7, 2]]).argmax()",
                            errors: [(.shape, "the axis is out of range")])) { t, a, _ in
            let axis = try a.int("axis")
            return .object(IndexTensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.argmax(t.tensor, axis: axis) }))
        },
        .method(Declaration("reshape", [.positional("shape", .either("Array | Int", [.array, .int]), "the new shape; one dimension may be -1")],
                            returns: "Tensor", summary: "The same values in a new shape.", example: "arange(6).reshape([2, -1])",
                            errors: [(.shape, "the shape holds a different number of values")])) { t, a, _ in
            let shape = try t.resolvedShape(try shape(a["shape"], a.place("shape"), allowInfer: true))
            return try t.run("reshape(_:)") { try $0.reshape($1, shape) }
        },
        .method(Declaration("gather", [.positional("indices", .any, "an Int, an Array of Ints or an Int32 tensor, of any shape")], returns: "Tensor",
                            summary: "The rows (first axis) at the given indices, in that order: the result's shape is indices.shape + a row's shape.",
                            example: "tensor([[1, 2], [3, 4], [5, 6]]).gather([2, 0])", errors: [(.value, "an index is out of range")])) { t, a, _ in
            let picked = try indices(a["indices"], a.place("indices"))
            return try t.run("gather(_:)") { try $0.gather($1, picked) }
        },
        .method(Declaration("permute", [.positional("axes", .array, "each axis once, in the new order")], returns: "Tensor",
                            summary: "The axes in a new order.", example: "zeros([2, 3, 4]).permute([0, 2, 1]).shape",
                            errors: [(.value, "the axes are not each axis once")])) { t, a, _ in
            let order = try shape(a["axes"], a.place("axes"))
            return try t.run("permute(_:)") { try $0.permute($1, order) }
        },
        .method(Declaration("softmax", [.labelled("axis", .int, default: .int(-1), "the axis whose values sum to 1")], returns: "Tensor",
                            summary: "exp(x) / Σ exp(x) along an axis, computed stably.", example: "tensor([[1, 2, 3]]).softmax()")) { t, a, _ in
            let axis = try a.int("axis")
            return try t.run("softmax(axis:)") { try $0.softmax($1, axis: axis, log: false) }
        },
        .method(Declaration("logSoftmax", [.labelled("axis", .int, default: .int(-1), "the axis to normalize along")], returns: "Tensor",
                            summary: "The log of softmax, computed stably.", example: "tensor([[1, 2, 3]]).logSoftmax()")) { t, a, _ in
            let axis = try a.int("axis")
            return try t.run("logSoftmax(axis:)") { try $0.softmax($1, axis: axis, log: true) }
        },
        function("sigmoid", "1 / (1 + exp(-x)) of every element.") { try $0.sigmoid($1) },
        function("tanh", "The hyperbolic tangent of every element.") { try $0.tanh($1) },
        function("relu", "max(x, 0) of every element.") { try $0.relu($1) },
        function("exp", "e to the power of every element.") { try $0.exp($1) },
        function("log", "The natural logarithm of every element.") { try $0.log($1) },
        function("sqrt", "The square root of every element.") { try $0.sqrt($1) },
        function("abs", "The absolute value of every element.") { try $0.abs($1) },
    ], aliases: [
        // NumPy's and PyTorch's names.
        "transpose": "T", "tolist": "values", "numpy": "values", "size": "count", "ndim": "rank", "dim": "rank",
        "var": "variance", "view": "reshape", "astype": "float", "index_select": "gather",
    ])

    /// A shape with its -1 (if any) worked out from the element count.
    func resolvedShape(_ wanted: [Int]) throws -> [Int] {
        var shape = wanted
        let t = tensor
        if let k = shape.firstIndex(of: -1) {
            var rest = shape
            rest.remove(at: k)
            guard !rest.contains(-1), let known = Tensor.elementCount(rest), known > 0, t.count % known == 0 else {
                throw ScriptError(.shape, "cannot reshape \(t.count) values into \(shape)", suggestion: "only one dimension may be -1")
            }
            shape[k] = t.count / known
        }
        guard let count = Tensor.elementCount(shape), count == t.count else {
            let size = Tensor.elementCount(shape).map { "\($0) values" } ?? "more values than a 64-bit size can count"
            throw ScriptError(.shape, "cannot reshape a tensor of shape \(t.shape) (\(t.count) values) into \(shape) (\(size))")
        }
        return shape
    }
}
