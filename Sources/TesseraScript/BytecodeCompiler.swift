/// Compiles resolved syntax into register code: a cell (`compileCell`) and, nested in it,
/// every function and closure it declares (`compileFunction`), once per cell.
///
/// A function's registers are its locals first (the parameters, then its other variables,
/// numbered by the resolver), then one register per upvalue holding the captured Box, then,
/// when a parameter has a default, one per parameter saying whether the call gave it, then
/// temporaries, allocated last in first out so an expression's operands sit in registers
/// its instruction names directly. A local that closures capture keeps a Box in its
/// register, made afresh each time its declaration runs.
///
/// What the language rejects before running (`return` outside a function, `break` outside
/// a loop, an assignment to something that is not a variable) is a SyntaxError here, so a
/// cell that has one runs none of its statements.
struct BytecodeCompiler {
    private let chunk: Chunk
    private unowned let interpreter: Interpreter
    private let source: Source
    private var nextRegister: Int
    /// The most registers the function uses at once.
    private var highWater = 0
    private var constantIndex: [String: Operand] = [:]
    private var globalIndex: [ObjectIdentifier: Operand] = [:]
    /// Jumps to patch at the end of each enclosing loop: (breaks, continue target), and its label.
    /// (A switch takes `break` as a loop does, but not `continue`: that goes to the loop around it.)
    private var loops: [(breaks: [Int], continues: [Int], isSwitch: Bool, label: String?)] = []
    /// The jumps of the `?.` links of each optional chain being compiled, to its nil.
    private var chains: [[Int]] = []
    /// Session variables this cell declares, and the type each declared (nil: none), for
    /// `=` later in the cell and in the functions it declares after them: the slots learn
    /// them only when the declarations run.
    private var cellDeclaredTypes: [String: DeclaredType?] = [:]
    /// Compiling a cell: its top-level declarations define session variables, and `return`
    /// is an error.
    private let isCell: Bool
    /// The variables the function being compiled captured (whether each is a constant).
    private let upvalues: [UpvalueSource]

    private init(chunk: Chunk, interpreter: Interpreter, source: Source, locals: Int, isCell: Bool, upvalues: [UpvalueSource]) {
        self.chunk = chunk
        self.interpreter = interpreter
        self.source = source
        self.nextRegister = locals
        self.highWater = locals
        self.isCell = isCell
        self.upvalues = upvalues
    }

    /// A cell's code: its statements, then the value of a last expression. Its own
    /// variables (a loop's) are registers; its top-level `let`, `var` and `func` define
    /// session variables.
    static func compileCell(_ stmts: [Stmt], info: FunctionInfo, interpreter: Interpreter, source: Source) throws -> Chunk {
        let chunk = Chunk(name: "<cell>", source: source)
        chunk.upvalueBase = info.slotCount
        var c = BytecodeCompiler(chunk: chunk, interpreter: interpreter, source: source, locals: info.slotCount, isCell: true, upvalues: [])
        var body = stmts
        if let last = body.last as? ExpressionStmt {
            body.removeLast()
            try c.block(body)
            c.emit(.ret(a: try c.expression(last.expr)), last.expr.location)
        } else {
            try c.block(body)
            c.emit(.retNil, stmts.last?.location ?? SourceLocation(line: 1, column: 1))
        }
        chunk.registerCount = c.highWater
        chunk.seal()
        return chunk
    }

    /// A function's or closure's code. Calls that give every parameter start at
    /// `fullEntry`; the code before it fills in the defaults of parameters a call left out.
    static func compileFunction(_ decl: FunctionDecl, interpreter: Interpreter, source: Source,
                                cellDeclaredTypes: [String: DeclaredType?]) throws -> Chunk {
        let info = decl.info
        let chunk = Chunk(name: decl.name, source: source)
        chunk.parameterCount = decl.parameters.count
        chunk.upvalueBase = info.slotCount
        chunk.upvalueCount = info.upvalues.count
        var locals = info.slotCount + info.upvalues.count
        if decl.parameters.contains(where: { $0.defaultValue != nil }) {
            chunk.givenBase = locals
            locals += decl.parameters.count
        }
        var c = BytecodeCompiler(chunk: chunk, interpreter: interpreter, source: source, locals: locals, isCell: false, upvalues: info.upvalues)
        c.cellDeclaredTypes = cellDeclaredTypes
        for (k, p) in decl.parameters.enumerated() {
            precondition(p.variable?.index == k, "parameters are a function's first registers")
            guard let d = p.defaultValue else { continue }
            let skip = c.emit(.jumpIfTrue(a: Operand(chunk.givenBase + k), to: 0, what: c.constant(.string("if"))), d.location)
            let mark = c.nextRegister
            try c.expression(d, into: Operand(k))
            c.release(to: mark)
            c.patch(skip, to: c.here)
        }
        chunk.fullEntry = Int(c.here)
        // `_ x: Double` binds 3 as 3.0, as Swift would.
        for (k, p) in decl.parameters.enumerated() {
            if let type = p.declaredType { c.emit(.convert(a: Operand(k), type: type.code), p.location) }
        }
        // A captured parameter moves into its Box once bound.
        for (k, p) in decl.parameters.enumerated() where p.variable!.captured {
            c.emit(.newBox(a: Operand(k), b: Operand(k)), p.location)
        }
        if decl.isExpressionBody, let e = decl.body.first as? ExpressionStmt {
            try c.returning(e.expr, e.expr.location, c.nextRegister)
        } else {
            try c.block(decl.body)
            c.emit(.retNil, decl.location)
        }
        chunk.registerCount = c.highWater
        chunk.seal()
        return chunk
    }

    private func syntaxError(_ message: String, _ loc: SourceLocation) -> ScriptError {
        ScriptError(.syntax, message, at: loc, in: source)
    }

    // MARK: Emitting

    @discardableResult
    private mutating func emit(_ i: Instruction, _ loc: SourceLocation) -> Int {
        switch i {
        case .global, .member, .subscriptGet, .subscriptGlobal, .globalElementMember, .call, .callGlobal, .method, .methodGlobal, .methodPath, .array, .tuple,
             .dict, .interpolate, .forStart, .forPairs, .forNextPair, .getBox, .closure, .unpack:
            holdsReferences = true
        default: break
        }
        chunk.code.append(i)
        chunk.locations.append(loc)
        return chunk.code.count - 1
    }

    private var here: Operand { Operand(chunk.code.count) }

    private mutating func patch(_ at: Int, to target: Operand) {
        switch chunk.code[at] {
        // A jump back is a loop's: it checks for an interrupt (`while let x = f()`, a
        // condition of several clauses), as every backward jump must.
        case .jump: chunk.code[at] = Int(target) <= at ? .loop(to: target) : .jump(to: target)
        case .jumpIfFalse(let a, _, let w): chunk.code[at] = .jumpIfFalse(a: a, to: target, what: w)
        case .jumpIfTrue(let a, _, let w): chunk.code[at] = .jumpIfTrue(a: a, to: target, what: w)
        case .jumpIfNotNil(let a, _): chunk.code[at] = .jumpIfNotNil(a: a, to: target)
        case .jumpIfNil(let a, _): chunk.code[at] = .jumpIfNil(a: a, to: target)
        case .branch(let op, let b, let c, _, let when): chunk.code[at] = .branch(op, b: b, c: c, to: target, when: when)
        case .branchConstant(let op, let b, let k, _, let when): chunk.code[at] = .branchConstant(op, b: b, k: k, to: target, when: when)
        case .forNext(let a, let b, _): chunk.code[at] = .forNext(a: a, b: b, to: target)
        default: preconditionFailure("patching an instruction that does not jump")
        }
    }

    /// Before an instruction that changes a variable's value in place: the statement's
    /// temporaries above the live ones let go of what they read (`counts[w]` read `counts`
    /// into one), so the value is uniquely referenced and changes without a copy.
    private mutating func releaseDeadTemporaries(_ loc: SourceLocation) {
        guard holdsReferences, statementHigh > nextRegister else { return }
        emit(.clear(first: Operand(nextRegister), count: Operand(statementHigh - nextRegister)), loc)
    }

    /// Raises `error` when the code reaches here (the language reports it then, not before).
    private mutating func fail(_ error: ScriptError, _ loc: SourceLocation) {
        chunk.errors.append(error)
        emit(.fail(e: Operand(chunk.errors.count - 1)), loc)
    }

