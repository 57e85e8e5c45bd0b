/// Expression compilation: one case per node type of AST.swift.
extension Compiler {
    mutating func expression(_ e: Expr) throws -> ExprCode {
        switch e {
        case let e as LiteralExpr:
            let v = e.value
            return { _ in v }
        case let e as IdentifierExpr:
            return identifier(e)
        case let e as SymbolExpr:
            let v = Value.symbol(e.name)
            return { _ in v }
        case let e as InterpolatedStringExpr:
            return try interpolation(e)
        case let e as ArrayExpr:
            let items = try e.elements.map { try expression($0) }
            return { f in
                var out: [Value] = []
                out.reserveCapacity(items.count)
                for item in items { out.append(try item(f)) }
                return .array(out)
            }
        case let e as TupleExpr:
            let items = try e.elements.map { try expression($0) }
            return { f in .tuple(try items.map { try $0(f) }) }
        case let e as DictExpr:
            return try dictionary(e)
        case let e as UnaryExpr:
            let operand = try expression(e.operand)
            if e.op == "-" { return located(e.location) { f in try Operators.negate(operand(f)) } }
            return located(e.location) { f in try Operators.not(operand(f)) }
        case let e as BinaryExpr:
            return try binary(e)
        case let e as LogicalExpr:
            return try logical(e)
        case let e as TernaryExpr:
            let cond = try expression(e.condition)
            let a = try expression(e.then), b = try expression(e.otherwise)
            let loc = e.condition.location, src = source
            return { f in
                let c = try cond(f)
                guard case .bool(let flag) = c else {
                    throw ScriptError(.type, "the condition of '?:' must be a Bool, got \(c.typeName)", at: loc, in: src)
                }
                return flag ? try a(f) : try b(f)
            }
        case let e as AssignExpr:
            return try assignment(e)
        case let e as MemberExpr:
            let object = try expression(e.object)
            let name = e.name, optional = e.optional
            let interp = interpreter
            return located(e.location) { f in
                let o = try object(f)
                if optional, o.isNil { throw ChainNil() }
                return try Members.get(o, name, interp)
            }
        case let e as SubscriptExpr:
            let object = try expression(e.object)
            let index = try expression(e.index)
            let optional = e.optional
            let interp = interpreter
            return located(e.location) { f in
                let o = try object(f)
                if optional, o.isNil { throw ChainNil() }
                return try Subscripts.get(o, try index(f), interp)
            }
        case let e as CallExpr:
            return try call(e)
        case let e as OptionalChainExpr:
            let inner = try expression(e.inner)
            return { f in
                do { return try inner(f) } catch is ChainNil { return .nil }
            }
        case let e as ClosureExpr:
            let make = try function(e.function)
            return { f in make(f) }
        default:
            throw ScriptError(.syntax, "unsupported expression", at: e.location, in: source)
        }
    }

    /// Gives errors raised without a place (by operators, native code) this node's place.
    func located(_ loc: SourceLocation, _ body: @escaping ExprCode) -> ExprCode {
        let place = placing(loc)
        return { f in
            do { return try body(f) } catch { throw place(error) }
        }
    }

    private func identifier(_ e: IdentifierExpr) -> ExprCode {
        switch e.binding {
        case .local(let v):
            let i = v.index
            if v.captured { return { f in f.cells[i].value } }
            return { f in f.slots[i] }
        case .upvalue(let i):
            return { f in f.upvalues[i].value }
        case .global, .unresolved:
            let slot = interpreter.slot(e.name)
            let loc = e.location, src = source
            unowned let interp = interpreter
            return { _ in
                if let v = slot.value { return v }
                throw interp.undefinedError(slot.name, at: loc, in: src)
            }
        }
    }

    private mutating func interpolation(_ e: InterpolatedStringExpr) throws -> ExprCode {
        enum Piece { case text(String), code(ExprCode) }
        let pieces: [Piece] = try e.segments.map {
            switch $0 {
            case .text(let s): return .text(s)
            case .expr(let x): return .code(try expression(x))
            }
        }
        return { f in
            var out = ""
            for p in pieces {
                switch p {
                case .text(let s): out += s
                case .code(let c): try c(f).write(to: &out, quoted: false, depth: 0)
                }
            }
            return .string(out)
        }
    }

