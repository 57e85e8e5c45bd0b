/// Turns resolved syntax into Swift closures that the interpreter runs.
///
/// Each node is compiled once per cell; the closures hold what they need (slot indices,
/// global slots, constant values), so running a loop body does no lookups by name and no
/// dispatch on node types.

typealias ExprCode = (Frame) throws -> Value
typealias StmtCode = (Frame) throws -> Flow

/// Thrown inside an optional chain when a link is nil; the chain turns it into `nil`.
struct ChainNil: Error {}

/// A compiled function body plus its parameter binding.
final class CompiledFunction {
    @exclusivity(unchecked) var body: StmtCode = { _ in .normal }
    @exclusivity(unchecked) var expressionBody: ExprCode?
    @exclusivity(unchecked) var defaults: [ExprCode?] = []
    /// The general binding: labels matched Swift-style, defaults filled in.
    @exclusivity(unchecked) var bindParameters: (Frame, [ArgumentValue], Interpreter) throws -> Void = { _, _, _ in }
    /// The call-site labels under which arguments bind straight to the parameters, in
    /// order (all nil for closures): calls that match skip the general binding.
    @exclusivity(unchecked) var labels: [String?] = []
    /// Whether a call with plain positional values can bind them directly.
    @exclusivity(unchecked) var takesPositional = false
    /// Where each parameter lives in the frame: a slot, or a box when a closure captures it.
    @exclusivity(unchecked) var targets: [(captured: Bool, index: Int)] = []
    /// The body as register code, when the register machine runs every form it uses.
    @exclusivity(unchecked) var chunk: Chunk?

    @inline(__always)
    func store(_ f: Frame, _ k: Int, _ v: Value) {
        let t = targets[k]
        if t.captured { f.cells[t.index] = Box(v) } else { f.slots[t.index] = v }
    }
}

/// Where code sits: at a cell's top, in a function, in a loop (for break/continue checks).
struct Context: OptionSet {
    let rawValue: Int
    static let function = Context(rawValue: 1)
    static let loop = Context(rawValue: 2)
    static let cell: Context = []
}

struct Compiler {
    unowned let interpreter: Interpreter
    let source: Source
    private var context: Context = .cell
    /// The captured variables of the function being compiled (for constant checks).
    var currentUpvalues: [UpvalueSource] = []

    init(interpreter: Interpreter, source: Source) {
        self.interpreter = interpreter
        self.source = source
    }

    private func fail(_ kind: ErrorKind, _ message: String, _ loc: SourceLocation, suggestion: String? = nil) -> ScriptError {
        ScriptError(kind, message, at: loc, in: source, suggestion: suggestion)
    }

    /// Gives an error raised without a place (by an operator, by native code) the place
    /// `loc`; errors that know their place pass through unchanged.
    func placing(_ loc: SourceLocation) -> (Error) -> Error {
        let src = source
        return { error in
            guard let err = error as? ScriptError, err.location == nil else { return error }
            return err.located(loc, in: src)
        }
    }

    // MARK: Statements

    mutating func statements(_ stmts: [Stmt], at ctx: Context) throws -> StmtCode {
        let saved = context
        context = ctx
        defer { context = saved }
        return try block(stmts)
    }

    /// A compiled statement kept in an array: wrapping the closure in a struct stores it
    /// at its own calling convention, so calls skip the reabstraction thunk an array of
    /// bare closures would add.
    struct CompiledStatement {
        let run: StmtCode
        let location: SourceLocation
    }

    mutating func block(_ stmts: [Stmt]) throws -> StmtCode {
        let flag = interpreter.interrupt
        let src = source
        if stmts.isEmpty { return { _ in .normal } }
        if stmts.count == 1 {
            let c = try statement(stmts[0]), loc = stmts[0].location
            return { f in
                if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted", at: loc, in: src) }
                return try c(f)
            }
        }
        let codes = ContiguousArray(try stmts.map { CompiledStatement(run: try statement($0), location: $0.location) })
        return { f in
            for c in codes {
                if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted", at: c.location, in: src) }
                let r = try c.run(f)
                if case .normal = r { continue }
                return r
            }
            return .normal
        }
    }

