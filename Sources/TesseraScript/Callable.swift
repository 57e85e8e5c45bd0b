/// Something that can be called from Tessera code: a script function or closure, or a
/// native function of the prelude.
public protocol Callable: AnyObject {
    /// The name for messages: `plus`, `closure`, `print`.
    var name: String { get }
    /// Runs the call. `arguments` keep their labels; the callee matches them to parameters.
    func call(_ arguments: [ArgumentValue], _ interpreter: Interpreter) throws -> Value
}

/// One argument at a call site: `by: 10` has label "by".
public struct ArgumentValue {
    public var label: String?
    public var value: Value
    public init(label: String? = nil, _ value: Value) { self.label = label; self.value = value }
}

/// A parameter of a native function, as a call site sees it.
public struct NativeParameter: Sendable {
    /// The call-site label; nil when the argument is positional (`_ x` in Swift).
    public var label: String?
    /// The value used when the call omits it; nil when it is required.
    public var defaultValue: Value?
    public var isRequired: Bool

    /// A positional parameter: `_ x`.
    public static func positional(default value: Value? = nil, required: Bool? = nil) -> NativeParameter {
        NativeParameter(label: nil, defaultValue: value, isRequired: required ?? (value == nil))
    }
    /// A labelled parameter: `seed: 1`; optional ones default to `nil` unless given a value.
    public static func labelled(_ label: String, default value: Value? = nil, required: Bool = false) -> NativeParameter {
        NativeParameter(label: label, defaultValue: value ?? .nil, isRequired: required)
    }
}

/// Matches call-site arguments to parameters the way Swift does: in order, each argument's
/// label must be the parameter's label, and parameters with defaults may be left out. A
/// trailing closure drops its label, as in Swift: a function given last without one fills
/// the first required parameter it reaches, or else the last one left out (`xs.first { $0 > 1 }`
/// for `first(where:)`, `apply(1) { $0 + 1 }` for `func apply(_ x, then f)`).
/// Returns one value per parameter (defaults filled in), or nil for an omitted optional one.
///
/// `anyLabelOrder` (the prelude's functions and methods): labelled arguments may come in any
/// order, as keyword arguments do in Python, so that `fit(x, y, verbose: 0, epochs: 3)`
/// written from Keras' habit binds as `fit(x, y, epochs: 3, verbose: 0)`. A script's own
/// functions keep Swift's order.
public func bindArguments(_ args: [ArgumentValue], to params: [(label: String?, hasDefault: Bool)],
                          function: String, variadicTail: Bool = false, anyLabelOrder: Bool = false) throws -> [Value?] {
    if anyLabelOrder, !variadicTail, let ordered = inDeclaredOrder(args, params) {
        return try bindArguments(ordered, to: params, function: function)
    }
    var out = [Value?](repeating: nil, count: params.count)
    var a = 0
    let trailing = args.last.flatMap { $0.label == nil && $0.value.isFunction ? args.count - 1 : nil }
    for (i, prm) in params.enumerated() {
        if a < args.count, args[a].label == prm.label {
            out[i] = args[a].value
            a += 1
        } else if prm.hasDefault {
            continue
        } else if a == trailing {
            out[i] = args[a].value
            a += 1
        } else if a < args.count {
            let got = args[a].label.map { "'\($0):'" } ?? "no label"
            let want = prm.label.map { "'\($0):'" } ?? "no label"
            throw ScriptError(.type, "argument \(a + 1) of \(function) needs \(want), got \(got)",
                              suggestion: prm.label.map { "write \($0): value" } ?? args[a].label.map { "give the value without '\($0):'" })
        } else {
            let want = prm.label.map { "'\($0):'" } ?? "a value"
            throw ScriptError(.type, "missing argument \(want) in call to \(function)")
        }
    }
    if a == trailing, !variadicTail, let i = params.indices.last(where: { out[$0] == nil && params[$0].label != nil }) {
        out[i] = args[a].value
        a += 1
    }
    if a < args.count && !variadicTail {
        if let label = args[a].label {
            let known = params.compactMap(\.label)
            if args[..<a].contains(where: { $0.label == label }) {
                throw ScriptError(.type, "argument '\(label):' of \(function) is given twice")
            }
            if known.contains(label) {
                throw ScriptError(.type, "argument '\(label):' of \(function) is out of order: write the arguments in the signature's order")
            }
            throw ScriptError(.type, "\(function) has no parameter '\(label):'", suggestion: Suggest.label(label, in: known))
        }
        // An unlabelled argument left over while a labelled parameter went unfilled: the
        // argument was meant for it, and only its label is missing ("takes 2, got 2" would
        // say nothing useful).
        if args.count <= params.count, let i = params.indices.first(where: { out[$0] == nil && params[$0].label != nil }) {
            let label = params[i].label!
            throw ScriptError(.type, "argument \(a + 1) of \(function) has no label; its parameter \(i + 1) is '\(label):'",
                              suggestion: "write \(label): \(args[a].value.debugDescription)")
        }
        let most = params.contains(where: \.hasDefault) ? "at most \(params.count)" : "\(params.count)"
        throw ScriptError(.type, "too many arguments in call to \(function): it takes \(most), got \(args.count)")
    }
    return out
}

