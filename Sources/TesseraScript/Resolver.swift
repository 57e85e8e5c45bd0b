/// Decides, once per cell, where every name lives: a slot of the current frame, a box
/// shared with closures, an upvalue of the enclosing closure, or a session global.
///
/// Top-level declarations of a cell are session globals; everything declared inside a
/// block or function is local. A local that some closure captures is marked so the
/// compiled code stores it in a Box, created afresh each time its declaration runs (so each
/// loop iteration's `let` is its own, as in Swift).
struct Resolver {
    private final class Scope {
        let info: FunctionInfo
        let parent: Scope?
        var blocks: [[String: Variable]]
        var upvalueIndex: [ObjectIdentifier: Int] = [:]
        var parentUpvalueIndex: [Int: Int] = [:]
        init(info: FunctionInfo, parent: Scope?, blocks: [[String: Variable]]) {
            self.info = info; self.parent = parent; self.blocks = blocks
        }
    }

    private var scope: Scope
    let cellInfo = FunctionInfo()

    init() {
        scope = Scope(info: cellInfo, parent: nil, blocks: [])
    }

    mutating func resolveCell(_ stmts: [Stmt]) {
        for s in stmts { resolve(s) }
        Resolver.assignIndices(cellInfo)
    }

    /// Every local gets its own register, parameters first; a captured one keeps its Box there.
    private static func assignIndices(_ info: FunctionInfo) {
        for (i, v) in info.variables.enumerated() { v.index = i }
        info.slotCount = info.variables.count
    }

    // MARK: Scopes

    private var atCellTop: Bool { scope.parent == nil && scope.blocks.isEmpty }

    private mutating func declare(_ name: String, constant: Bool) -> Binding {
        if atCellTop { return .global(name) }
        let v = Variable(name: name, isConstant: constant)
        scope.info.variables.append(v)
        scope.blocks[scope.blocks.count - 1][name] = v
        return .local(v)
    }

    private mutating func withBlock(_ body: (inout Resolver) -> Void) {
        scope.blocks.append([:])
        body(&self)
        scope.blocks.removeLast()
    }

    private func lookup(_ name: String) -> Binding {
        if let v = Resolver.findLocal(name, in: scope) { return .local(v) }
        if let i = Resolver.findUpvalue(name, in: scope) { return .upvalue(i) }
        return .global(name)
    }

    private static func findLocal(_ name: String, in scope: Scope) -> Variable? {
        for block in scope.blocks.reversed() { if let v = block[name] { return v } }
        return nil
    }

    private static func findUpvalue(_ name: String, in scope: Scope) -> Int? {
        guard let parent = scope.parent else { return nil }
        if let v = findLocal(name, in: parent) {
            v.captured = true
            if let i = scope.upvalueIndex[ObjectIdentifier(v)] { return i }
            let i = scope.info.upvalues.count
            scope.info.upvalues.append(UpvalueSource(fromParentLocal: true, variable: v, index: -1,
                                                     name: name, isConstant: v.isConstant))
            scope.upvalueIndex[ObjectIdentifier(v)] = i
            return i
        }
        if let pi = findUpvalue(name, in: parent) {
            if let i = scope.parentUpvalueIndex[pi] { return i }
            let i = scope.info.upvalues.count
            scope.info.upvalues.append(UpvalueSource(fromParentLocal: false, variable: nil, index: pi,
                                                     name: name, isConstant: parent.info.upvalues[pi].isConstant))
            scope.parentUpvalueIndex[pi] = i
            return i
        }
        return nil
    }

    // MARK: Statements

    private mutating func resolve(_ s: Stmt) {
        switch s {
        case let s as ExpressionStmt:
            resolve(s.expr)
        case let s as VarDeclStmt:
            if let e = s.initializer { resolve(e) }
            s.pattern = declare(s.pattern, constant: s.isConstant)
            if case .name(_, _, .local(let v)) = s.pattern { v.declaredType = s.declaredType }
        case let s as FuncDeclStmt:
            if case .unresolved = s.binding { s.binding = declare(s.function.name, constant: false) }
            resolveFunction(s.function)
        case let s as IfStmt:
            // The condition's bindings are seen by the then-block, not by the else.
            withBlock { r in
                r.resolve(s.condition)
                r.resolveStatements(s.then)
            }
            if let e = s.otherwise { resolveBlock(e) }
        case let s as GuardStmt:
            // The else-block sees what was there before; the bindings hold after the guard.
            resolveBlock(s.otherwise)
            resolve(s.condition)
        case let s as ForStmt:
            resolve(s.sequence)
            withBlock { r in
                s.pattern = r.declare(s.pattern, constant: true)
                r.resolveStatements(s.body)
            }
        case let s as WhileStmt:
            withBlock { r in
                r.resolve(s.condition)
                r.resolveStatements(s.body)
            }
        case let s as SwitchStmt:
            resolve(s.subject)
            for c in s.cases {
                // A case's names are its own block's, seen by its `where` clauses and body; the
                // items of one case bind the same names, to the same variables.
                withBlock { r in
                    var bound: [String: Binding] = [:]
                    for item in c.items {
                        item.pattern = r.resolve(item.pattern, &bound)
                        if let g = item.guardClause { r.resolve(g) }
                    }
                    r.resolveStatements(c.body)
                }
            }
            if let d = s.otherwise { resolveBlock(d) }
        case let s as ReturnStmt:
            if let v = s.value { resolve(v) }
        case let s as ThrowStmt:
            resolve(s.value)
        case let s as DoStmt:
            resolveBlock(s.body)
            for c in s.clauses {
                // The error's name is the clause's own, seen by its `where` and its body.
                withBlock { r in
                    c.pattern = r.declare(c.pattern, constant: c.isConstant)
                    if let g = c.guardClause { r.resolve(g) }
                    r.resolveStatements(c.body)
                }
            }
        default:
            break
        }
    }