    private mutating func dictionary(_ e: DictExpr) throws -> ExprCode {
        let entries = try e.entries.map { (try expression($0.key), try expression($0.value), $0.key.location) }
        let src = source
        return { f in
            var d = ScriptDict()
            for (k, v, loc) in entries {
                let key = try k(f)
                guard let hk = DictKey(key) else {
                    throw ScriptError(.type, "a \(key.typeName) cannot be a Dict key; use a String, number, Bool or Symbol", at: loc, in: src)
                }
                d.set(key, hk, try v(f))
            }
            return .dict(d)
        }
    }

    private mutating func binary(_ e: BinaryExpr) throws -> ExprCode {
        let l = try expression(e.lhs), r = try expression(e.rhs)
        let op = e.op
        // Each operator gets its own closure calling the operation directly; errors are
        // placed here only on the (rare) throwing path.
        let place = placing(e.location)
        switch op {
        case "+": return { f in do { return try Operators.add(l(f), r(f)) } catch { throw place(error) } }
        case "-": return { f in do { return try Operators.subtract(l(f), r(f)) } catch { throw place(error) } }
        case "*": return { f in do { return try Operators.multiply(l(f), r(f)) } catch { throw place(error) } }
        case "/": return { f in do { return try Operators.divide(l(f), r(f)) } catch { throw place(error) } }
        case "%": return { f in do { return try Operators.remainder(l(f), r(f)) } catch { throw place(error) } }
        case "<":
            return { f in
                do {
                    let a = try l(f), b = try r(f)
                    if case .int(let x) = a, case .int(let y) = b { return .bool(x < y) }
                    return try Operators.ordered("<", a, b)
                } catch { throw place(error) }
            }
        case "==": return { f in .bool(Operators.equal(try l(f), try r(f))) }
        case "!=": return { f in .bool(!Operators.equal(try l(f), try r(f))) }
        default: return { f in do { return try Operators.binary(op, l(f), r(f)) } catch { throw place(error) } }
        }
    }

    private mutating func logical(_ e: LogicalExpr) throws -> ExprCode {
        let l = try expression(e.lhs), r = try expression(e.rhs)
        if e.op == "??" {
            return { f in
                let a = try l(f)
                return a.isNil ? try r(f) : a
            }
        }
        let isAnd = e.op == "&&"
        let src = source, lloc = e.lhs.location, rloc = e.rhs.location, op = e.op
        func bool(_ v: Value, _ loc: SourceLocation) throws -> Bool {
            if case .bool(let b) = v { return b }
            throw ScriptError(.type, "'\(op)' needs Bool operands, got \(v.typeName)", at: loc, in: src)
        }
        return { f in
            let a = try bool(try l(f), lloc)
            if isAnd ? !a : a { return .bool(a) }
            return .bool(try bool(try r(f), rloc))
        }
    }

    private static func compoundOperator(_ op: String) -> ((Value, Value) throws -> Value)? {
        switch op {
        case "+=": return Operators.add
        case "-=": return Operators.subtract
        case "*=": return Operators.multiply
        case "/=": return Operators.divide
        case "%=": return Operators.remainder
        case "**=": return Operators.power
        default: return nil
        }
    }

