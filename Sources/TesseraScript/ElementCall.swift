/// Calls the closure a native method was given, once per element (`map`, `filter`,
/// `first(where:)`), without entering the interpreter where the closure is one step that
/// native code takes the same way: an operator (`OperatorClosure`: `{ $0 * 2 }`), or a
/// member of the element (`MemberStep`: `{ $0.count }`, `{ $0.hasPrefix("12") }`). Where
/// that step throws, the closure is called and raises the error at its own place.
struct ElementCall {
    let f: Value
    /// The closure's code, where it is one such step. (The steps are read where the code
    /// holds them: a copy of one retained each of its parts, per element.)
    private let code: FunctionCode?
    private let isOperator: Bool

    init(_ f: Value) {
        self.f = f
        if case .function(let fn as ScriptFunction) = f, fn.code.operatorClosure != nil || fn.code.memberStep != nil {
            code = fn.code
            isOperator = fn.code.operatorClosure != nil
        } else {
            code = nil
            isOperator = false
        }
    }

    @inline(__always)
    func callAsFunction(_ x: Value, _ interp: Interpreter) throws -> Value {
        if let code {
            if isOperator {
                if let y = code.operatorClosure.unsafelyUnwrapped.result(for: x) { return y }
            } else if let y = code.memberStep.unsafelyUnwrapped.result(for: x, interp) {
                return y
            }
        }
        return try interp.call(f, x)
    }

    /// The result for the pair `(a, b)` where the closure is an operator of two parameters
    /// (`{ $0 * $1 }`), with no Tuple made; nil where it must be called with the Tuple.
    @inline(__always)
    func pair(_ a: Value, _ b: Value) -> Value? {
        guard isOperator, let code else { return nil }
        return code.operatorClosure.unsafelyUnwrapped.result(a, b)
    }
}

/// A closure of one parameter whose one expression reads a member of it (`{ $0.count }`,
/// `{ row in row.amount }`) or calls a method of it with literal arguments
/// (`{ $0.hasPrefix("12") }`, `{ s in s.split(separator: ",") }`): what `Members.get` and
/// `Members.call` do for the compiled closure's one instruction.
///
/// A method is called directly only on a String, an Array, a Range or a number, whose
/// methods are the language's own and run no script code: one that throws is then called
/// again by the closure without a difference to see. A Dict's key may hold a function and
/// a native object's method may write a file, so those, and a mutating method (an error
/// on a parameter, which is a constant), go through the closure.
struct MemberStep {
    let name: String
    /// The site of a method call; nil for a member read. (Apart from the arguments, not a
    /// tuple: an optional tuple was copied, its parts retained, at every element.)
    let site: MethodSite?
    /// The method call's literal arguments.
    let arguments: [ArgumentValue]
    /// Their values, where the method's short way reads them.
    private let values: [Value]

    init?(_ decl: FunctionDecl) {
        guard let (names, expression) = OperatorClosure.parts(decl), names.count == 1 else { return nil }
        func isElement(_ e: Expr) -> Bool { TwoParameterExpression.isParameter(e, names[0]) }
        switch expression {
        case let m as MemberExpr where !m.optional && isElement(m.object):
            name = m.name
            site = nil
            arguments = []
            values = []
        case let c as CallExpr where !c.optional:
            guard let m = c.callee as? MemberExpr, !m.optional, isElement(m.object) else { return nil }
            var arguments: [ArgumentValue] = []
            for a in c.arguments {
                switch a.value {
                case let literal as LiteralExpr: arguments.append(ArgumentValue(label: a.label, literal.value))
                case let symbol as SymbolExpr: arguments.append(ArgumentValue(label: a.label, .symbol(symbol.name)))
                default: return nil
                }
            }
            name = m.name
            site = MethodSite(m.name, labels: arguments.map(\.label))
            self.arguments = arguments
            values = arguments.map(\.value) + [.nil]   // (never empty: its buffer has an address)
        default:
            return nil
        }
    }

    /// The closure's result for `x`; nil where the closure must be called.
    @inline(__always)
    func result(for x: Value, _ interp: Interpreter) -> Value? {
        guard site != nil else { return try? Members.get(x, name, interp) }
        switch x {
        case .string, .array, .range, .int, .double:
            if let short = site.unsafelyUnwrapped.short(for: x),
               let y = values.withUnsafeBufferPointer({ short(x, $0.baseAddress.unsafelyUnwrapped) }) {
                return y
            }
            if Members.mutates(x, site.unsafelyUnwrapped) { return nil }
            return try? Members.call(x, site.unsafelyUnwrapped, arguments, interp)
        default:
            return nil
        }
    }
}