/// `args` with their labelled arguments moved to the order of their parameters (the
/// unlabelled ones keep theirs, and a trailing closure stays last); nil when they are in that
/// order already, or when a label is unknown, repeated or ambiguous (the in-order match then
/// reports it).
func inDeclaredOrder(_ args: [ArgumentValue], _ params: [(label: String?, hasDefault: Bool)]) -> [ArgumentValue]? {
    // The common call is in order already: found so without building anything.
    var previous = -1, inOrder = true
    for arg in args {
        guard let label = arg.label else { continue }
        guard let i = params.firstIndex(where: { $0.label == label }) else { return nil }
        if i <= previous { inOrder = false }
        previous = i
    }
    guard !inOrder else { return nil }
    var byLabel: [String: ArgumentValue] = [:]
    for arg in args {
        guard let label = arg.label else { continue }
        guard byLabel[label] == nil, params.filter({ $0.label == label }).count == 1 else { return nil }
        byLabel[label] = arg
    }
    var unlabelled = args.filter { $0.label == nil }
    var trailing: ArgumentValue?
    if let last = args.last, last.label == nil, last.value.isFunction { trailing = unlabelled.removeLast() }
    var out: [ArgumentValue] = []
    var next = 0
    for p in params {
        if let label = p.label {
            if let a = byLabel[label] { out.append(a) }
        } else if next < unlabelled.count {
            out.append(unlabelled[next])
            next += 1
        }
    }
    out += unlabelled[next...]
    if let trailing { out.append(trailing) }
    return out
}

/// A function written in Swift and bound into the language.
public final class NativeFunction: Callable, @unchecked Sendable {
    public let name: String
    /// A one-line Swift-style signature and a short description, shown by `%help` and inspect.
    public let doc: String
    /// The function's declaration, for functions declared with one (the reference, `%help`
    /// and completion read it); nil for those that still describe themselves by `doc`.
    public let declaration: Declaration?
    let body: ([ArgumentValue], Interpreter) throws -> Value
    /// For a function of one value (`sqrt`, `Double`): its result for a lone unlabelled
    /// argument of the common kinds (a number), which the register machine takes without
    /// building and matching an argument list; nil sends the call the whole way.
    @exclusivity(unchecked) private(set) var unary: ((Value) -> Value?)?

    /// For a function of two values (`max`, `min`): its result for two unlabelled arguments
    /// of the common kinds, taken as `unary` is.
    @exclusivity(unchecked) private(set) var binary: ((Value, Value) -> Value?)?

    /// Named values read through the function as Swift reads them through a type:
    /// `Int.max`, `Double.infinity`.
    private(set) var constants: [String: Value] = [:]

    /// The short way's result for `count` unlabelled arguments from `r` (`unary` for one,
    /// `binary` for two); nil where there is none or it does not take these values.
    @inline(__always)
    func shortWay(_ r: UnsafePointer<Value>, count: Int) -> Value? {
        if count == 1, let unary { return unary(r[0]) }
        if count == 2, let binary { return binary(r[0], r[1]) }
        return nil
    }

