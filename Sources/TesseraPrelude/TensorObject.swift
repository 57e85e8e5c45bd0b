import Foundation
import TesseraDisplay
import TesseraScript
import TesseraTensor

/// The session's backend: every tensor operation runs on it (`backend("openblas")`).
final class TensorRuntime: @unchecked Sendable {
    static let shared = TensorRuntime()
    private let lock = NSLock()
    private var current: any Backend = OpenBLASBackend()

    var backend: any Backend {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}

/// A tensor in the language: arithmetic with `+ - * /` (broadcasting) and `@`, members
/// `.shape .T .sum(axis:) .mean() .reshape([..]) .values`, shown as compact text and an
/// HTML view with its shape and dtype.
public final class TensorObject: NativeOperand, NativeSubscriptable {
    public let tensor: Tensor
    public init(_ tensor: Tensor) { self.tensor = tensor }

    public var typeName: String { "Tensor" }

    /// "float32", and where the values live when it is not host memory ("float32, cuda:0").
    var dtype: String { "float32" + (tensor.device.map { ", " + $0.deviceName } ?? "") }

    public var plainText: String { "Tensor(shape: \(tensor.shape), \(dtype))\n" + Self.text(tensor) }

    public var richRepresentations: [(mime: String, data: String)] {
        [("text/html", Self.html(shape: tensor.shape, dtype: dtype) { [storage = tensor.storage] in Self.format(storage[$0]) })]
    }

    static func format(_ x: Float) -> String {
        x == x.rounded() && Swift.abs(x) < 1e7 ? String(format: "%.1f", x) : String(format: "%.4g", x)
    }

    static func text(_ t: Tensor) -> String {
        let values = t.storage
        return text(shape: t.shape) { format(values[$0]) }
    }

    /// Nested brackets, eliding the middle of long dimensions; `element(i)` writes the
    /// i-th value in row-major order (float32 and int32 tensors alike).
    static func text(shape: [Int], element: (Int) -> String) -> String {
        if shape.isEmpty { return element(0) }
        func render(_ dim: Int, _ offset: Int) -> String {
            let size = shape[dim], stride = shape[(dim + 1)...].reduce(1, *)
            let shown = size <= 8 ? Array(0..<size) : Array(0..<3) + [-1] + Array((size - 3)..<size)
            let parts = shown.map { i -> String in
                if i < 0 { return "..." }
                return dim == shape.count - 1 ? element(offset + i) : render(dim + 1, offset + i * stride)
            }
            return "[" + parts.joined(separator: dim == shape.count - 1 ? ", " : ",\n" + String(repeating: " ", count: dim + 1)) + "]"
        }
        return render(0, 0)
    }

    /// The HTML view: shape and dtype, then a table for a small matrix or vector, else the text.
    static func html(shape: [Int], dtype: String, element: (Int) -> String) -> String {
        var html = "<div class=\"tessera-tensor\"><code>Tensor shape \(shape) \(dtype)</code>"
        let count = shape.reduce(1, *)
        if shape.count <= 2 && count <= 400 {
            let rows = shape.count == 2 ? shape[0] : 1, cols = shape.last ?? 1
            html += "<table class=\"tessera-table\">"
            for r in 0..<rows {
                html += "<tr>" + (0..<cols).map { "<td style=\"text-align:right\">\(element(r * cols + $0))</td>" }.joined() + "</tr>"
            }
            html += "</table>"
        } else {
            html += "<pre>\(HTML.escape(text(shape: shape, element: element)))</pre>"
        }
        return html + "</div>"
    }

