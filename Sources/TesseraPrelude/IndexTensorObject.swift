import Foundation
import TesseraDisplay
import TesseraScript
import TesseraTensor

/// An Int32 tensor in the language: what `argmax` returns, `tensor(..., dtype: .int32)` and
/// `t.int()` make, and what `gather` and `oneHot` read exactly. It shows as whole numbers
/// with dtype int32; arithmetic and the Float32 members promote it to float32, as NumPy
/// promotes int32 with float32.
final class IndexTensorObject: NativeOperand, NativeSubscriptable, DeclaredMembers {
    let indices: IndexTensor
    init(_ indices: IndexTensor) { self.indices = indices }

    var typeName: String { "Tensor" }
    var plainText: String { "Tensor(shape: \(indices.shape), int32)\n" + Self.text(indices) }

    var richRepresentations: [(mime: String, data: String)] {
        [("text/html", TensorObject.html(shape: indices.shape, dtype: "int32") { [values = indices.values] in "\(values[$0])" })]
    }

    static func text(_ t: IndexTensor) -> String { TensorObject.text(shape: t.shape) { "\(t.values[$0])" } }

    /// The same values as Float32, for everything an Int32 tensor does not do itself.
    var promoted: TensorObject { TensorObject(indices.floats) }

    /// What an Int32 tensor answers itself; every other member is the Float32 tensor's,
    /// on the promoted values.
    static let nativeMembers = NativeMembers<IndexTensorObject>([
        .property(name: "shape", doc: "The size of each dimension, as an Array of Ints.") { o in .array(o.indices.shape.map { .int($0) }) },
        .property(name: "dtype", doc: "\"int32\".") { _ in .string("int32") },
        .property(name: "count", doc: "How many elements it holds.") { o in .int(o.indices.count) },
        .property(name: "rank", doc: "How many dimensions it has.") { o in .int(o.indices.rank) },
        .property(name: "values", doc: "The elements as nested Arrays of Ints (an Int for a scalar).") { o in nested(o.indices) },
        .method(Declaration("item", returns: "Int", summary: "The value of a one-element tensor.", example: "tensor([[3]]).int().item()",
                            errors: [(.shape, "the tensor has more or fewer than one element")])) { o, _, _ in
            guard o.indices.count == 1 else { throw ScriptError(.shape, "item() needs a one-element tensor; this one has shape \(o.indices.shape)") }
            return .int(Int(o.indices.values[0]))
        },
        .method(Declaration("float", returns: "Tensor", summary: "The values as a float32 tensor.", example: "tensor([1, 2]).int().float()")) { o, _, _ in .object(o.promoted) },
        .method(Declaration("int", returns: "Tensor (int32)", summary: "The tensor itself (already int32).", example: "tensor([1, 2]).int().int()")) { o, _, _ in .object(o) },
    ])

    var memberNames: [String] {
        let own = Self.nativeMembers.names
        return own + TensorObject.nativeMembers.names.filter { !own.contains($0) }
    }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        try Self.nativeMembers.value(name, of: self) ?? promoted.member(name, interpreter)
    }

    static func nested(_ t: IndexTensor) -> Value {
        if t.rank == 0 { return .int(Int(t.values[0])) }
        func build(_ dim: Int, _ offset: Int) -> Value {
            let size = t.shape[dim], stride = t.shape[(dim + 1)...].reduce(1, *)
            if dim == t.rank - 1 { return .array((0..<size).map { .int(Int(t.values[offset + $0])) }) }
            return .array((0..<size).map { build(dim + 1, offset + $0 * stride) })
        }
        return build(0, 0)
    }

    // MARK: Operators: promoted to float32

    static func promote(_ v: Value) -> Value {
        if case .object(let o as IndexTensorObject) = v { return .object(o.promoted) }
        return v
    }

    func binary(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value? {
        return try promoted.binary(op, Self.promote(lhs), Self.promote(rhs))
    }

    func unary(_ op: String, _ operand: Value) throws -> Value? {
        if op == "-" { return .object(IndexTensorObject(IndexTensor(shape: indices.shape, values: indices.values.map { 0 &- $0 }))) }
        return try promoted.unary(op, Self.promote(operand))
    }

    func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        let row = try promoted.subscriptGet(index, interpreter)
        switch row {
        case .double(let d): return .int(Int(d))
        case .object(let t as TensorObject): return .object(IndexTensorObject(try ScriptError.converting { try IndexTensor(exactly: t.tensor) }))
        default: return row
        }
    }

    func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        try promoted.subscriptSet(index, value, interpreter)
    }
}

extension TensorObject {
    /// Int32 indices from an Int32 tensor, a Float32 tensor of whole numbers, or a (nested)
    /// Array of Ints.
    static func indices(_ v: Value, _ what: String) throws -> IndexTensor {
        switch v {
        case .object(let o as IndexTensorObject): return o.indices
        case .int(let i):
            guard let k = Int32(exactly: i) else { throw ScriptError(.value, "\(what): \(i) does not fit an Int32 index") }
            return IndexTensor(shape: [], values: [k])
        default:
            let t = try tensor(v, what)
            do { return try IndexTensor(exactly: t) } catch { throw ScriptError(.value, "\(what): \(error.message)") }
        }
    }
}