    /// This function, answering `constants` as members.
    func with(constants: [String: Value]) -> NativeFunction {
        self.constants = constants
        return self
    }

    /// This function, with `unary` as the short way for a lone argument.
    func applying(_ unary: @escaping (Value) -> Value?) -> NativeFunction {
        self.unary = unary
        return self
    }

    /// This function, with `binary` as the short way for two arguments.
    func applying(binary: @escaping (Value, Value) -> Value?) -> NativeFunction {
        self.binary = binary
        return self
    }

    /// Wraps a body that checks its own arguments (variadic builtins such as `print`).
    public init(_ name: String, doc: String = "", _ body: @escaping ([ArgumentValue], Interpreter) throws -> Value) {
        self.name = name
        self.doc = doc
        self.declaration = nil
        self.body = body
    }

    /// A function declared for its documentation whose body matches its own arguments:
    /// variadic (`print`) or with several forms (`Array(_:)`, `Array(repeating:count:)`).
    public init(parsing declaration: Declaration, _ body: @escaping ([ArgumentValue], Interpreter) throws -> Value) {
        self.name = declaration.name
        self.doc = declaration.doc
        self.declaration = declaration
        self.body = { args, interp in
            do { return try body(args, interp) } catch let e as any ScriptErrorConvertible { throw e.scriptError }
        }
    }

    /// A function declared once: its arguments arrive matched, type-checked and named, and
    /// a domain error it throws (`ScriptErrorConvertible`) becomes its language error.
    public convenience init(_ declaration: Declaration, _ body: @escaping (Arguments, Interpreter) throws -> Value) {
        self.init(shape: Arguments.CallShape(declaration), body)
    }

    /// A declared function whose call shape was made beforehand (a member table makes one
    /// per method, not one per `object.method` access).
    init(shape: Arguments.CallShape, _ body: @escaping (Arguments, Interpreter) throws -> Value) {
        let declaration = shape.declaration
        self.name = declaration.name
        self.doc = shape.doc
        self.declaration = declaration
        self.body = { args, interp in
            let arguments = try Arguments(args, shape: shape)
            do { return try body(arguments, interp) } catch let e as any ScriptErrorConvertible { throw e.scriptError }
        }
    }

    /// Wraps a body with a fixed signature; arguments arrive matched, defaults filled in.
    public convenience init(_ name: String, doc: String = "", parameters: [NativeParameter],
                            _ body: @escaping ([Value], Interpreter) throws -> Value) {
        let shape = parameters.map { (label: $0.label, hasDefault: !$0.isRequired) }
        let sig = "\(name)(" + parameters.map { "\($0.label ?? "_"):" }.joined() + ")"
        self.init(name, doc: doc) { args, interp in
            let bound = try bindArguments(args, to: shape, function: sig, anyLabelOrder: true)
            var values: [Value] = []
            values.reserveCapacity(bound.count)
            for (i, b) in bound.enumerated() { values.append(b ?? parameters[i].defaultValue ?? .nil) }
            return try body(values, interp)
        }
    }

    public func call(_ arguments: [ArgumentValue], _ interpreter: Interpreter) throws -> Value {
        try body(arguments, interpreter)
    }
}

/// A function or closure written in Tessera: its compiled code and the Boxes of the
/// variables it captured where it was made.
final class ScriptFunction: Callable {
    let code: FunctionCode
    let upvalues: [Box]
    var decl: FunctionDecl { code.decl }
    var name: String { code.decl.name }

    init(code: FunctionCode, upvalues: [Box]) {
        self.code = code
        self.upvalues = upvalues
    }

    func call(_ arguments: [ArgumentValue], _ interpreter: Interpreter) throws -> Value {
        try interpreter.invoke(self, arguments)
    }
}

/// A heap cell holding a captured variable, shared by every closure that captured it. The
/// register machine keeps it in a register, as a native object no script code ever sees.
final class Box: NativeObject {
    @exclusivity(unchecked) var value: Value
    init(_ value: Value) { self.value = value }
    var typeName: String { "Box" }
    var plainText: String { "<captured \(value.typeName)>" }
}
