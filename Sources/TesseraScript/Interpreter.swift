import Foundation

/// A session variable or prelude name. Compiled code holds the slot itself, so a lookup
/// costs one load however many names the session has.
///
/// The stored properties the interpreter touches on every step (here, in `Box`, `Chunk`,
/// `RegisterStack` and a Dict's storage) are `@exclusivity(unchecked)`: the worker thread
/// owns the session, so Swift's run-time exclusivity checks guard nothing there and cost
/// 6-14% of a loop, a call or an append. The attribute does per property what the compiler
/// flag `-enforce-exclusivity=unchecked` did per module, which SwiftPM refuses in a package
/// used as a dependency.
final class GlobalSlot {
    let name: String
    /// The value while the name is defined (nil while it is not), kept as a Value and a
    /// flag rather than an Optional so that the register machine reads and changes it where
    /// it is: a Dict read through a session variable copied the whole Optional out first.
    @exclusivity(unchecked) var stored: Value = .nil
    @exclusivity(unchecked) var isDefined = false
    @exclusivity(unchecked) var isConstant = false
    /// The prelude's binding for this name, restored by `%reset`.
    var preludeValue: Value?
    var doc: String?
    /// Set by the user's `let`/`var`/`func`; cleared by `%reset`.
    @exclusivity(unchecked) var userDefined = false
    /// The Swift type its latest `let`/`var` declared, which later `=` convert to
    /// (`var total: Double = 0` then `total = 1` holds 1.0); set when the declaration runs.
    var declaredType: DeclaredType?
    init(name: String) { self.name = name }

    /// The value, nil while the name is not defined.
    var value: Value? {
        get { isDefined ? stored : nil }
        set {
            if let v = newValue { stored = v; isDefined = true } else { stored = .nil; isDefined = false }
        }
    }

    /// True while the slot holds the prelude's value rather than a user's definition.
    var isPrelude: Bool { preludeValue != nil && !userDefined }

    /// Defines the name as a top-level `let`/`var`/`func` does, replacing any earlier value.
    func bind(_ v: Value, constant: Bool, declaredType code: Int32 = 0) {
        value = v
        isConstant = constant
        userDefined = true
        declaredType = code == 0 ? nil : DeclaredType(code: code)
    }

    /// True when `name = value` may change the slot: defined, not a constant, not the prelude's.
    var isAssignable: Bool { isDefined && !isConstant && !isPrelude }
}

/// The language's interpreter, with session scope across cells.
///
/// Each cell is lexed, parsed, resolved (names to registers, Boxes and session slots) and
/// compiled into register code (BytecodeCompiler.swift), once; the register machine
/// (VM.swift) runs it. Session variables live in global slots that outlive cells; an error
/// ends its cell but keeps every binding made before it.
public final class Interpreter {
    /// Deepest script call nesting before a RecursionError.
    @exclusivity(unchecked) public var maxCallDepth = 10_000
    /// Checked at every statement and loop iteration.
    public let interrupt: InterruptFlag
    public var host: ScriptHost

    var globals: [String: GlobalSlot] = [:]
    @exclusivity(unchecked) var callDepth = 0
    /// The register machine's registers (VM.swift).
    let registers = RegisterStack()
    /// The argument list of the last native method call, kept for the next one to fill:
    /// allocating and freeing it was a third of a call such as `s.hasPrefix("ab")`.
    @exclusivity(unchecked) var spareArguments: [ArgumentValue] = []

    public init(host: ScriptHost = StandardHost(), interrupt: InterruptFlag = InterruptFlag()) {
        self.host = host
        self.interrupt = interrupt
        // A new session starts from the default display options (one process may hold
        // several sessions in turn: tests, a restarted kernel core).
        DisplayOptions.current = DisplayOptions()
        CoreLibrary.install(in: self)
    }

    // MARK: Session scope

    func existingSlot(_ name: String) -> GlobalSlot? { globals[name] }

    func slot(_ name: String) -> GlobalSlot {
        if let s = globals[name] { return s }
        let s = GlobalSlot(name: name)
        globals[name] = s
        return s
    }

    /// Binds a prelude name: defined in every session, replaceable by the user, restored by `reset`.
    public func definePrelude(_ name: String, _ value: Value, doc: String? = nil) {
        let s = slot(name)
        s.preludeValue = value
        s.value = value
        s.isConstant = false
        s.userDefined = false
        s.doc = doc
    }

    /// Binds a prelude function from Swift.
    public func definePrelude(_ function: NativeFunction) {
        definePrelude(function.name, .function(function), doc: function.doc)
    }

    /// Defines (or replaces) a session variable, as a top-level `let`/`var` does.
    public func define(_ name: String, _ value: Value, constant: Bool = false) {
        slot(name).bind(value, constant: constant)
    }

    /// Another library's name for a prelude function, and how it is written here
    /// (scikit-learn's `accuracy_score` is `accuracy(yTrue, yPred)`): the prelude tells it,
    /// and a NameError for the foreign name says it.
    public var foreignName: (String) -> String? = { _ in nil }