    private mutating func resolveBlock(_ stmts: [Stmt]) {
        withBlock { r in r.resolveStatements(stmts) }
    }

    /// Local functions are hoisted so that functions in one block may call each other.
    private mutating func resolveStatements(_ stmts: [Stmt]) {
        for case let f as FuncDeclStmt in stmts {
            f.binding = declare(f.function.name, constant: false)
        }
        for s in stmts { resolve(s) }
    }

    private mutating func declare(_ p: Pattern, constant: Bool) -> Pattern {
        switch p {
        case .name(let n, let loc, _): return .name(n, loc, declare(n, constant: constant))
        case .wildcard: return .wildcard
        case .tuple(let items, let loc): return .tuple(items.map { declare($0, constant: constant) }, loc)
        }
    }

    private mutating func resolve(_ p: CasePattern, _ bound: inout [String: Binding]) -> CasePattern {
        switch p {
        case .value(let e): resolve(e); return p
        case .wildcard: return p
        case .bind(let n, let loc, _, let constant):
            let b = bound[n] ?? declare(n, constant: constant)
            bound[n] = b
            return .bind(n, loc, b, isConstant: constant)
        case .tuple(let items, let loc): return .tuple(items.map { resolve($0, &bound) }, loc)
        case .cast(let inner, let target, let loc): return .cast(resolve(inner, &bound), target, loc)
        }
    }

    private mutating func resolveFunction(_ fn: FunctionDecl) {
        let outer = scope
        scope = Scope(info: fn.info, parent: outer, blocks: [[:]])
        // Defaults run in the callee's frame but see only what surrounds the declaration,
        // not the other parameters, as in Swift.
        for prm in fn.parameters { if let d = prm.defaultValue { resolve(d) } }
        for i in fn.parameters.indices {
            let v = Variable(name: fn.parameters[i].name, isConstant: !fn.parameters[i].isMutable)
            v.declaredType = fn.parameters[i].declaredType
            fn.info.variables.append(v)
            scope.blocks[0][v.name] = v
            fn.parameters[i].variable = v
        }
        resolveStatements(fn.body)
        scope = outer
        Resolver.assignIndices(fn.info)
    }

    /// `xs.reduce(into: start) { acc, x in ... }`, whose closure changes its accumulator in
    /// place (Swift's `inout`), as `xs.reduce(start) { acc, x in ...; return acc }` with
    /// `acc` assignable: `words.reduce(into: [:]) { $0[$1, default: 0] += 1 }`. A closure
    /// written in place only; a closure value keeps Swift's `reduce(_:_:)` contract.
    private static func rewriteReduceInto(_ call: CallExpr) {
        guard let m = call.callee as? MemberExpr, m.name == "reduce", call.arguments.count == 2,
              call.arguments[0].label == "into", call.arguments[1].label == nil,
              let closure = call.arguments[1].value as? ClosureExpr else { return }
        let fn = closure.function
        guard fn.parameters.count == 2 else { return }
        fn.parameters[0].isMutable = true
        let acc = IdentifierExpr(fn.parameters[0].name, fn.location)
        fn.body.append(ReturnStmt(acc, fn.location))
        fn.isExpressionBody = false
        call.arguments[0] = Argument(label: nil, value: call.arguments[0].value)
    }

    // MARK: Expressions

    private mutating func resolve(_ e: Expr) {
        switch e {
        case let e as IdentifierExpr: e.binding = lookup(e.name)
        case is LiteralExpr, is SymbolExpr: break
        case let e as InterpolatedStringExpr:
            for case .expr(let x) in e.segments { resolve(x) }
        case let e as ArrayExpr: e.elements.forEach { resolve($0) }
        case let e as TupleExpr: e.elements.forEach { resolve($0) }
        case let e as DictExpr: for (k, v) in e.entries { resolve(k); resolve(v) }
        case let e as UnaryExpr: resolve(e.operand)
        case let e as BinaryExpr: resolve(e.lhs); resolve(e.rhs)
        case let e as LogicalExpr: resolve(e.lhs); resolve(e.rhs)
        case let e as TernaryExpr: resolve(e.condition); resolve(e.then); resolve(e.otherwise)
        case let e as AssignExpr: resolve(e.value); resolve(e.target)
        case let e as MemberExpr: resolve(e.object)
        case let e as SubscriptExpr: resolve(e.object); resolve(e.index); if let d = e.defaultValue { resolve(d) }
        case let e as CallExpr:
            Self.rewriteReduceInto(e)
            resolve(e.callee); e.arguments.forEach { resolve($0.value) }
        case let e as OptionalChainExpr: resolve(e.inner)
        case let e as ForceUnwrapExpr: resolve(e.inner)
        case let e as OptionalTryExpr: resolve(e.inner)
        case let e as PartialRangeExpr: resolve(e.bound)
        case let e as ConvertedExpr: resolve(e.inner)
        case let e as BindingCondition:
            resolve(e.value)
            e.pattern = declare(e.pattern, constant: e.isConstant)
        case let e as ConditionList: for c in e.clauses { resolve(c) }
        case let e as ClosureExpr: resolveFunction(e.function)
        default: break
        }
    }
}