    /// Whether evaluating `e` runs no script code (literals, names and operators on them): it
    /// cannot change a session variable.
    private static func runsNoCode(_ e: Expr) -> Bool {
        switch e {
        case is LiteralExpr, is IdentifierExpr, is SymbolExpr: return true
        case let u as UnaryExpr: return runsNoCode(u.operand)
        case let b as BinaryExpr: return runsNoCode(b.lhs) && runsNoCode(b.rhs)
        case let l as LogicalExpr: return runsNoCode(l.lhs) && runsNoCode(l.rhs)
        case let t as TernaryExpr: return runsNoCode(t.condition) && runsNoCode(t.then) && runsNoCode(t.otherwise)
        default: return false
        }
    }

    /// A temporary holding constant `v`.
    private mutating func constantRegister(_ v: Value, _ loc: SourceLocation) -> Operand {
        let t = temporary()
        emit(.constant(a: t, k: constant(v)), loc)
        return t
    }

    private mutating func temporary() -> Operand {
        let r = nextRegister
        nextRegister += 1
        highWater = max(highWater, nextRegister)
        statementHigh = max(statementHigh, nextRegister)
        return Operand(r)
    }

    /// Temporaries above `mark` are free again.
    private mutating func release(to mark: Int) { nextRegister = mark }

    private mutating func constant(_ v: Value) -> Operand {
        let key: String
        switch v {
        case .int(let i): key = "i\(i)"
        case .double(let d): key = "d\(d.bitPattern)"
        case .string(let s): key = "s" + s
        case .bool(let b): key = "b\(b)"
        case .nil: key = "n"
        case .symbol(let s): key = "y" + s
        default:
            chunk.constants.append(v)
            return Operand(chunk.constants.count - 1)
        }
        if let k = constantIndex[key] { return k }
        chunk.constants.append(v)
        let k = Operand(chunk.constants.count - 1)
        constantIndex[key] = k
        return k
    }

    private mutating func global(_ name: String) -> Operand {
        let slot = interpreter.slot(name)
        if let g = globalIndex[ObjectIdentifier(slot)] { return g }
        chunk.globals.append(slot)
        let g = Operand(chunk.globals.count - 1)
        globalIndex[ObjectIdentifier(slot)] = g
        return g
    }

    /// The register of upvalue `i`, which holds its Box.
    private func upvalueRegister(_ i: Int) -> Operand { Operand(chunk.upvalueBase + i) }

    private static func constantError(_ name: String, _ loc: SourceLocation, _ src: Source) -> ScriptError {
        ScriptError(.type, "cannot assign to '\(name)': it is a constant (declared with let)", at: loc, in: src,
                    suggestion: "declare it with var to change it")
    }

    // MARK: Statements

    /// A block's statements. Its local functions are hoisted: one that closures capture
    /// gets its Box before any statement runs, so functions in one block may call each other.
    private mutating func block(_ stmts: [Stmt]) throws {
        for case let f as FuncDeclStmt in stmts {
            guard case .local(let v) = f.binding, v.captured else { continue }
            emit(.constant(a: Operand(v.index), k: constant(.nil)), f.location)
            emit(.newBox(a: Operand(v.index), b: Operand(v.index)), f.location)
        }
        for s in stmts { try statement(s) }
    }

    /// The highest register a statement's temporaries reached, and whether any may hold a
    /// reference (a value read from a variable's collection, a call's result).
    private var statementHigh = 0
    private var holdsReferences = false

    private mutating func statement(_ s: Stmt) throws {
        let mark = nextRegister
        let (savedHigh, savedHolds) = (statementHigh, holdsReferences)
        statementHigh = mark
        holdsReferences = false
        defer {
            release(to: mark)
            statementHigh = max(savedHigh, statementHigh)
            holdsReferences = savedHolds
        }
        try statementBody(s, mark)
        if holdsReferences && statementHigh > mark && !(s is ReturnStmt) && !dropsResult(of: s, above: mark) {
            emit(.clear(first: Operand(mark), count: Operand(statementHigh - mark)), s.location)
        }
    }

    /// Whether `s`, just compiled, is a mutating method on a session variable or a path
    /// whose only temporary is its result (`xs.append(i)`, `d["k"].append(i)`); if so the
    /// machine is told to drop the result, and no `clear` need follow.
    private mutating func dropsResult(of s: Stmt, above mark: Int) -> Bool {
        guard let e = s as? ExpressionStmt, !(e.expr is AssignExpr), statementHigh == mark + 1 else { return false }
        switch chunk.code.last {
        case .methodGlobal(let a, _, _, _, let site)?, .methodPath(let a, _, _, let site)?:
            guard a == Operand(mark) else { return false }
            chunk.sites[Int(site)].discardsResult = true
            return true
        default:
            return false
        }
    }

    private mutating func statementBody(_ s: Stmt, _ mark: Int) throws {
        switch s {
        case let s as ExpressionStmt:
            // An assignment's value (nil) is not kept when nothing reads it.
            if let a = s.expr as? AssignExpr { return try assignment(a) }
            _ = try expression(s.expr)
        case let s as VarDeclStmt:
            // A session variable's declared type, for `=` later in this cell (later cells read
            // it from the slot, where the declaration puts it when it runs).
            for (name, binding) in s.pattern.bindings where binding.isSessionVariable {
                cellDeclaredTypes[name] = .some(s.declaredType)
            }
            if case .name(_, _, .local(let v)) = s.pattern, !v.captured, let e = s.initializer {
                return try store(e, into: Operand(v.index))
            }
            let value = try s.initializer.map { try expression($0) } ?? constantRegister(.nil, s.location)
            try declare(s.pattern, value, constant: s.isConstant, s.location, declaredType: s.declaredType)
        case let s as FuncDeclStmt:
            switch s.binding {
            case .local(let v) where !v.captured:
                try function(s.function, into: Operand(v.index))
            case .local(let v):
                // Its Box was made when the block began (functions are hoisted): filled here.
                let t = temporary()
                try function(s.function, into: t)
                emit(.setBox(a: Operand(v.index), b: t), s.location)
            default:
                let t = temporary()
                try function(s.function, into: t)
                cellDeclaredTypes[s.function.name] = .some(nil)
                emit(.defineGlobal(g: global(s.function.name), b: t, constant: 1), s.location)
            }
        case let s as IfStmt:
            let skips = try jumps(unless: s.condition, "if", mark)
            try block(s.then)
            if let other = s.otherwise {
                let end = emit(.jump(to: 0), s.location)
                for skip in skips { patch(skip, to: here) }
                try block(other)
                patch(end, to: here)
            } else {
                for skip in skips { patch(skip, to: here) }
            }
        case let s as GuardStmt:
            let pass = try jump(whenHolds: s.condition, "guard", mark)
            try block(s.otherwise)
            patch(pass, to: here)
        case let s as WhileStmt:
            // The test sits after the body, entered once by a jump: each turn is one jump
            // back on the condition, not a jump back and a test (`while true` has none).
            if let literal = s.condition as? LiteralExpr, case .bool(true) = literal.value {
                let body = here
                try loopBody(s.body, label: s.label) { $0.emit(.loop(to: body), s.location) }
                return
            }
            let enter = s.bodyFirst ? nil : emit(.jump(to: 0), s.location)
            let body = here
            try loopBody(s.body, label: s.label) { c in
                if let enter { c.patch(enter, to: c.here) }
                c.patch(try c.jump(whenHolds: s.condition, "while", mark), to: body)
            }
        case let s as ForStmt:
            if try pairLoop(s) { return }
            // The sequence and its position in two registers kept for the loop's life.
            let sequence = temporary()
            _ = temporary()
            let element: Operand
            var direct = false
            if case .name(_, _, .local(let v)) = s.pattern, !v.captured {
                element = Operand(v.index)
                direct = true
            } else {
                element = temporary()
            }
            try expression(s.sequence, into: sequence)
            emit(.forStart(a: sequence), s.sequence.location)
            // As `while`: the step that takes the next element sits after the body and jumps
            // back into it.
            let enter = emit(.jump(to: 0), s.location)
            let body = here
            if !direct { try declare(s.pattern, element, constant: true, s.location) }
            try loopBody(s.body, label: s.label) { c in
                c.patch(enter, to: c.here)
                c.emit(.forNext(a: sequence, b: element, to: body), s.location)
            }
        case let s as ReturnStmt:
            guard !isCell else { throw syntaxError("'return' outside a function", s.location) }
            if let v = s.value {
                try returning(v, s.location, mark)
            } else {
                emit(.retNil, s.location)
            }
        case let s as BreakStmt:
            guard !loops.isEmpty else { throw syntaxError("'break' outside a loop", s.location) }
            let loop = try s.label.map { try labelled($0, "break", s.location) } ?? loops.count - 1
            loops[loop].breaks.append(emit(.jump(to: 0), s.location))
        case let s as ContinueStmt:
            guard let innermost = loops.lastIndex(where: { !$0.isSwitch }) else { throw syntaxError("'continue' outside a loop", s.location) }
            let loop = try s.label.map { try labelled($0, "continue", s.location) } ?? innermost
            if loops[loop].isSwitch {
                throw syntaxError("'continue \(s.label!)' names a switch; continue goes on to a loop's next turn (break \(s.label!) leaves the switch)", s.location)
            }
            loops[loop].continues.append(emit(.jump(to: 0), s.location))
        case let s as SwitchStmt:
            try switchStatement(s, mark)
        case let s as ThrowStmt:
            emit(.throwValue(a: try expression(s.value)), s.location)
        case let s as DoStmt:
            try doStatement(s)
        default:
            throw syntaxError("unsupported statement", s.location)
        }
    }