    /// The NameError for an undefined name, with the closest defined name as a suggestion.
    func undefinedError(_ name: String, at loc: SourceLocation, in src: Source) -> ScriptError {
        let hint = foreignName(name).map { "here it is \($0)" } ?? Suggest.name(name, in: definedNames)
        return ScriptError(.name, "'\(name)' is not defined", at: loc, in: src, suggestion: hint)
    }

    /// Why `name = value` cannot change a session variable (undefined, a constant, a
    /// prelude name).
    func assignmentError(_ slot: GlobalSlot, at loc: SourceLocation, in src: Source) -> ScriptError {
        if slot.value == nil { return undefinedError(slot.name, at: loc, in: src) }
        if slot.isPrelude {
            return ScriptError(.type, "cannot assign to '\(slot.name)': it is a prelude name", at: loc, in: src,
                               suggestion: "define your own with let \(slot.name) = ... to shadow it")
        }
        return ScriptError(.type, "cannot assign to '\(slot.name)': it is a constant (declared with let)", at: loc, in: src,
                           suggestion: "declare it with var to change it")
    }

    /// The current value of a session variable or prelude name.
    public func lookup(_ name: String) -> Value? { globals[name]?.value }

    /// The doc string of a prelude name.
    public func documentation(of name: String) -> String? { globals[name]?.doc }

    /// Session variables the user defined, in name order.
    public var userVariables: [(name: String, value: Value, constant: Bool)] {
        globals.values.filter { $0.userDefined && $0.value != nil }
            .sorted { $0.name < $1.name }
            .map { ($0.name, $0.value!, $0.isConstant) }
    }

    /// Every name defined now, prelude and session, for completion.
    public var definedNames: [String] {
        globals.values.filter { $0.value != nil }.map(\.name).sorted()
    }

    /// Prelude names only.
    public var preludeNames: [String] {
        globals.values.filter { $0.preludeValue != nil }.map(\.name).sorted()
    }

    /// The code of every cell run in the session, and through each one's prototypes the
    /// code of every function it declares, kept until the session ends: the register
    /// machine runs a function's chunk without holding a reference to it (see `execute`),
    /// which is safe only while no running chunk can be freed. Code is small beside the
    /// values it makes (a cell's chunk is a few kilobytes), and the sources of the cells
    /// are kept for the session as well (`completedCells`).
    private var cellChunks: [Chunk] = []

    /// The cells that ran to the end, in order, and the one running now: what a worker
    /// process replays to rebuild the session (`tune(parallel:)`).
    public private(set) var completedCells: [Source] = []
    public private(set) var runningCell: Source?

    /// Forgets every session variable; prelude names get their original values back.
    public func reset() {
        completedCells = []
        DisplayOptions.current = DisplayOptions()
        for s in globals.values {
            s.value = s.preludeValue
            s.isConstant = false
            s.userDefined = false
            s.declaredType = nil
        }
    }

    // MARK: Running code

    /// Checks that `source` parses, without running it.
    public static func parse(_ source: Source) throws {
        _ = try Parser.parse(source)
    }

    /// Runs a cell and returns its result: the value of its last expression statement,
    /// or nil when that is `nil` or the cell ends with a statement. `asCell: false` for
    /// code that is not part of the session's history (a reply's user expressions).
    @discardableResult
    public func run(_ source: Source, asCell: Bool = true) throws -> Value? {
        // A user expression evaluated for a reply, or a nested run, is not a cell.
        let isCell = asCell && runningCell == nil
        if isCell { runningCell = source }
        defer { if isCell { runningCell = nil } }
        let value = try runCell(source)
        if isCell { completedCells.append(source) }
        return value
    }

    /// Compiles a cell to register code without running it: a SyntaxError for what the
    /// parser or the compiler rejects (the compile fuzzer drives every form through this).
    public func check(_ source: Source) throws {
        _ = try compile(source)
    }

    /// A cell's statements and its register code (nil for a cell with no statements).
    func compile(_ source: Source) throws -> (stmts: [Stmt], chunk: Chunk)? {
        let stmts = try Parser.parse(source)
        guard !stmts.isEmpty else { return nil }
        var resolver = Resolver()
        resolver.resolveCell(stmts)
        return (stmts, try BytecodeCompiler.compileCell(stmts, info: resolver.cellInfo, interpreter: self, source: source))
    }

    private func runCell(_ source: Source) throws -> Value? {
        guard let (stmts, chunk) = try compile(source) else { return nil }
        cellChunks.append(chunk)
        // An interrupt that came before the cell stops it at its first statement (inside,
        // the machine checks at each backward jump and call).
        if interrupt.isSet { throw ScriptError.interrupted().located(stmts[0].location, in: source) }
        callDepth = 0
        let v = try execute(chunk, base: registers.top)
        return v.isNil ? nil : v
    }

    /// Calls a function value (a closure the user passed to native code, say).
    public func call(_ callee: Value, _ arguments: [Value]) throws -> Value {
        let direct = try callDirectly(callee, count: arguments.count) { p in
            for k in 0..<arguments.count { p[k] = arguments[k] }
        }
        return try direct ?? call(callee, arguments.map { ArgumentValue($0) })
    }

