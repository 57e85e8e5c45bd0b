import Foundation
import TesseraDisplay
import TesseraNN
import TesseraScript
import TesseraTensor

/// The session's backend: every tensor operation runs on it (`backend("openblas")`), and
/// through a tape that records nothing unless a `grad(of:at:)` closure is running.
final class TensorRuntime: @unchecked Sendable {
    static let shared = TensorRuntime()
    private let lock = NSLock()
    private var current: any Backend = OpenBLASBackend()
    private var untraced = Tape(backend: OpenBLASBackend(), recording: false)

    var backend: any Backend {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; untraced = Tape(backend: newValue, recording: false); lock.unlock() }
    }

    /// Where operations on plain tensors run: the session's backend, nothing recorded.
    var tape: Tape { lock.lock(); defer { lock.unlock() }; return untraced }
}

/// A tensor in the language: arithmetic with `+ - * / **` (broadcasting) and `@`, the
/// math functions, members `.shape .T .sum(axis:) .mean() .reshape([..]) .values`, shown as
/// compact text and an HTML view with its shape and dtype.
///
/// There is one tensor type. Every operation runs on the session's backend through a
/// `Tape` (TensorOperations.swift); inside `grad(of:at:)` the closure's argument carries the
/// tape that records, and so does every tensor computed from it, so each operation with a
/// gradient takes part in the gradient without a second set of operators.
public final class TensorObject: NativeOperand, NativeSubscriptable, DeclaredMembers {
    /// The tensor as an operand of tape operations (a constant one unless traced); held as
    /// such so an operation on tensors makes no wrapper for its operands.
    let variable: Variable
    /// The recording tape this tensor is on, inside `grad(of:at:)`; nil for a plain tensor.
    let tape: Tape?

    public var tensor: Tensor { variable.value }

    public init(_ tensor: Tensor) { variable = Variable(tensor); tape = nil }

    /// A tensor computed on `tape`: traced when a gradient flows to it, else plain.
    init(_ variable: Variable, on tape: Tape) {
        self.variable = variable
        self.tape = variable.requiresGrad && tape.isRecording ? tape : nil
    }

    /// Whether operations on it are recorded (it is, or is computed from, grad's argument).
    var isTraced: Bool { tape != nil }

    public var typeName: String { "Tensor" }

    /// "float32", and where the values live when it is not host memory ("float32, cuda:0").
    var dtype: String { "float32" + (tensor.device.map { ", " + $0.deviceName } ?? "") }

    public var plainText: String { "Tensor(shape: \(tensor.shape), \(dtype)\(isTraced ? ", traced" : ""))\n" + Self.text(tensor) }

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