    /// A for loop whose pattern is a pair (`for (k, v) in d`, `for (i, x) in
    /// xs.enumerated()`, `for (x, y) in zip(xs, ys)`): walked a pair at a time, without the
    /// Array of Tuples (see `Instruction.forPairs`); false, having emitted nothing, for any
    /// other loop.
    private mutating func pairLoop(_ s: ForStmt) throws -> Bool {
        guard case .tuple(let items, let at) = s.pattern, items.count == 2,
              !items.contains(where: { if case .tuple = $0 { true } else { false } }) else { return false }
        // The sequence (or the first of two), its position, the second, and zip's function:
        // four registers kept for the loop's life.
        let sequence = temporary()
        for _ in 0..<3 { _ = temporary() }
        let source: PairSource
        let call = s.sequence as? CallExpr
        if let call, !call.optional, let m = call.callee as? MemberExpr, m.name == "enumerated", !m.optional, call.arguments.isEmpty {
            source = .enumerated
            try expression(m.object, into: sequence)
        } else if let call, !call.optional, let id = call.callee as? IdentifierExpr, id.name == "zip", id.binding.isSessionVariable,
                  call.arguments.count == 2, call.arguments.allSatisfy({ $0.label == nil }) {
            source = .zip
            try expression(call.arguments[0].value, into: sequence)
            try expression(call.arguments[1].value, into: sequence + 2)
            emit(.global(a: sequence + 3, g: global(id.name)), id.location)
        } else {
            source = .pairs
            try expression(s.sequence, into: sequence)
        }
        emit(.forPairs(a: sequence, from: source), s.sequence.location)
        // Into the variables' own registers when they are two plain locals in a row, as a
        // destructuring `let` does, else through two temporaries.
        let own = Self.consecutiveLocals(items)
        let direct = own != nil
        let first = own.map { Operand($0) } ?? temporary()
        if !direct { _ = temporary() }
        let enter = emit(.jump(to: 0), s.location)
        let body = here
        if !direct {
            for (k, item) in items.enumerated() { try declare(item, first + Operand(k), constant: true, at) }
        }
        try loopBody(s.body, label: s.label) { c in
            c.patch(enter, to: c.here)
            // (At the pattern: where the general way's pairs are taken apart, as `unpack` is.)
            c.emit(.forNextPair(a: sequence, first: first, to: body), at)
        }
        return true
    }

    /// `do { body } catch ... { }`: the body, then the clauses, reached only through the
    /// body's error handler, each tried in turn; when none matches the error passes on.
    private mutating func doStatement(_ s: DoStmt) throws {
        guard !s.clauses.isEmpty else { return try block(s.body) }
        let start = here
        try block(s.body)
        let end = here
        var exits = [emit(.jump(to: 0), s.location)]
        let caught = temporary()
        holdsReferences = true
        chunk.handlers.append(ErrorHandler(from: start, to: end, target: here, register: caught))
        let mark = nextRegister
        for (k, clause) in s.clauses.enumerated() {
            try declare(clause.pattern, caught, constant: clause.isConstant, clause.location)
            let skip = try clause.guardClause.map { try jump(unless: $0, "catch", mark) }
            try block(clause.body)
            if k < s.clauses.count - 1 || skip != nil { exits.append(emit(.jump(to: 0), clause.location)) }
            if let skip { patch(skip, to: here) }
        }
        if s.clauses.last?.guardClause != nil { emit(.throwValue(a: caught), s.location) }
        for exit in exits { patch(exit, to: here) }
    }

    /// `return e`; a conditional `c ? x : y` returns from each branch (one jump fewer a
    /// call: `return n < 2 ? n : fib(n - 1) + fib(n - 2)`).
    private mutating func returning(_ e: Expr, _ loc: SourceLocation, _ mark: Int) throws {
        if let tuple = e as? TupleExpr {
            let start = nextRegister
            for item in tuple.elements { try argument(item) }
            emit(.retTuple(first: Operand(start), count: Operand(tuple.elements.count)), loc)
            release(to: start)
            return
        }
        guard let t = e as? TernaryExpr else {
            emit(.ret(a: try expression(e)), loc)
            return
        }
        let other = try jump(unless: t.condition, "?:", mark)
        try returning(t.then, loc, mark)
        release(to: mark)
        patch(other, to: here)
        try returning(t.otherwise, loc, mark)
    }

    /// Compiles condition `e` of statement `what` and the jump taken when it is false; its
    /// temporaries from `mark` on are free after. Returns the jump, to patch.
    private mutating func jump(unless e: Expr, _ what: String, _ mark: Int) throws -> Int {
        try jump(when: false, e, what, mark)
    }

    /// The jumps taken when condition `e` fails: one for an expression, one per clause of a
    /// list (`if let x = f(), x > 0`). A binding's value is tested for nil, then stored in
    /// its name, which what the condition guards reads.
    private mutating func jumps(unless e: Expr, _ what: String, _ mark: Int) throws -> [Int] {
        if let list = e as? ConditionList {
            var all: [Int] = []
            for clause in list.clauses { all += try jumps(unless: clause, what, mark) }
            return all
        }
        guard let b = e as? BindingCondition else { return [try jump(when: false, e, what, mark)] }
        let value = try expression(b.value)
        let skip = emit(.jumpIfNil(a: value, to: 0), b.location)
        try declare(b.pattern, value, constant: b.isConstant, b.location)
        release(to: mark)
        return [skip]
    }

    /// The jump taken when condition `e` (an expression or a list of clauses) holds.
    private mutating func jump(whenHolds e: Expr, _ what: String, _ mark: Int) throws -> Int {
        guard e is ConditionList || e is BindingCondition else { return try jump(when: true, e, what, mark) }
        let failed = try jumps(unless: e, what, mark)
        let pass = emit(.jump(to: 0), e.location)
        for j in failed { patch(j, to: here) }
        return pass
    }

    /// The jump taken when condition `e` is `when`: a comparison jumps on itself, one
    /// instruction (`branch`) instead of a Bool in a register and a test of it.
    private mutating func jump(when: Bool, _ e: Expr, _ what: String, _ mark: Int) throws -> Int {
        if let b = e as? BinaryExpr, let op = BinaryOperator(b.op), op.isComparison {
            let l = try expression(b.lhs)
            if let literal = b.rhs as? LiteralExpr {
                release(to: mark)
                return emit(.branchConstant(op, b: l, k: constant(literal.value), to: 0, when: when), b.location)
            }
            let r = try expression(b.rhs)
            release(to: mark)
            return emit(.branch(op, b: l, c: r, to: 0, when: when), b.location)
        }
        let cond = try expression(e)
        release(to: mark)
        let w = constant(.string(what))
        return emit(when ? .jumpIfTrue(a: cond, to: 0, what: w) : .jumpIfFalse(a: cond, to: 0, what: w), e.location)
    }