    mutating func statement(_ s: Stmt) throws -> StmtCode {
        switch s {
        case let s as ExpressionStmt:
            let e = try expression(s.expr)
            return { f in _ = try e(f); return .normal }
        case let s as VarDeclStmt:
            let value = try s.initializer.map { try expression($0) } ?? { _ in .nil }
            let bind = try binder(s.pattern, constant: s.isConstant)
            return { f in try bind(f, value(f)); return .normal }
        case let s as FuncDeclStmt:
            let make = try function(s.function)
            switch s.binding {
            case .local(let v) where v.captured:
                // The box was made with the frame (functions are hoisted): fill it.
                let i = v.index
                return { f in f.cells[i].value = make(f); return .normal }
            default:
                let bind = try binder(.name(s.function.name, s.location, s.binding), constant: true)
                return { f in try bind(f, make(f)); return .normal }
            }
        case let s as IfStmt:
            let cond = try condition(s.condition, "if")
            let then = try block(s.then)
            if let e = s.otherwise {
                let other = try block(e)
                return { f in try cond(f) ? try then(f) : try other(f) }
            }
            return { f in try cond(f) ? try then(f) : .normal }
        case let s as GuardStmt:
            let cond = try condition(s.condition, "guard")
            let other = try block(s.otherwise)
            return { f in try cond(f) ? .normal : try other(f) }
        case let s as WhileStmt:
            return try whileLoop(s)
        case let s as ForStmt:
            return try forLoop(s)
        case let s as ReturnStmt:
            guard context.contains(.function) else {
                throw fail(.syntax, "'return' outside a function", s.location)
            }
            guard let v = s.value else { return { f in f.returnValue = .nil; return .returned } }
            let e = try expression(v)
            return { f in f.returnValue = try e(f); return .returned }
        case is BreakStmt:
            guard context.contains(.loop) else { throw fail(.syntax, "'break' outside a loop", s.location) }
            return { _ in .breakLoop }
        case is ContinueStmt:
            guard context.contains(.loop) else { throw fail(.syntax, "'continue' outside a loop", s.location) }
            return { _ in .continueLoop }
        case let s as ThrowStmt:
            let e = try expression(s.value)
            let loc = s.location, src = source
            return { f in
                let v = try e(f)
                switch v {
                case .object(let o as ErrorObject): throw ScriptError(o.kind, o.message, at: loc, in: src)
                case .string(let m): throw ScriptError(.value, m, at: loc, in: src)
                default:
                    throw ScriptError(.type, "throw needs an error, as in throw error(\"what went wrong\"); got \(v.typeName)", at: loc, in: src)
                }
            }
        default:
            throw fail(.syntax, "unsupported statement", s.location)
        }
    }

    private mutating func condition(_ e: Expr, _ what: String) throws -> (Frame) throws -> Bool {
        let c = try expression(e)
        let loc = e.location, src = source
        return { f in
            let v = try c(f)
            if case .bool(let b) = v { return b }
            throw ScriptError(.type, "the condition of '\(what)' must be a Bool, got \(v.typeName)", at: loc, in: src,
                              suggestion: v.isNil ? "compare explicitly: x != nil" : "compare explicitly, e.g. x > 0")
        }
    }

    private mutating func loopBody(_ stmts: [Stmt]) throws -> StmtCode {
        let saved = context
        context.insert(.loop)
        defer { context = saved }
        return try block(stmts)
    }

    private mutating func whileLoop(_ s: WhileStmt) throws -> StmtCode {
        let cond = try condition(s.condition, "while")
        let body = try loopBody(s.body)
        let flag = interpreter.interrupt
        let loc = s.location, src = source
        return { f in
            while try cond(f) {
                if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted", at: loc, in: src) }
                switch try body(f) {
                case .normal, .continueLoop: continue
                case .breakLoop: return .normal
                case .returned: return .returned
                }
            }
            return .normal
        }
    }

    private mutating func forLoop(_ s: ForStmt) throws -> StmtCode {
        let seq = try expression(s.sequence)
        let body = try loopBody(s.body)
        let flag = interpreter.interrupt
        let loc = s.location, seqLoc = s.sequence.location, src = source
        // The common case, `for i in 0..<n` into a plain slot, stores Ints directly.
        var directSlot: Int? = nil
        if case .name(_, _, .local(let v)) = s.pattern, !v.captured { directSlot = v.index }
        let bind = try binder(s.pattern, constant: true)
        return { f in
            let sequence = try seq(f)
            if case .range(let r) = sequence, let slot = directSlot {
                var i = r.lower
                while i < r.upperExclusive {
                    if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted", at: loc, in: src) }
                    f.slots[slot] = .int(i)
                    i += 1
                    switch try body(f) {
                    case .normal, .continueLoop: continue
                    case .breakLoop: return .normal
                    case .returned: return .returned
                    }
                }
                return .normal
            }
            let items: AnySequence<Value>
            switch sequence {
            case .range(let r): items = AnySequence((r.lower..<r.upperExclusive).lazy.map { Value.int($0) })
            case .array(let xs): items = AnySequence(xs)
            case .dict(let d): items = AnySequence(d.entries.map { Value.tuple([$0.0, $0.1]) })
            case .string(let str): items = AnySequence(str.lazy.map { Value.string(String($0)) })
            case .object(let o as NativeSequence): items = AnySequence(try o.elements(checking: flag))
            default:
                throw ScriptError(.type, "cannot iterate over a value of type \(sequence.typeName)", at: seqLoc, in: src,
                                  suggestion: "a for loop takes a Range, an Array, a Dict or a String")
            }
            for item in items {
                if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted", at: loc, in: src) }
                try bind(f, item)
                switch try body(f) {
                case .normal, .continueLoop: continue
                case .breakLoop: return .normal
                case .returned: return .returned
                }
            }
            return .normal
        }
    }