    private mutating func assignment(_ e: AssignExpr) throws -> ExprCode {
        let rhs = try expression(e.value)
        let combine = Compiler.compoundOperator(e.op)
        // Plain slots and globals get direct code: these are the hot loop counters.
        if let id = e.target as? IdentifierExpr {
            let place = placing(e.location)
            switch id.binding {
            case .local(let v) where !v.captured && !v.isConstant:
                let i = v.index
                if e.op == "+=" {
                    return { f in
                        let v = try rhs(f)
                        do { try Operators.addInPlace(&f.slots[i], v) } catch { throw place(error) }
                        return .nil
                    }
                }
                if let combine {
                    return { f in
                        do { f.slots[i] = try combine(f.slots[i], try rhs(f)) } catch { throw place(error) }
                        return .nil
                    }
                }
                return { f in f.slots[i] = try rhs(f); return .nil }
            case .global(let name):
                let slot = interpreter.slot(name)
                let loc = id.location, src = source
                unowned let interp = interpreter
                if e.op == "+=" {
                    return { f in
                        let v = try rhs(f)
                        guard slot.isAssignable else { throw interp.assignmentError(slot, at: loc, in: src) }
                        do { try Operators.addInPlace(&slot.value!, v) } catch { throw place(error) }
                        return .nil
                    }
                }
                if let combine {
                    return { f in
                        let v = try rhs(f)
                        guard slot.isAssignable else { throw interp.assignmentError(slot, at: loc, in: src) }
                        do { slot.value = try combine(slot.value!, v) } catch { throw place(error) }
                        return .nil
                    }
                }
                return { f in
                    let v = try rhs(f)
                    guard slot.isAssignable else { throw interp.assignmentError(slot, at: loc, in: src) }
                    slot.value = v
                    return .nil
                }
            default: break
            }
        }
        let target = try lvalue(e.target)
        if e.op == "+=" {
            return located(e.location) { f in
                let v = try rhs(f)
                try target.modify(f) { cur in try Operators.addInPlace(&cur, v) }
                return .nil
            }
        }
        if let combine {
            return located(e.location) { f in
                let v = try rhs(f)
                try target.modify(f) { cur in cur = try combine(cur, v) }
                return .nil
            }
        }
        return located(e.location) { f in
            let v = try rhs(f)
            try target.modify(f) { $0 = v }
            return .nil
        }
    }

    /// Read and in-place update access to an assignable expression.
    struct LValue {
        let get: ExprCode
        let modify: (Frame, (inout Value) throws -> Void) throws -> Void
    }

    mutating func lvalue(_ e: Expr) throws -> LValue {
        let src = source
        switch e {
        case let id as IdentifierExpr:
            let get = identifier(id)
            let constantError = ScriptError(.type, "cannot assign to '\(id.name)': it is a constant (declared with let)",
                                            at: id.location, in: src, suggestion: "declare it with var to change it")
            switch id.binding {
            case .local(let v):
                let i = v.index
                if v.isConstant { return LValue(get: get) { _, _ in throw constantError } }
                if v.captured { return LValue(get: get) { f, body in try body(&f.cells[i].value) } }
                return LValue(get: get) { f, body in try body(&f.slots[i]) }
            case .upvalue(let i):
                // Captured parameters and lets stay constant inside closures.
                if constantUpvalue(i) { return LValue(get: get) { _, _ in throw constantError } }
                return LValue(get: get) { f, body in try body(&f.upvalues[i].value) }
            default:
                let slot = interpreter.slot(id.name)
                let loc = id.location
                unowned let interp = interpreter
                return LValue(get: get) { _, body in
                    guard slot.isAssignable else { throw interp.assignmentError(slot, at: loc, in: src) }
                    try body(&slot.value!)
                }
            }
        case let m as MemberExpr where !m.optional:
            let base = try lvalueOrTemporary(m.object)
            let name = m.name
            let interp = interpreter
            return LValue(get: try expression(m)) { f, body in
                try base.modify(f) { container in try Members.modify(&container, name, interp, body) }
            }
        case let s as SubscriptExpr where !s.optional:
            let base = try lvalueOrTemporary(s.object)
            let index = try expression(s.index)
            let interp = interpreter
            return LValue(get: try expression(s)) { f, body in
                let i = try index(f)
                try base.modify(f) { container in try Subscripts.modify(&container, i, interp, body) }
            }
        default:
            throw ScriptError(.syntax, "cannot assign to this expression", at: e.location, in: src)
        }
    }

    /// The base of `a.b = v` or `a[i] = v`: an lvalue when it is one; otherwise (a call's
    /// result) only reference types, native objects, can be changed through it.
    private mutating func lvalueOrTemporary(_ e: Expr) throws -> LValue {
        if e.isAssignable { return try lvalue(e) }
        let get = try expression(e)
        let loc = e.location, src = source
        return LValue(get: get) { f, body in
            var v = try get(f)
            try body(&v)
            if case .object = v { return }
            throw ScriptError(.type, "cannot change part of a temporary \(v.typeName); store it in a var first", at: loc, in: src)
        }
    }