    /// Stores r[value] into what a declaration names: a local's register, a fresh Box for
    /// a local that closures capture, or a session variable (at a cell's top level).
    private mutating func declare(_ p: Pattern, _ value: Operand, constant: Bool, _ loc: SourceLocation,
                                  declaredType: DeclaredType? = nil) throws {
        switch p {
        case .wildcard:
            break
        case .name(_, _, .local(let v)):
            if v.captured {
                emit(.newBox(a: Operand(v.index), b: value), loc)
            } else if Operand(v.index) != value {
                emit(.move(a: Operand(v.index), b: value), loc)
            }
        case .name(let name, let at, _):
            emit(.defineGlobal(g: global(name), b: value, constant: (constant ? 1 : 0) | (declaredType?.code ?? 0) << 1), at)
        case .tuple(let items, let at):
            // Into the variables' own registers when they are a run of plain locals
            // (`let (next, q) = task.run(p)`), else through temporaries.
            if let start = Self.consecutiveLocals(items) {
                emit(.unpack(a: value, first: Operand(start), count: Operand(items.count)), at)
                return
            }
            let first = Operand(nextRegister)
            for _ in items { _ = temporary() }
            emit(.unpack(a: value, first: first, count: Operand(items.count)), at)
            for (k, item) in items.enumerated() { try declare(item, first + Operand(k), constant: constant, at) }
        }
    }

    /// The register of the first of `items` when every one is a plain local (not captured)
    /// and their registers follow one another: a destructuring writes straight into them.
    private static func consecutiveLocals(_ items: [Pattern]) -> Int? {
        let locals = items.compactMap { item -> Int? in
            if case .name(_, _, .local(let v)) = item, !v.captured { return v.index }
            return nil
        }
        guard locals.count == items.count, let start = locals.first, locals == Array(start..<(start + locals.count)) else { return nil }
        return start
    }

    /// The enclosing loop or switch labelled `label` (a `break` or `continue` inside a
    /// function or closure sees only the loops of its own body, as in Swift).
    private func labelled(_ label: String, _ statement: String, _ at: SourceLocation) throws -> Int {
        if let i = loops.lastIndex(where: { $0.label == label }) { return i }
        let known = loops.compactMap(\.label)
        throw syntaxError("'\(statement) \(label)': no loop or switch around it is labelled '\(label)'"
                          + (known.isEmpty ? "; label one as in: \(label): for x in xs { ... }" : " (labelled here: \(known.joined(separator: ", ")))"), at)
    }

    /// A loop's body, then `step`, the code that jumps back into it (checking for an
    /// interrupt, as every backward jump does): every `continue` goes to the step, every
    /// `break` past it.
    private mutating func loopBody(_ body: [Stmt], label: String?, step: (inout BytecodeCompiler) throws -> Void) throws {
        loops.append(([], [], false, label))
        try block(body)
        let jumps = loops.removeLast()
        for c in jumps.continues { patch(c, to: here) }
        try step(&self)
        for b in jumps.breaks { patch(b, to: here) }
    }

    /// The subject once, in a temporary; each case's patterns tested in order (`==`, or
    /// bounds for a range written in the pattern), the first match's body, then the end.
    private mutating func switchStatement(_ s: SwitchStmt, _ mark: Int) throws {
        let subject = temporary()
        try expression(s.subject, into: subject)
        let value = PlacedValue(subject, s.subject.location)
        let inner = nextRegister
        loops.append(([], [], true, s.label))
        var ends: [Int] = []
        for c in s.cases {
            var matched: [Int] = []
            for item in c.items {
                // A plain value: one test, which jumps to the body when it holds.
                if case .value(let e) = item.pattern, item.guardClause == nil {
                    matched.append(try jump(when: true, Self.test(e, value), "case", inner))
                    continue
                }
                // Else each test jumps on to the next item when it fails; passing them all
                // (bindings stored, the `where` clause true) jumps to the body.
                var fails: [Int] = []
                try match(item.pattern, value, &fails, inner)
                if let clause = item.guardClause { fails += try jumps(unless: clause, "where", inner) }
                release(to: inner)
                matched.append(emit(.jump(to: 0), item.location))
                for f in fails { patch(f, to: here) }
            }
            let next = emit(.jump(to: 0), c.items[0].location)
            for m in matched { patch(m, to: here) }
            try block(c.body)
            ends.append(emit(.jump(to: 0), s.location))
            patch(next, to: here)
        }
        if let other = s.otherwise { try block(other) }
        let breaks = loops.removeLast().breaks
        for e in ends + breaks { patch(e, to: here) }
    }

    /// The tests of case pattern `p` against `value`, each failure a jump added to `fails`,
    /// and the names it binds stored as it goes.
    private mutating func match(_ p: CasePattern, _ value: Expr, _ fails: inout [Int], _ mark: Int) throws {
        switch p {
        case .wildcard:
            break
        case .value(let e):
            fails.append(try jump(when: false, Self.test(e, value), "case", mark))
        case .bind(let name, let at, let binding, let constant):
            let held = nextRegister
            try declare(.name(name, at, binding), try expression(value), constant: constant, at)
            release(to: held)
        case .tuple(let items, let loc):
            // A Tuple of as many elements, then each element against its pattern.
            let arity = CallExpr(LiteralExpr(.function(Self.isTuple), loc), [Argument(label: nil, value: value),
                                                                             Argument(label: nil, value: LiteralExpr(.int(items.count), loc))],
                                 optional: false, loc)
            fails.append(try jump(when: false, arity, "case", mark))
            for (i, item) in items.enumerated() {
                try match(item, MemberExpr(value, String(i), optional: false, loc), &fails, mark)
            }
        case .cast(let inner, let target, let loc):
            let test = CallExpr(LiteralExpr(.function(TypeCast.function(.is, target)), loc), [Argument(label: nil, value: value)],
                                optional: false, loc)
            fails.append(try jump(when: false, test, "case", mark))
            try match(inner, value, &fails, mark)
        }
    }

    /// A value pattern's test: `value == e`, or for a range written in the case, the bounds
    /// compared (no Range made).
    private static func test(_ e: Expr, _ value: Expr) -> Expr {
        if let r = e as? PartialRangeExpr {
            return r.op == ">=" ? BinaryExpr("<=", r.bound, value, r.location) : BinaryExpr(r.op, value, r.bound, r.location)
        }
        if let r = e as? BinaryExpr, r.op == "..<" || r.op == "..." {
            return LogicalExpr("&&", BinaryExpr("<=", r.lhs, value, r.location),
                               BinaryExpr(r.op == "..<" ? "<" : "<=", value, r.rhs, r.location), r.location)
        }
        return BinaryExpr("==", value, e, e.location)
    }

    /// Whether a value is a Tuple of the given number of elements (a tuple pattern's test).
    private static let isTuple = NativeFunction("isTuple") { args, _ in
        guard args.count == 2, case .tuple(let xs) = args[0].value, case .int(let n) = args[1].value else { return .bool(false) }
        return .bool(xs.count == n)
    }

    /// Compiles `decl` (once) and emits the instruction that makes a function of it in
    /// register `dst`, capturing the Boxes it names from this frame.
    private mutating func function(_ decl: FunctionDecl, into dst: Operand) throws {
        // An error in its body is the cell's: raised as the cell is compiled, before it runs.
        // (`losses.append(1)` in a function declared after `var losses: [Double] = []` in
        // the same cell stores 1.0, as it would in a later cell.)
        let code = try BytecodeCompiler.compileFunction(decl, interpreter: interpreter, source: source, cellDeclaredTypes: cellDeclaredTypes)
        let captures = decl.info.upvalues.map { u in
            u.fromParentLocal ? Operand(u.variable!.index) : upvalueRegister(u.index)
        }
        chunk.prototypes.append(FunctionCode(decl: decl, chunk: code, captures: captures))
        emit(.closure(a: dst, p: Operand(chunk.prototypes.count - 1)), decl.location)
    }

    // MARK: Expressions

    /// Compiles `e` into register `dst`.
    private mutating func expression(_ e: Expr, into dst: Operand) throws {
        let r = try expression(e, target: dst)
        if r != dst { emit(.move(a: dst, b: r), e.location) }
    }