    /// Code that stores a value into what a pattern declares (a fresh box for captured locals).
    private func binder(_ p: Pattern, constant: Bool) throws -> (Frame, Value) throws -> Void {
        switch p {
        case .wildcard:
            return { _, _ in }
        case .name(_, _, .local(let v)):
            let i = v.index
            if v.captured { return { f, value in f.cells[i] = Box(value) } }
            return { f, value in f.slots[i] = value }
        case .name(let name, _, _):
            let slot = interpreter.slot(name)
            return { _, value in slot.bind(value, constant: constant) }
        case .tuple(let items, let loc):
            let binders = try items.map { try binder($0, constant: constant) }
            let src = source
            return { f, value in
                let parts: [Value]
                switch value {
                case .tuple(let xs), .array(let xs): parts = xs
                default:
                    throw ScriptError(.type, "cannot destructure a value of type \(value.typeName) into \(items.count) names", at: loc, in: src)
                }
                guard parts.count == items.count else {
                    throw ScriptError(.value, "cannot destructure \(parts.count) values into \(items.count) names", at: loc, in: src)
                }
                for (b, v) in zip(binders, parts) { try b(f, v) }
            }
        }
    }

    // MARK: Functions

    /// Compiles a function or closure; the returned code makes a closure value in a frame,
    /// capturing the boxes its body needs.
    mutating func function(_ decl: FunctionDecl) throws -> (Frame) -> Value {
        let compiled = CompiledFunction()
        let saved = context, savedUpvalues = currentUpvalues
        context = .function
        currentUpvalues = decl.info.upvalues
        defer { context = saved; currentUpvalues = savedUpvalues }
        if decl.isExpressionBody, let e = decl.body.first as? ExpressionStmt {
            compiled.expressionBody = try expression(e.expr)
        } else {
            compiled.body = try block(decl.body)
        }
        compiled.defaults = try decl.parameters.map { p in try p.defaultValue.map { try expression($0) } }
        compiled.targets = decl.parameters.map { (captured: $0.variable!.captured, index: $0.variable!.index) }
        compiled.labels = decl.isClosure ? decl.parameters.map { _ in nil } : decl.parameters.map(\.label)
        compiled.takesPositional = compiled.labels.allSatisfy { $0 == nil }
        compiled.bindParameters = parameterBinder(decl, compiled)
        compiled.chunk = BytecodeCompiler.compile(decl, interpreter: interpreter, source: source)
        let upvalueSources = decl.info.upvalues
        return { f in
            var boxes: [Box] = []
            boxes.reserveCapacity(upvalueSources.count)
            for u in upvalueSources {
                boxes.append(u.fromParentLocal ? f.cells[u.variable!.index] : f.upvalues[u.index])
            }
            return .function(ScriptFunction(decl: decl, code: compiled, upvalues: boxes))
        }
    }

    private func parameterBinder(_ decl: FunctionDecl, _ compiled: CompiledFunction)
        -> (Frame, [ArgumentValue], Interpreter) throws -> Void {
        let count = decl.parameters.count
        let store = compiled.store
        if decl.isClosure {
            let shorthand = decl.shorthandCount > 0 || decl.parameters.isEmpty
            return { f, args, _ in
                if let labelled = args.first(where: { $0.label != nil }) {
                    throw ScriptError(.type, "closures take unlabelled arguments; remove '\(labelled.label!):'")
                }
                var values = args.map(\.value)
                if count > 1, values.count == 1, case .tuple(let parts) = values[0], parts.count == count {
                    values = parts
                }
                if shorthand ? values.count < count : values.count != count {
                    throw ScriptError(.type, "the closure takes \(count) argument\(count == 1 ? "" : "s"), got \(values.count)")
                }
                for k in 0..<count { store(f, k, values[k]) }
            }
        }
        let shape = decl.parameters.map { (label: $0.label, hasDefault: $0.defaultValue != nil) }
        let name = decl.signatureName
        return { f, args, _ in
            // Fast path: every parameter given, labels as declared.
            if args.count == count {
                var ok = true
                for k in 0..<count where args[k].label != shape[k].label { ok = false; break }
                if ok {
                    for k in 0..<count { store(f, k, args[k].value) }
                    return
                }
            }
            let bound = try bindArguments(args, to: shape, function: name)
            for k in 0..<count {
                if let v = bound[k] { store(f, k, v) }
                else { store(f, k, try compiled.defaults[k]!(f)) }
            }
        }
    }
}

/// A native object a for loop can walk (a Frame's rows, a dataset's batches).
public protocol NativeSequence: NativeObject {
    /// The elements, in order; long work checks `interrupt` between units.
    func elements(checking interrupt: InterruptFlag) throws -> [Value]
}