    public var memberNames: [String] { ["shape", "dtype", "int", "float", "count", "rank", "T", "values", "item", "sum", "mean", "max", "min", "variance", "argmax", "reshape", "softmax", "logSoftmax", "gather", "permute", "sigmoid", "tanh", "exp", "log"] }

    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let t = tensor
        switch name {
        case "shape": return .array(t.shape.map { .int($0) })
        case "dtype": return .string("float32")
        case "int":
            return .function(NativeFunction("int", doc: "int() -> Tensor (int32)\nThe values as Int32 indices; each must be a whole number.", parameters: []) { _, _ in
                .object(IndexTensorObject(try ScriptError.converting { try IndexTensor(exactly: t) }))
            })
        case "float":
            return .function(NativeFunction("float", doc: "float() -> Tensor\nThe tensor itself (already float32).", parameters: []) { [self] _, _ in .object(self) })
        case "count": return .int(t.count)
        case "rank": return .int(t.rank)
        case "values": return Self.nested(t)
        case "T":
            guard t.rank == 2 else { throw ScriptError(.shape, ".T transposes a matrix; this tensor has shape \(t.shape)") }
            let (m, n) = (t.shape[0], t.shape[1])
            let values = t.storage
            var out = [Float](repeating: 0, count: t.count)
            for i in 0..<m { for j in 0..<n { out[j * m + i] = values[i * n + j] } }
            return .object(TensorObject(Tensor(shape: [n, m], storage: out)))
        case "item":
            return .function(NativeFunction("item", doc: "item() -> Double\nThe value of a one-element tensor.", parameters: []) { _, _ in
                guard t.count == 1 else { throw ScriptError(.shape, "item() needs a one-element tensor; this one has shape \(t.shape)") }
                return .double(Double(t.storage[0]))
            })
        case "sum", "mean", "max", "min", "variance":
            let op = ReduceOp(rawValue: name)!
            return .function(NativeFunction(name, doc: "\(name)(axis: nil) -> Tensor or Double\nOver every element, or along one axis.", parameters: [.labelled("axis")]) { a, _ in
                let axis = a[0].isNil ? nil : try Convert.int(a[0], "\(name)(axis:)")
                let r = try ScriptError.converting { try TensorRuntime.shared.backend.reduce(op, t, axis: axis) }
                return axis == nil ? .double(Double(r.storage[0])) : .object(TensorObject(r))
            })
        case "argmax":
            return .function(NativeFunction(name, doc: "argmax(axis: -1) -> Tensor (int32)\nThe index of the largest value along an axis (the first on ties).", parameters: [.labelled("axis", default: .int(-1))]) { a, _ in
                let axis = try Convert.int(a[0], "argmax(axis:)")
                return .object(IndexTensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.argmax(t, axis: axis) }))
            })
        case "reshape":
            return .function(NativeFunction(name, doc: "reshape(_ shape) -> Tensor\nThe same values in a new shape; one dimension may be -1.", parameters: [.positional()]) { a, _ in
                var shape = try Self.shape(a[0], "reshape(_:)", allowInfer: true)
                if let k = shape.firstIndex(of: -1) {
                    var rest = shape
                    rest.remove(at: k)
                    guard let known = Tensor.elementCount(rest), known > 0, t.count % known == 0 else {
                        throw ScriptError(.shape, "cannot reshape \(t.count) values into \(shape)", suggestion: "only one dimension may be -1")
                    }
                    shape[k] = t.count / known
                }
                guard let wanted = Tensor.elementCount(shape), wanted == t.count else {
                    let size = Tensor.elementCount(shape).map { "\($0) values" } ?? "more values than a 64-bit size can count"
                    throw ScriptError(.shape, "cannot reshape a tensor of shape \(t.shape) (\(t.count) values) into \(shape) (\(size))")
                }
                return .object(TensorObject(Tensor(shape: shape, storage: t.storage)))
            })
        case "gather":
            return .function(NativeFunction(name, doc: "gather(_ indices) -> Tensor\nThe rows (first axis) at the given indices, in that order: t.gather([2, 0]); indices of any shape give indices.shape + the row's shape.", parameters: [.positional()]) { a, _ in
                let indices = try TensorObject.indices(a[0], "gather(_:)")
                return .object(TensorObject(try ScriptError.converting { try t.gather(indices) }))
            })
        case "permute":
            return .function(NativeFunction(name, doc: "permute(_ axes) -> Tensor\nThe axes in a new order: t.permute([0, 2, 1]).", parameters: [.positional()]) { a, _ in
                let order = try TensorObject.shape(a[0], "permute(_:)")
                return .object(TensorObject(try ScriptError.converting { try t.permuted(order) }))
            })
        case "sigmoid", "tanh", "exp", "log":
            // Element-wise, as the math functions are: t.sigmoid() is sigmoid(t).
            let op = UnaryOp(rawValue: name)!
            return .function(NativeFunction(name, doc: "\(name)() -> Tensor\nThe \(name) of every element.", parameters: []) { _, _ in
                .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.unary(op, t) }))
            })
        case "softmax", "logSoftmax":
            return .function(NativeFunction(name, doc: "\(name)(axis: -1) -> Tensor", parameters: [.labelled("axis", default: .int(-1))]) { a, _ in
                let axis = try Convert.int(a[0], "\(name)(axis:)")
                return .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.softmax(t, axis: axis, log: name == "logSoftmax") }))
            })
        default: return nil
        }
    }

    // MARK: Operators

    public func binary(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value? {
        // Inside grad(of:at:), a traced operand records the operation instead.
        if case .object(let o) = lhs, o is TracedTensor { return nil }
        if case .object(let o) = rhs, o is TracedTensor { return nil }
        let ops: [String: BinaryOp] = ["+": .add, "-": .subtract, "*": .multiply, "/": .divide,
                                       "<": .less, ">": .greater, "<=": .lessOrEqual, ">=": .greaterOrEqual]
        let a = try Self.tensor(lhs, "left operand of '\(op)'"), b = try Self.tensor(rhs, "right operand of '\(op)'")
        if op == "@" {
            // A vector on either side is a row (left) or a column (right), dropped from the result, as in NumPy.
            let (ma, mb) = (a.rank == 1 ? a.reshaped([1, a.count]) : a, b.rank == 1 ? b.reshaped([b.count, 1]) : b)
            let r = try ScriptError.converting { try TensorRuntime.shared.backend.matmul(ma, mb) }
            let shape = Array(r.shape.dropLast(b.rank == 1 ? 1 : 0).dropFirst(a.rank == 1 && r.rank == 2 ? 1 : 0))
            return .object(TensorObject(r.reshaped(a.rank == 1 && b.rank == 1 ? [] : shape)))
        }
        if op == "**" { return .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.binary(.power, a, b) })) }
        guard let o = ops[op] else { return nil }
        return .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.binary(o, a, b) }))
    }

    public func unary(_ op: String, _ operand: Value) throws -> Value? {
        let ops: [String: UnaryOp] = ["-": .negate, "exp": .exp, "log": .log, "sqrt": .sqrt, "abs": .abs, "tanh": .tanh]
        if let o = ops[op] { return .object(TensorObject(try ScriptError.converting { try TensorRuntime.shared.backend.unary(o, tensor) })) }
        // Other math functions apply one element at a time.
        let f: ((Double) -> Double)? = ["sin": Foundation.sin, "cos": Foundation.cos, "tan": Foundation.tan, "floor": Foundation.floor,
                                        "ceil": Foundation.ceil, "round": Foundation.round][op]
        guard let f else { return nil }
        return .object(TensorObject(Tensor(shape: tensor.shape, storage: tensor.storage.map { Float(f(Double($0))) })))
    }

    public func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        if case .range(let r) = index {
            // t[0..<32]: a slice of rows (a mini-batch).
            return .object(TensorObject(try ScriptError.converting { try tensor.rows(r.lower..<r.upperExclusive) }))
        }
        guard case .int(let i) = index else { throw ScriptError(.type, "a tensor is indexed by an Int or a range along its first dimension") }
        guard tensor.rank >= 1 else { throw ScriptError(.shape, "a scalar tensor has no elements to index; use item()") }
        let n = tensor.shape[0]
        let k = i < 0 ? i + n : i
        guard k >= 0 && k < n else { throw ScriptError(.index, "index \(i) is out of range for a first dimension of \(n) (valid: 0..<\(n))") }
        let inner = tensor.count / max(1, n)
        let slice = Array(tensor.storage[(k * inner)..<((k + 1) * inner)])
        if tensor.rank == 1 { return .double(Double(slice[0])) }
        return .object(TensorObject(Tensor(shape: Array(tensor.shape.dropFirst()), storage: slice)))
    }

    public func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "tensors are immutable values; build a new one (e.g. with arithmetic or tensor(...))")
    }

    // MARK: Conversions

    /// A tensor from a Tensor, a number, or a (nested) numeric Array.
    static func tensor(_ v: Value, _ what: String) throws -> Tensor {
        switch v {
        case .object(let o as TensorObject): return o.tensor
        case .object(let o as IndexTensorObject): return o.indices.floats
        case .int(let i): return Tensor(shape: [], storage: [Float(i)])
        case .double(let d): return Tensor(shape: [], storage: [Float(d)])
        case .array: return try fromNested(v, what)
        default: throw ScriptError(.type, "\(what) needs a Tensor, a number or a numeric Array, got \(v.typeName)")
        }
    }

    static func fromNested(_ v: Value, _ what: String) throws -> Tensor {
        var shape: [Int] = []
        var probe = v
        while case .array(let xs) = probe {
            shape.append(xs.count)
            guard shape.count <= Tensor.largestRank else {
                throw ScriptError(.shape, "\(what): Arrays nested more than \(Tensor.largestRank) deep; a tensor has at most \(Tensor.largestRank) dimensions")
            }
            guard let f = xs.first else { break }
            probe = f
        }
        var storage: [Float] = []
        storage.reserveCapacity(try ScriptError.converting { try HostMemory.check(shape: shape, what: "\(what) of shape \(shape)") })
        func walk(_ x: Value, _ depth: Int) throws {
            switch x {
            case .array(let xs):
                guard depth < shape.count, xs.count == shape[depth] else {
                    throw ScriptError(.shape, "\(what): rows of different lengths (a tensor is rectangular)")
                }
                for e in xs { try walk(e, depth + 1) }
            case .int(let i) where depth == shape.count: storage.append(Float(i))
            case .double(let d) where depth == shape.count: storage.append(Float(d))
            case .bool(let b) where depth == shape.count: storage.append(b ? 1 : 0)
            default: throw ScriptError(.type, "\(what): a tensor holds numbers; found \(x.typeName) where a number belongs")
            }
        }
        try walk(v, 0)
        return Tensor(shape: shape, storage: storage)
    }

    static func nested(_ t: Tensor) -> Value {
        if t.rank == 0 { return .double(Double(t.storage[0])) }
        func build(_ dim: Int, _ offset: Int) -> Value {
            let size = t.shape[dim], stride = t.shape[(dim + 1)...].reduce(1, *)
            if dim == t.rank - 1 { return .array((0..<size).map { .double(Double(t.storage[offset + $0])) }) }
            return .array((0..<size).map { build(dim + 1, offset + $0 * stride) })
        }
        return build(0, 0)
    }

    static func shape(_ v: Value, _ what: String, allowInfer: Bool = false) throws -> [Int] {
        let dims: [Value]
        switch v {
        case .array(let xs): dims = xs
        case .int: dims = [v]
        default: throw ScriptError(.type, "\(what) needs a shape such as [2, 3], got \(v.typeName)")
        }
        return try dims.map { d in
            let n = try Convert.int(d, what)
            guard n >= 0 || (allowInfer && n == -1) else { throw ScriptError(.value, "\(what): a dimension cannot be \(n)") }
            return n
        }
    }
}