    /// Compiles `e` and returns the register that holds its value: a local's own register,
    /// or a temporary (or `target`, when one is given, for the result of an operation).
    private mutating func expression(_ e: Expr, target: Operand? = nil) throws -> Operand {
        switch e {
        case let e as PlacedValue:
            return e.register
        case let e as LiteralExpr:
            let dst = target ?? temporary()
            emit(.constant(a: dst, k: constant(e.value)), e.location)
            return dst
        case let e as SymbolExpr:
            let dst = target ?? temporary()
            emit(.constant(a: dst, k: constant(.symbol(e.name))), e.location)
            return dst
        case let e as IdentifierExpr:
            switch e.binding {
            case .local(let v) where !v.captured:
                return Operand(v.index)
            case .local(let v):
                let dst = target ?? temporary()
                emit(.getBox(a: dst, b: Operand(v.index)), e.location)
                return dst
            case .upvalue(let i):
                let dst = target ?? temporary()
                emit(.getBox(a: dst, b: upvalueRegister(i)), e.location)
                return dst
            case .global, .unresolved:
                let dst = target ?? temporary()
                emit(.global(a: dst, g: global(e.name)), e.location)
                return dst
            }
        case let e as BinaryExpr:
            guard let op = BinaryOperator(e.op) else { throw syntaxError("unknown operator '\(e.op)'", e.location) }
            let mark = nextRegister
            let l = try expression(e.lhs)
            if let literal = e.rhs as? LiteralExpr {
                release(to: mark)
                let dst = target ?? temporary()
                emit(.binaryConstant(op, a: dst, b: l, k: constant(literal.value)), e.location)
                return dst
            }
            let r = try expression(e.rhs)
            release(to: mark)
            let dst = target ?? temporary()
            emit(.binary(op, a: dst, b: l, c: r), e.location)
            return dst
        case let e as UnaryExpr:
            let mark = nextRegister
            let v = try expression(e.operand)
            release(to: mark)
            let dst = target ?? temporary()
            emit(e.op == "-" ? .negate(a: dst, b: v) : .not(a: dst, b: v), e.location)
            return dst
        case let e as LogicalExpr:
            let dst = target ?? temporary()
            try expression(e.lhs, into: dst)
            let jump: Int
            switch e.op {
            case "??": jump = emit(.jumpIfNotNil(a: dst, to: 0), e.location)
            case "&&": jump = emit(.jumpIfFalse(a: dst, to: 0, what: constant(.string("&&"))), e.lhs.location)
            default: jump = emit(.jumpIfTrue(a: dst, to: 0, what: constant(.string("||"))), e.lhs.location)
            }
            try expression(e.rhs, into: dst)
            if e.op != "??" {
                // The right operand must be a Bool too: `x && y` is never a number.
                let check = emit(.jumpIfTrue(a: dst, to: 0, what: constant(.string(e.op))), e.rhs.location)
                patch(check, to: here)
            }
            patch(jump, to: here)
            return dst
        case let e as TernaryExpr:
            let dst = target ?? temporary()
            let other = try jump(unless: e.condition, "?:", nextRegister)
            try expression(e.then, into: dst)
            let end = emit(.jump(to: 0), e.location)
            patch(other, to: here)
            try expression(e.otherwise, into: dst)
            patch(end, to: here)
            return dst
        case let e as AssignExpr:
            try assignment(e)
            let dst = target ?? temporary()
            emit(.constant(a: dst, k: constant(.nil)), e.location)
            return dst
        case let e as MemberExpr where !e.optional && (e.object as? SubscriptExpr).flatMap(Self.sessionElement) != nil:
            // `bodies[i].x`: one instruction, not an element copied out and then read.
            let s = e.object as! SubscriptExpr, name = Self.sessionElement(s)!
            let mark = nextRegister
            let i = try expression(s.index)
            release(to: mark)
            let dst = target ?? temporary()
            chunk.places += [name.location, s.location]   // the name's, for its NameError; the subscript's
            chunk.memberNames.append(e.name)
            emit(.globalElementMember(a: dst, g: global(name.name), c: i, h: Operand(chunk.memberNames.count - 1),
                                      at: Operand(chunk.places.count - 2)), e.location)
            return dst
        case let e as MemberExpr:
            let mark = nextRegister
            let o = try expression(e.object)
            if e.optional { try link(o, e.location) }
            release(to: mark)
            let dst = target ?? temporary()
            chunk.memberNames.append(e.name)
            emit(.member(a: dst, b: o, k: constant(.string(e.name)), h: Operand(chunk.memberNames.count - 1)), e.location)
            return dst
        case let e as SubscriptExpr where e.defaultValue != nil:
            // `d[k, default: v]` read: `d[k] ?? v`.
            let plain = SubscriptExpr(e.object, e.index, optional: e.optional, e.location)
            return try expression(LogicalExpr("??", plain, e.defaultValue!, e.location), target: target)
        case let e as SubscriptExpr where Self.sessionElement(e) != nil:
            let name = Self.sessionElement(e)!
            let mark = nextRegister
            let i = try expression(e.index)
            release(to: mark)
            let dst = target ?? temporary()
            chunk.places.append(name.location)
            emit(.subscriptGlobal(a: dst, g: global(name.name), c: i, at: Operand(chunk.places.count - 1)), e.location)
            return dst
        case let e as SubscriptExpr:
            let mark = nextRegister
            let o = try expression(e.object)
            if e.optional { try link(o, e.location) }
            let i = try input(e.index)
            release(to: mark)
            let dst = target ?? temporary()
            emit(.subscriptGet(a: dst, b: o, c: i), e.location)
            return dst
        case let e as ForceUnwrapExpr:
            let r = try expression(e.inner, target: target)
            let skip = emit(.jumpIfNotNil(a: r, to: 0), e.location)
            fail(ScriptError(.value, "found nil where '!' needs a value", at: e.location, in: source,
                             suggestion: "give a value for nil with ??, as in x ?? 0, or test it first: if x != nil"), e.location)
            patch(skip, to: here)
            return r
        case let e as OptionalTryExpr:
            let dst = target ?? temporary()
            let start = here
            try expression(e.inner, into: dst)
            let skip = emit(.jump(to: 0), e.location)
            chunk.handlers.append(ErrorHandler(from: start, to: Operand(skip), target: here, register: nil))
            emit(.constant(a: dst, k: constant(.nil)), e.location)
            patch(skip, to: here)
            return dst
        case let e as ConvertedExpr:
            // Into a register of its own: the inner value may be a variable's, not to be changed.
            let dst = target ?? temporary()
            try expression(e.inner, into: dst)
            emit(.convert(a: dst, type: e.type.code), e.location)
            return dst
        case let e as OptionalChainExpr:
            // Each `?.` link that finds nil jumps to the end, where the chain is nil.
            let dst = target ?? temporary()
            chains.append([])
            try expression(e.inner, into: dst)
            let jumps = chains.removeLast()
            if !jumps.isEmpty {
                let end = emit(.jump(to: 0), e.location)
                for j in jumps { patch(j, to: here) }
                emit(.constant(a: dst, k: constant(.nil)), e.location)
                patch(end, to: here)
            }
            return dst
        case let e as ArrayExpr:
            return try run(Self.numbersUnified(e.elements), target: target, e.location) { .array(a: $0, first: $1, count: $2) }
        case let e as CallExpr:
            return try call(e, target: target)
        case let e as TupleExpr:
            return try run(e.elements, target: target, e.location) { .tuple(a: $0, first: $1, count: $2) }
        case let e as DictExpr:
            let at = Operand(chunk.places.count)
            chunk.places.append(contentsOf: e.entries.map(\.key.location))
            return try run(e.entries.flatMap { [$0.key, $0.value] }, target: target, e.location) { .dict(a: $0, first: $1, count: $2 / 2, at: at) }
        case let e as InterpolatedStringExpr:
            let parts: [Expr] = e.segments.map {
                switch $0 {
                case .text(let t): return LiteralExpr(.string(t), e.location)
                case .expr(let x): return x
                }
            }
            return try run(parts, target: target, e.location) { .interpolate(a: $0, first: $1, count: $2) }
        case let e as ClosureExpr:
            let dst = target ?? temporary()
            try function(e.function, into: dst)
            return dst
        default:
            throw syntaxError("unsupported expression", e.location)
        }
    }

    /// A `?.` link: when r[value] is nil the chain being compiled ends, nil.
    private mutating func link(_ value: Operand, _ loc: SourceLocation) throws {
        guard !chains.isEmpty else { throw syntaxError("'?' outside an optional chain", loc) }
        chains[chains.count - 1].append(emit(.jumpIfNil(a: value, to: 0), loc))
    }