    /// Whether upvalue `i` of the function being compiled captured a `let` or a parameter.
    private func constantUpvalue(_ i: Int) -> Bool {
        currentUpvalues.indices.contains(i) && currentUpvalues[i].isConstant
    }

    // MARK: Calls

    /// An argument's code, wrapped so an array of them stores each closure at its own
    /// calling convention (see CompiledStatement).
    struct CompiledArgument {
        let run: ExprCode
    }

    private mutating func arguments(_ args: [Argument]) throws -> (Frame) throws -> [ArgumentValue] {
        let codes = try args.map { (label: $0.label, code: try expression($0.value)) }
        return { f in
            var out: [ArgumentValue] = []
            out.reserveCapacity(codes.count)
            for a in codes { out.append(ArgumentValue(label: a.label, try a.code(f))) }
            return out
        }
    }

    private mutating func call(_ e: CallExpr) throws -> ExprCode {
        let args = try arguments(e.arguments)
        let loc = e.location, src = source
        let interp = interpreter
        let wrap: (Error, String) -> Error = { error, name in
            guard var err = error as? ScriptError else { return error }
            if err.location == nil { return err.located(loc, in: src) }
            err.passedThrough(name, at: loc, in: src)
            return err
        }
        if let m = e.callee as? MemberExpr {
            let name = m.name, optional = m.optional
            let site = MethodSite(name)
            let receiver = try expression(m.object)
            if !optional && m.object.isAssignable && Members.mutatingNames.contains(name) {
                let target = try lvalue(m.object)
                return { f in
                    var current = try receiver(f)
                    let a = try args(f)
                    do {
                        guard Members.mutates(current, site) else { return try Members.call(current, site, a, interp) }
                        // Let go of our copy first: the variable's storage must be uniquely
                        // referenced for `xs.append(x)` to grow it in place, not copy it.
                        current = .nil
                        var result: Value = .nil
                        try target.modify(f) { v in result = try Members.callMutating(&v, site, a, interp) }
                        return result
                    } catch { throw wrap(error, name) }
                }
            }
            return { f in
                let r = try receiver(f)
                if optional, r.isNil { throw ChainNil() }
                let a = try args(f)
                do { return try Members.call(r, site, a, interp) } catch { throw wrap(error, name) }
            }
        }
        let callee = try expression(e.callee)
        let optional = e.optional
        // Calls of script functions whose labels match bind arguments straight into the
        // callee's frame, without building an argument list (one or two arguments: the
        // common case, evaluated into locals).
        let labels = e.arguments.map(\.label)
        let direct = ContiguousArray(try e.arguments.map { CompiledArgument(run: try expression($0.value)) })
        let first = direct.first?.run, second = direct.count > 1 ? direct[1].run : nil
        return { f in
            let c = try callee(f)
            if optional, c.isNil { throw ChainNil() }
            if case .function(let fn) = c, let sf = fn as? ScriptFunction, sf.code.labels == labels {
                let code = sf.code
                switch direct.count {
                case 0:
                    do { return try interp.invoke(sf) { _ in } } catch { throw wrap(error, sf.name) }
                case 1:
                    let v0 = try first!(f)
                    do { return try interp.invoke(sf) { code.store($0, 0, v0) } } catch { throw wrap(error, sf.name) }
                case 2:
                    let v0 = try first!(f), v1 = try second!(f)
                    do {
                        return try interp.invoke(sf) { frame in code.store(frame, 0, v0); code.store(frame, 1, v1) }
                    } catch { throw wrap(error, sf.name) }
                default:
                    let values = try direct.map { try $0.run(f) }
                    do {
                        return try interp.invoke(sf) { frame in for k in 0..<values.count { code.store(frame, k, values[k]) } }
                    } catch { throw wrap(error, sf.name) }
                }
            }
            let a = try args(f)
            do {
                if case .function(let fn) = c { return try fn.call(a, interp) }
                return try interp.call(c, a)
            } catch {
                let name: String
                if case .function(let fn) = c { name = fn.name } else { name = c.typeName }
                throw wrap(error, name)
            }
        }
    }
}
