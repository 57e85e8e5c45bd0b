import Foundation
import TesseraNN
import TesseraScript
import TesseraTensor

/// The tensor a `grad(of:at:)` closure receives: it computes like a Tensor (arithmetic,
/// `@`, `**` by a number, exp/log/sqrt/tanh, sum/mean/reshape/T/softmax/logSoftmax) and
/// records each operation on a tape, so the gradient of the result can be taken.
/// Plain tensors and numbers mixed in are constants.
final class TracedTensor: NativeOperand {
    let variable: Variable
    let tape: Tape

    init(_ variable: Variable, _ tape: Tape) {
        self.variable = variable
        self.tape = tape
    }

    var typeName: String { "Tensor" }
    var plainText: String { "Tensor(shape: \(variable.shape), float32, traced)\n" + TensorObject.text(variable.value) }

    func traced(_ v: Variable) -> Value { .object(TracedTensor(v, tape)) }

    func operand(_ v: Value, _ what: String) throws -> Variable {
        if case .object(let t as TracedTensor) = v { return t.variable }
        return Variable(try TensorObject.tensor(v, what))
    }

    func binary(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value? {
        let a = try operand(lhs, "left operand of '\(op)'")
        if op == "**" {
            guard case .object(let o) = lhs, o === self else { return nil }
            let c = try Convert.double(rhs, "the exponent of '**' on a traced tensor (a number)")
            return traced(try ScriptError.converting { try tape.power(a, Float(c)) })
        }
        let b = try operand(rhs, "right operand of '\(op)'")
        let t = tape
        return try ScriptError.converting { () throws -> Value? in
            switch op {
            case "+": return traced(try t.add(a, b))
            case "-": return traced(try t.subtract(a, b))
            case "*": return traced(try t.multiply(a, b))
            case "/": return traced(try t.divide(a, b))
            case "@":
                // Vectors as a row (left) or a column (right), as for plain tensors.
                let ma = a.value.rank == 1 ? try t.reshape(a, [1, a.value.count]) : a
                let mb = b.value.rank == 1 ? try t.reshape(b, [b.value.count, 1]) : b
                let r = try t.matmul(ma, mb)
                guard a.value.rank == 1 || b.value.rank == 1 else { return traced(r) }
                let shape = a.value.rank == 1 && b.value.rank == 1 ? [] : Array(r.shape.dropLast(b.value.rank == 1 ? 1 : 0).dropFirst(a.value.rank == 1 ? 1 : 0))
                return traced(try t.reshape(r, shape))
            default: return nil
            }
        }
    }

    func unary(_ op: String, _ operand: Value) throws -> Value? {
        let t = tape, v = variable
        return try ScriptError.converting { () throws -> Value? in
            switch op {
            case "-": return traced(try t.negate(v))
            case "exp": return traced(try t.exp(v))
            case "log": return traced(try t.log(v))
            case "sqrt": return traced(try t.sqrt(v))
            case "tanh": return traced(try t.tanh(v))
            default: return nil
            }
        }
    }

    var memberNames: [String] { ["shape", "values", "item", "sum", "mean", "reshape", "T", "softmax", "logSoftmax", "relu", "sigmoid"] }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let t = tape, v = variable
        switch name {
        case "shape": return .array(v.shape.map { .int($0) })
        case "values": return TensorObject.nested(v.value)
        case "T":
            guard v.value.rank == 2 else { throw ScriptError(.shape, ".T transposes a matrix; this tensor has shape \(v.shape)") }
            return traced(try ScriptError.converting { try t.permute(v, [1, 0]) })
        case "item":
            return .function(NativeFunction("item", parameters: []) { _, _ in
                guard v.value.count == 1 else { throw ScriptError(.shape, "item() needs a one-element tensor; this one has shape \(v.shape)") }
                return .double(Double(v.value.storage[0]))
            })
        case "sum", "mean":
            return .function(NativeFunction(name, doc: "\(name)(axis: nil) -> Tensor", parameters: [.labelled("axis")]) { a, _ in
                let axis = a[0].isNil ? nil : try Convert.int(a[0], "\(name)(axis:)")
                return self.traced(try ScriptError.converting { name == "sum" ? try t.sum(v, axis: axis) : try t.mean(v, axis: axis) })
            })
        case "reshape":
            return .function(NativeFunction(name, parameters: [.positional()]) { a, _ in
                let shape = try TensorObject.shape(a[0], "reshape(_:)")
                return self.traced(try ScriptError.converting { try t.reshape(v, shape) })
            })
        case "softmax", "logSoftmax", "relu", "sigmoid":
            return .function(NativeFunction(name, parameters: []) { _, _ in
                self.traced(try ScriptError.converting { () throws -> Variable in
                    switch name {
                    case "softmax": return try t.softmax(v)
                    case "logSoftmax": return try t.logSoftmax(v)
                    case "relu": return try t.relu(v)
                    default: return try t.sigmoid(v)
                    }
                })
            })
        default: return nil
        }
    }
}