    /// Values into a run of temporaries, then one instruction over the run (its result
    /// register, the run's first, the run's length); the temporaries from `above` on (the
    /// run's start unless an operand such as a callee was computed first) are free after.
    /// `inPlace`: the instruction changes a variable in place (dead temporaries let go
    /// first); `readsOnly`: it only reads the run, so one variable is read where it is.
    private mutating func run(_ items: [Expr], target: Operand?, _ loc: SourceLocation, above: Int? = nil, inPlace: Bool = false,
                              readsOnly: Bool = false, _ make: (Operand, Operand, Operand) -> Instruction) throws -> Operand {
        let mark = above ?? nextRegister
        if readsOnly, items.count == 1, let id = items[0] as? IdentifierExpr, case .local(let v) = id.binding, !v.captured {
            // `xs.append(i)` on a session variable reads `i` where it is (`methodGlobal` never
            // starts a callee's window at its values, as `method` may for a Dict's function).
            releaseDeadTemporaries(loc)
            release(to: mark)
            let dst = target ?? temporary()
            emit(make(dst, Operand(v.index), 1), loc)
            return dst
        }
        let first = Operand(nextRegister)
        for item in items { try argument(item) }
        if inPlace { releaseDeadTemporaries(loc) }
        release(to: mark)
        let dst = target ?? temporary()
        emit(make(dst, first, Operand(items.count)), loc)
        return dst
    }

    /// The next of a run of consecutive registers (a call's arguments, an array's elements):
    /// the value's own temporaries are freed, so the run stays unbroken.
    private mutating func argument(_ e: Expr) throws {
        let r = temporary()
        let mark = nextRegister
        try expression(e, into: r)
        release(to: mark)
    }

    /// Whether `e` writes its result register only at its end: then it may be compiled
    /// straight into a variable it reads (`x = x + 1`); `x = y && x` may not.
    private static func writesOnceAtEnd(_ e: Expr) -> Bool {
        !(e is LogicalExpr || e is TernaryExpr || e is OptionalChainExpr || e is OptionalTryExpr)
    }

    /// Compiles `e` into a variable's register, through a temporary when the expression
    /// would write it before reading it.
    private mutating func store(_ e: Expr, into r: Operand) throws {
        if Self.writesOnceAtEnd(e) { return try expression(e, into: r) }
        let t = try expression(e)
        emit(.move(a: r, b: t), e.location)
    }

    // MARK: Assignment

    private mutating func assignment(_ e: AssignExpr) throws {
        let combine: BinaryOperator?
        switch e.op {
        case "=": combine = nil
        case "+=", "-=", "*=", "/=", "%=", "**=": combine = BinaryOperator(String(e.op.dropLast()))
        default: throw syntaxError("unknown assignment operator '\(e.op)'", e.location)
        }
        if let discard = e.target as? IdentifierExpr, discard.name == "_" {
            // `_ = f()`: the value is worked out and dropped, as in Swift.
            guard combine == nil else { throw syntaxError("'_' takes only '=': _ = value works the value out and drops it", e.location) }
            let mark = nextRegister
            _ = try expression(e.value)
            return release(to: mark)
        }
        if !(e.value is ConvertedExpr), let type = declaredType(of: e.target) {
            if combine == nil { return try assignment(AssignExpr("=", e.target, ConvertedExpr(e.value, type), e.location)) }
            // `xs += [5]` on a `[Double]` appends 5.0. (A number's `+= 1` needs nothing: a
            // Double and an Int make a Double.)
            if case .array = type { return try assignment(AssignExpr(e.op, e.target, ConvertedExpr(e.value, type), e.location)) }
        }
        let mark = nextRegister
        defer { release(to: mark) }
        if Self.needsPlacing(e.target) {
            return try assignment(AssignExpr(e.op, try preparedPlace(e.target), e.value, e.location))
        }
        switch e.target {
        case let id as IdentifierExpr:
            switch id.binding {
            case .local(let v) where v.isConstant:
                _ = try expression(e.value)
                fail(Self.constantError(id.name, id.location, source), id.location)
            case .local(let v) where !v.captured:
                let r = Operand(v.index)
                guard let combine else { return try store(e.value, into: r) }
                if let literal = e.value as? LiteralExpr, literal.value.asDouble != nil {
                    // `i += 1`: one instruction, the constant read from the pool.
                    emit(.binaryConstant(combine, a: r, b: r, k: constant(literal.value)), e.location)
                    return
                }
                let value = try expression(e.value)
                releaseDeadTemporaries(e.location)
                if combine == .add { emit(.addInPlace(a: r, b: value), e.location) } else { emit(.binary(combine, a: r, b: r, c: value), e.location) }
            case .local(let v):
                try assignBox(Operand(v.index), e, combine)
            case .upvalue(let i):
                // Captured parameters and lets stay constant inside closures.
                guard !upvalues[i].isConstant else {
                    _ = try expression(e.value)
                    return fail(Self.constantError(id.name, id.location, source), id.location)
                }
                try assignBox(upvalueRegister(i), e, combine)
            case .global, .unresolved:
                let g = global(id.name)
                if let combine {
                    let value = try input(e.value)
                    releaseDeadTemporaries(e.location)
                    emit(.updateGlobal(combine, g: g, b: value), e.location)
                } else {
                    let value = try expression(e.value)
                    releaseDeadTemporaries(e.location)
                    // (At the name: the error it can raise is that the name is a constant.)
                    emit(.setGlobal(g: g, b: value), id.location)
                }
            }
        case let s as SubscriptExpr where !s.optional:
            // `xs[i] = v` on a local: the common case gets its own instruction.
            if combine == nil, let id = s.object as? IdentifierExpr, case .local(let v) = id.binding, !v.captured, !v.isConstant {
                let index = try expression(s.index)
                let value = try expression(e.value)
                releaseDeadTemporaries(e.location)
                emit(.subscriptSet(a: Operand(v.index), b: index, c: value), e.location)
                return
            }
            try assignPath(e, combine: combine)
        case let m as MemberExpr where !m.optional:
            try assignPath(e, combine: combine)
        case let t as TupleExpr where combine == nil:
            try assignTuple(t, from: try expression(e.value), e.location)
        default:
            throw syntaxError("cannot assign to this expression", e.target.location)
        }
    }

    /// The Swift type declared for a place, which what is stored there converts to: a
    /// variable's, or an element or value of one (`xs[i]` of a `[Double]`, `d["k"]` or `d.k`
    /// of a `[String: Double]`); nil where none is.
    private func declaredType(of place: Expr) -> DeclaredType? {
        switch place {
        case let id as IdentifierExpr:
            switch id.binding {
            case .local(let v): return v.declaredType
            case .upvalue(let i): return upvalues[i].variable?.declaredType
            case .global, .unresolved:
                if let here = cellDeclaredTypes[id.name] { return here }
                return interpreter.existingSlot(id.name)?.declaredType
            }
        case let s as SubscriptExpr:
            switch declaredType(of: s.object) {
            case .array(let element)?, .dictionary(let element)?: return element
            default: return nil
            }
        case let m as MemberExpr:
            if case .dictionary(let element)? = declaredType(of: m.object) { return element }
            return nil
        case let f as ForceUnwrapExpr:
            return declaredType(of: f.inner)
        default:
            return nil
        }
    }

    /// The arguments of a mutating call on a place declared `[Double]` (or deeper), converted
    /// as what they add: `xs.append(1)`, `xs.insert(1, at: 0)`, `xs.append(contentsOf: [1])`.
    private static func converted(_ method: String, _ labels: [String?], _ values: [Expr], into array: DeclaredType?) -> [Expr] {
        guard case .array(let element)? = array, let first = values.first else { return values }
        let type: DeclaredType
        switch (method, labels) {
        case ("append", [nil]), ("insert", [nil, "at"]): type = element
        case ("append", ["contentsOf"]): type = .array(element)
        default: return values
        }
        return [ConvertedExpr(first, type)] + values.dropFirst()
    }