    /// `callee(x)`, without an argument list when it is a script function (a closure
    /// handed to map or filter runs once per element).
    public func call(_ callee: Value, _ x: Value) throws -> Value {
        if let v = try callDirectly(callee, count: 1, { $0[0] = x }) { return v }
        // A closure of n parameters given one Tuple of n takes it apart, as `bind` does
        // (`zip(xs, ys).map { $0 * $1 }`, `d.map { k, v in ... }`): without an argument list too.
        if case .tuple(let parts) = x, parts.count > 1,
           let v = try callDirectly(callee, count: parts.count, closuresOnly: true, { p in for k in parts.indices { p[k] = parts[k] } }) {
            return v
        }
        return try call(callee, [ArgumentValue(x)])
    }

    /// `callee(x, y)`, without an argument list when it is a script function (a sort's
    /// comparison, a reduction's step).
    public func call(_ callee: Value, _ x: Value, _ y: Value) throws -> Value {
        try callDirectly(callee, count: 2) { $0[0] = x; $0[1] = y } ?? call(callee, [ArgumentValue(x), ArgumentValue(y)])
    }

    /// A script function that takes `count` positional values, called with them put (by
    /// `place`) where its parameters are: nil, with nothing done, for any other callee (and
    /// for a `func` where `closuresOnly`).
    @inline(__always)
    private func callDirectly(_ callee: Value, count: Int, closuresOnly: Bool = false,
                              _ place: (UnsafeMutablePointer<Value>) -> Void) throws -> Value? {
        // (The function read where the caller holds it, unretained: a sort's comparisons
        // copied it out, and cast it, once each.)
        guard let fn = withUnsafePointer(to: callee, Value.scriptFunction(at:)) else { return nil }
        return try fn._withUnsafeGuaranteedRef { sf in
            guard sf.code.takesPositional, sf.code.chunk.parameterCount == count, !closuresOnly || sf.code.decl.isClosure else { return nil }
            let stack = registers, base = stack.top
            stack.reserve(base + sf.code.chunk.registerCount)
            place(stack.base + base)
            return try run(sf, base: base, at: sf.code.chunk.fullEntry)
        }
    }

    public func call(_ callee: Value, _ arguments: [ArgumentValue]) throws -> Value {
        switch callee {
        case .function(let f): return try f.call(arguments, self)
        case .object(let o as NativeCallable): return try o.call(arguments, self)
        case .object(let o as ErrorObject) where o.caught != nil:
            // In a catch without a name, `error` is the caught error, not the function.
            throw ScriptError(.type, "'error' here is the error the catch caught (\(o.kind.rawValue)), not the function error(_:)",
                              suggestion: "name the caught error to keep error(_:): catch let e { throw error(\"...: \\(e.message)\") }")
        default:
            throw ScriptError(.type, "a value of type \(callee.typeName) cannot be called like a function")
        }
    }

    /// Calls a script function from Swift: its arguments matched to its parameters in a
    /// new window above the running code's registers.
    func invoke(_ fn: ScriptFunction, _ args: [ArgumentValue]) throws -> Value {
        let chunk = fn.code.chunk, stack = registers, base = stack.top
        stack.reserve(base + chunk.registerCount)
        let all: Bool
        do {
            all = try bind(fn, args, into: stack.base + base)
        } catch {
            stack.clear(base, chunk.registerCount)
            throw error
        }
        return try run(fn, base: base, at: all ? chunk.fullEntry : 0)
    }

    /// Runs a script function whose arguments are bound in the window at `base`, one call
    /// deeper (a RecursionError past the limit).
    private func run(_ fn: ScriptFunction, base: Int, at entry: Int) throws -> Value {
        // (Read unretained, as the dispatch loop reads chunks: every chunk lives as long as
        // the session. A strong local cost an atomic retain and release a call, a quarter of
        // a `map { $0 * 2 }`'s time.)
        unowned(unsafe) let chunk = fn.code.chunk
        // Native code calling closures (a sort's comparisons) is interrupted between them:
        // a closure without a loop or a call checks nowhere else.
        if interrupt.isSet {
            registers.clear(base, chunk.registerCount)
            throw ScriptError.interrupted()
        }
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > maxCallDepth {
            registers.clear(base, chunk.registerCount)
            throw ScriptError(.recursion, "maximum recursion depth (\(maxCallDepth)) exceeded in '\(fn.name)'",
                              suggestion: "a function that calls itself needs a case that stops the recursion")
        }
        if chunk.upvalueCount > 0 { Self.placeUpvalues(Unmanaged.passUnretained(fn), registers.base + base) }
        return try Unmanaged.passUnretained(chunk)._withUnsafeGuaranteedRef { try execute($0, base: base, at: entry) }
    }
}

/// A native object that can be called like a function (a Metric, a Model).
public protocol NativeCallable: NativeObject {
    func call(_ arguments: [ArgumentValue], _ interpreter: Interpreter) throws -> Value
}