    /// `zip(xs, ys).map(f)` as one call of `ZipMap.function` with zip's value, `xs`, `ys` and
    /// `f`, which maps the pairs as it makes them; nil, having emitted nothing, for any other
    /// call. Only where `f` is a closure or a name: reading it runs no code, so evaluating it
    /// before the pairs are made, not after, changes nothing. Zip's value is read as the call
    /// would read it, so a session's own `zip` is the one called.
    private mutating func zipMap(_ e: CallExpr, _ m: MemberExpr, target: Operand?) throws -> Operand? {
        guard m.name == "map", !m.optional, !e.optional, e.arguments.count == 1, e.arguments[0].label == nil,
              e.arguments[0].value is ClosureExpr || e.arguments[0].value is IdentifierExpr,
              let z = m.object as? CallExpr, !z.optional, let id = z.callee as? IdentifierExpr, id.name == "zip",
              id.binding.isSessionVariable, z.arguments.count == 2, z.arguments.allSatisfy({ $0.label == nil }) else { return nil }
        let mark = nextRegister
        let callee = temporary()
        emit(.constant(a: callee, k: constant(.function(ZipMap.function))), e.location)
        chunk.sites.append(BytecodeCall(labels: [nil, nil, nil, nil], method: nil, mutatesReceiver: false))
        let s = Operand(chunk.sites.count - 1)
        return try run([id, z.arguments[0].value, z.arguments[1].value, e.arguments[0].value], target: target, e.location, above: mark) {
            .call(a: $0, callee: callee, first: $1, count: $2, site: s)
        }
    }

    /// An Array literal's elements with its Int literals made Doubles where a Double literal
    /// is among its numbers (nested Array literals taken together), as Swift infers `[0.5, 1]`
    /// and `[[1, 2], [3, 4.5]]` to hold Doubles: `[0.5, 1, 2][1] / 4` is 0.25, not 0. Left as
    /// written when a String, Bool or nil literal is among them (a mixed Array, which Swift
    /// refuses without an annotation) or the numbers are all of one kind.
    static func numbersUnified(_ elements: [Expr]) -> [Expr] {
        var ints = false, doubles = false, others = false
        func scan(_ e: Expr) {
            switch e {
            case let l as LiteralExpr:
                switch l.value {
                case .int: ints = true
                case .double: doubles = true
                default: others = true
                }
            case let a as ArrayExpr: a.elements.forEach(scan)
            default: break   // a variable or a call: its value is its own
            }
        }
        elements.forEach(scan)
        guard ints, doubles, !others else { return elements }
        func promoted(_ e: Expr) -> Expr {
            switch e {
            case let l as LiteralExpr:
                if case .int(let i) = l.value { return LiteralExpr(.double(Double(i)), l.location) }
                return l
            case let a as ArrayExpr: return ArrayExpr(a.elements.map(promoted), a.location)
            default: return e
            }
        }
        return elements.map(promoted)
    }

    /// The session variable of `xs[i]` where the element is read straight from the variable
    /// (`subscriptGlobal`): the variable is read after the index, so only when the index runs
    /// no code that could assign it first.
    private static func sessionElement(_ e: SubscriptExpr) -> IdentifierExpr? {
        guard !e.optional, e.defaultValue == nil, let name = e.object as? IdentifierExpr,
              name.binding.isSessionVariable, runsNoCode(e.index) else { return nil }
        return name
    }

    /// Whether a place names `d[k, default: v]` or `x!` on its way (`d[k, default: 0] += 1`,
    /// `counts[w]! += 1`): the place is read before it changes.
    private static func needsPlacing(_ e: Expr) -> Bool {
        if e is ForceUnwrapExpr { return true }
        if let s = e as? SubscriptExpr { return s.defaultValue != nil || needsPlacing(s.object) }
        if let m = e as? MemberExpr { return needsPlacing(m.object) }
        return false
    }

    /// The place `e` with what its way says made real first, as Swift makes it: for each
    /// `d[k, default: v]`, `if d[k] == nil { d[k] = v }` is compiled and `d[k]` returned for
    /// the update or mutating call that follows (`counts[w, default: 0] += 1`,
    /// `groups[g, default: []].append(x)`); each `x!` is read once to check it is not nil (the
    /// error at its `!`), then walked through (`counts[w]! += 1`, `d[k]!.append(x)`).
    /// A key that runs code is computed once, into a temporary the statement keeps.
    private mutating func preparedPlace(_ e: Expr) throws -> Expr {
        switch e {
        case let m as MemberExpr:
            let object = try preparedPlace(m.object)
            return object === m.object ? m : MemberExpr(object, m.name, optional: m.optional, m.location)
        case let s as SubscriptExpr:
            let object = try preparedPlace(s.object)
            var index = s.index
            if !Self.runsNoCode(index) {
                let r = temporary()
                try expression(index, into: r)
                index = PlacedValue(r, index.location)
            }
            let place = SubscriptExpr(object, index, optional: s.optional, s.location)
            if let fallback = s.defaultValue {
                let missing = BinaryExpr("==", place, LiteralExpr(.nil, s.location), s.location)
                try statement(IfStmt(missing, [ExpressionStmt(AssignExpr("=", place, fallback, s.location))], nil, s.location))
            }
            return place
        case let f as ForceUnwrapExpr:
            let inner = try preparedPlace(f.inner)
            // The copy read for the check is let go before the place changes (the in-place
            // instruction that follows clears the statement's dead temporaries).
            let mark = nextRegister
            _ = try expression(ForceUnwrapExpr(inner, f.location))
            release(to: mark)
            return inner
        default:
            return e
        }
    }

    /// `(a, b) = (b, a)`: the right side is evaluated whole, then taken apart and assigned
    /// to the places left to right, as in Swift; `_` drops its part.
    private mutating func assignTuple(_ places: TupleExpr, from value: Operand, _ loc: SourceLocation) throws {
        let first = Operand(nextRegister)
        for _ in places.elements { _ = temporary() }
        emit(.unpack(a: value, first: first, count: Operand(places.elements.count)), loc)
        for (k, place) in places.elements.enumerated() {
            let part = first + Operand(k)
            if let inner = place as? TupleExpr {
                try assignTuple(inner, from: part, loc)
            } else {
                try assignment(AssignExpr("=", place, PlacedValue(part, place.location), loc))
            }
        }
    }

    /// `x = value` or `x op= value` on a variable that lives in the Box in register `box`.
    private mutating func assignBox(_ box: Operand, _ e: AssignExpr, _ combine: BinaryOperator?) throws {
        if let combine {
            let value = try input(e.value)
            releaseDeadTemporaries(e.location)
            emit(.updateBox(combine, a: box, b: value), e.location)
            return
        }
        let value = try expression(e.value)
        releaseDeadTemporaries(e.location)
        emit(.setBox(a: box, b: value), e.location)
    }

    /// `e` where an instruction reads it: a literal from the constant pool, anything else
    /// from the register that holds its value.
    private mutating func input(_ e: Expr) throws -> Input {
        if let literal = e as? LiteralExpr { return .constant(constant(literal.value)) }
        return .register(try expression(e))
    }

    /// The root of a nested assignment or of a mutating method's receiver, and the keys
    /// from it to the part that changes: members and subscripts down to a variable, or to
    /// a value computed into a temporary (a call's result).
    private mutating func pathRoot(_ e: Expr) throws -> (root: PathRoot, keys: [(expr: Expr?, name: String?)], constantError: ScriptError?, at: SourceLocation) {
        var keys: [(expr: Expr?, name: String?)] = []
        var node = e
        while true {
            if let m = node as? MemberExpr, !m.optional { keys.append((nil, m.name)); node = m.object }
            else if let s = node as? SubscriptExpr, !s.optional { keys.append((s.index, nil)); node = s.object }
            else { break }
        }
        keys.reverse()
        guard let id = node as? IdentifierExpr else {
            return (.temporary(try expression(node)), keys, nil, node.location)
        }
        let constant = Self.constantError(id.name, id.location, source)
        switch id.binding {
        case .local(let v) where v.captured: return (.box(Operand(v.index)), keys, v.isConstant ? constant : nil, id.location)
        case .local(let v): return (.register(Operand(v.index)), keys, v.isConstant ? constant : nil, id.location)
        case .upvalue(let i): return (.box(upvalueRegister(i)), keys, upvalues[i].isConstant ? constant : nil, id.location)
        case .global, .unresolved: return (.global(global(id.name)), keys, nil, id.location)
        }
    }

    /// `root[k1].k2[k3] op= value`: the keys where they are (a literal in the constant
    /// pool, a variable in its register) or computed into registers, then one instruction
    /// that walks them in place from the root.
    private mutating func assignPath(_ e: AssignExpr, combine: BinaryOperator?) throws {
        let path = try pathKeys(to: e.target, combine: combine, then: [e.value], e.location)
        let value = try input(e.value)
        releaseDeadTemporaries(e.location)
        emit(.modifyPath(value: value, path: path.index), e.location)
    }

    /// The path to `e` (its root and keys, in the chunk's table), for `modifyPath` and
    /// `methodPath`. A key that is a local variable is read from its register when the
    /// instruction runs: only when nothing evaluated after it (`later`) can assign it.
    private mutating func pathKeys(to e: Expr, combine: BinaryOperator?, then later: [Expr], _ loc: SourceLocation) throws
        -> (index: Operand, rootLocation: SourceLocation) {
        let (root, keys, constantError, at) = try pathRoot(e)
        var steps: [PathStep] = []
        for (k, key) in keys.enumerated() {
            guard let x = key.expr else {
                steps.append(PathStep(key: .constant(constant(.string(key.name!))), member: true, constant: .string(key.name!)))
                continue
            }
            if let literal = x as? LiteralExpr {
                steps.append(PathStep(key: .constant(constant(literal.value)), member: false, constant: literal.value))
            } else if let id = x as? IdentifierExpr, case .local(let v) = id.binding, !v.captured,
                      (keys[(k + 1)...].compactMap(\.expr) + later).allSatisfy(Self.assignsNoLocal) {
                steps.append(PathStep(key: .register(Operand(v.index)), member: false))
            } else {
                let r = temporary()
                let mark = nextRegister
                try expression(x, into: r)
                release(to: mark)
                steps.append(PathStep(key: .register(r), member: false))
            }
        }
        chunk.paths.append(AssignmentPath(root: root, steps: steps, combine: combine, constantError: constantError, rootLocation: at))
        return (Operand(chunk.paths.count - 1), at)
    }

    /// Whether evaluating `e` cannot assign a local variable held in a register: it holds
    /// no assignment (a closure's assignments to this frame's locals would have made them
    /// captured, Boxed, variables; a call cannot reach this frame's registers).
    private static func assignsNoLocal(_ e: Expr) -> Bool {
        switch e {
        case is LiteralExpr, is IdentifierExpr, is SymbolExpr, is ClosureExpr: return true
        case is AssignExpr: return false
        case let u as UnaryExpr: return assignsNoLocal(u.operand)
        case let b as BinaryExpr: return assignsNoLocal(b.lhs) && assignsNoLocal(b.rhs)
        case let l as LogicalExpr: return assignsNoLocal(l.lhs) && assignsNoLocal(l.rhs)
        case let t as TernaryExpr: return assignsNoLocal(t.condition) && assignsNoLocal(t.then) && assignsNoLocal(t.otherwise)
        case let m as MemberExpr: return assignsNoLocal(m.object)
        case let s as SubscriptExpr: return assignsNoLocal(s.object) && assignsNoLocal(s.index) && s.defaultValue.map(assignsNoLocal) != false
        case let c as CallExpr: return assignsNoLocal(c.callee) && c.arguments.allSatisfy { assignsNoLocal($0.value) }
        case let a as ArrayExpr: return a.elements.allSatisfy(assignsNoLocal)
        case let t as TupleExpr: return t.elements.allSatisfy(assignsNoLocal)
        case let d as DictExpr: return d.entries.allSatisfy { assignsNoLocal($0.key) && assignsNoLocal($0.value) }
        case let o as OptionalChainExpr: return assignsNoLocal(o.inner)
        case let f as ForceUnwrapExpr: return assignsNoLocal(f.inner)
        case let t as OptionalTryExpr: return assignsNoLocal(t.inner)
        case let c as ConvertedExpr: return assignsNoLocal(c.inner)
        case let s as InterpolatedStringExpr:
            return s.segments.allSatisfy { if case .expr(let x) = $0 { return assignsNoLocal(x) }; return true }
        default: return false
        }
    }

    // MARK: Calls

    private mutating func call(_ e: CallExpr, target: Operand?) throws -> Operand {
        let mark = nextRegister
        let labels = e.arguments.map(\.label)
        var values = e.arguments.map(\.value)
        if let m = e.callee as? MemberExpr {
            if let fused = try zipMap(e, m, target: target) { return fused }
            let site = MethodSite(m.name, labels: labels)
            var object = m.object
            let mutating = Members.mutatingNames.contains(m.name) && object.isAssignable
            if mutating { values = Self.converted(m.name, labels, values, into: declaredType(of: object)) }
            if mutating && Self.needsPlacing(object) { object = try preparedPlace(object) }
            if mutating && m.optional {
                // `x?.append(y)`: `x` read once to test it for nil (the chain ends nil there),
                // then changed where it is, as with `.` (the copy is let go first).
                let held = nextRegister
                try link(try expression(object), m.location)
                release(to: held)
            }
            if mutating {
                if let id = object as? IdentifierExpr {
                    switch id.binding {
                    case .global, .unresolved:
                        // A mutating method on a session variable: changed in its slot.
                        let g = global(id.name)
                        chunk.sites.append(BytecodeCall(labels: labels, method: site, mutatesReceiver: true, receiverLocation: id.location))
                        let s = Operand(chunk.sites.count - 1)
                        return try run(values, target: target, e.location, above: mark, inPlace: true, readsOnly: true) {
                            .methodGlobal(a: $0, g: g, first: $1, count: $2, site: s)
                        }
                    case .local(let v) where !v.captured && !v.isConstant:
                        // On a local variable's value, in its register.
                        chunk.sites.append(BytecodeCall(labels: labels, method: site, mutatesReceiver: true))
                        let s = Operand(chunk.sites.count - 1)
                        return try run(values, target: target, e.location, above: mark, inPlace: true) {
                            .method(a: $0, receiver: Operand(v.index), first: $1, count: $2, site: s)
                        }
                    default:
                        break
                    }
                }
                // On part of a variable, or a captured one: walked to in place.
                let path = try pathKeys(to: object, combine: nil, then: values, m.location)
                var first = Operand(nextRegister)
                if values.count == 1, let id = values[0] as? IdentifierExpr, case .local(let v) = id.binding, !v.captured {
                    first = Operand(v.index)  // read where it is, as `run` does for one variable
                } else {
                    for v in values { try argument(v) }
                }
                releaseDeadTemporaries(e.location)
                chunk.sites.append(BytecodeCall(labels: labels, method: site, mutatesReceiver: true, receiverLocation: path.rootLocation))
                release(to: mark)
                let dst = target ?? temporary()
                emit(.methodPath(a: dst, first: first, path: path.index, site: Operand(chunk.sites.count - 1)), e.location)
                return dst
            }
            let receiver = try expression(m.object)
            if m.optional { try link(receiver, m.location) }
            chunk.sites.append(BytecodeCall(labels: labels, method: site, mutatesReceiver: false))
            let s = Operand(chunk.sites.count - 1)
            return try run(values, target: target, e.location, above: mark) {
                .method(a: $0, receiver: receiver, first: $1, count: $2, site: s)
            }
        }
        // A session function called from its slot, read after the arguments: only when they
        // run no code that could assign the name first (the callee is evaluated first).
        if !e.optional, let id = e.callee as? IdentifierExpr, id.binding.isSessionVariable, values.allSatisfy(Self.runsNoCode) {
            let g = global(id.name)
            chunk.sites.append(BytecodeCall(labels: labels, method: nil, mutatesReceiver: false, receiverLocation: id.location))
            let s = Operand(chunk.sites.count - 1)
            return try run(values, target: target, e.location, above: mark) {
                .callGlobal(a: $0, g: g, first: $1, count: $2, site: s)
            }
        }
        let callee = try expression(e.callee)
        if e.optional { try link(callee, e.callee.location) }
        chunk.sites.append(BytecodeCall(labels: labels, method: nil, mutatesReceiver: false))
        let s = Operand(chunk.sites.count - 1)
        return try run(values, target: target, e.location, above: mark) {
            .call(a: $0, callee: callee, first: $1, count: $2, site: s)
        }
    }
}

/// A value the compiler has already placed in a register: a part of a tuple taken apart
/// for `(a, b) = ...`, handed to the ordinary assignment of each place.
private final class PlacedValue: Expr {
    let register: Operand
    init(_ register: Operand, _ loc: SourceLocation) { self.register = register; super.init(loc) }
}
