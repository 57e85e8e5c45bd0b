/// The parts of a closure of two parameters whose body is one expression: the parameters'
/// names in order (`$0` and `$1` for a closure without a list) and the expression.
///
/// Native methods that call a closure for every element or pair (`reduce`, `sorted(by:)`,
/// `min(by:)`) look at such closures: one that only applies an operator (`OperatorClosure`),
/// or compares keys of each argument (`SortKey`), gives the same answers without a call
/// into the interpreter per element. A parameter with a declared type converts what it is
/// given (`(a: Double, b: Double)`), so such closures are called as written.
struct TwoParameterExpression {
    let first: String
    let second: String
    let expression: Expr

    init?(_ decl: FunctionDecl) {
        guard let (names, expression) = OperatorClosure.parts(decl), names.count == 2 else { return nil }
        (first, second, self.expression) = (names[0], names[1], expression)
    }

    /// Whether `e` reads the parameter `name` itself.
    static func isParameter(_ e: Expr, _ name: String) -> Bool {
        guard let id = e as? IdentifierExpr, id.name == name, case .local = id.binding else { return false }
        return true
    }
}

/// A closure that applies one operator and does nothing else: to its two parameters
/// (`(+)`, `{ $0 * $1 }`, `{ a, b in a + b }`), or to its one parameter and a literal or
/// itself (`{ $0 * 2 }`, `{ x in x > 0.5 }`, `{ 1 - $0 }`, `{ $0 * $0 }`).
///
/// Native methods that call a closure per element apply the operator instead
/// (`ElementCall`; `reduce`'s fold): `BinaryOperator.evaluate`, the code the closure's one
/// instruction runs, so every answer is the closure's (Int overflow checks, Int and Double
/// mixing, String and Array `+`). Where the operator throws, the method calls the closure
/// for that element, and the closure raises the error at its own place. Entering the
/// interpreter cost several hundred instructions an element: `xs.map { $0 * 2 }` was slower
/// than CPython's list comprehension, and `xs.reduce(0, +)`, Swift's way to sum, a sixth of
/// CPython's `sum(xs)`.
struct OperatorClosure {
    /// What one side of the operator reads.
    enum Operand {
        case parameter(Int)
        case constant(Value)
    }

    let op: BinaryOperator
    let left: Operand
    let right: Operand
    /// 1 or 2.
    let parameterCount: Int

    init?(_ decl: FunctionDecl) {
        guard let (names, expression) = Self.parts(decl), let e = expression as? BinaryExpr,
              let op = BinaryOperator(e.op), op != .halfOpenRange, op != .closedRange else { return nil }
        func operand(_ e: Expr) -> Operand? {
            if let k = names.firstIndex(where: { TwoParameterExpression.isParameter(e, $0) }) { return .parameter(k) }
            guard let literal = e as? LiteralExpr else { return nil }
            switch literal.value {
            case .int, .double, .string, .bool: return .constant(literal.value)
            default: return nil
            }
        }
        guard let left = operand(e.lhs), let right = operand(e.rhs) else { return nil }
        (self.op, self.left, self.right, parameterCount) = (op, left, right, names.count)
    }

    /// The parameters' names (`$0`, `$1` without a list) and the one expression of a closure
    /// of one or two parameters that is nothing else; nil for any other function.
    static func parts(_ decl: FunctionDecl) -> (names: [String], expression: Expr)? {
        guard decl.isClosure else { return nil }
        let names: [String]
        if (1...2).contains(decl.parameters.count) {
            guard decl.parameters.allSatisfy({ $0.declaredType == nil && $0.defaultValue == nil }) else { return nil }
            names = decl.parameters.map(\.name)
        } else if decl.parameters.isEmpty, (1...2).contains(decl.shorthandCount) {
            names = decl.shorthandCount == 1 ? ["$0"] : ["$0", "$1"]
        } else {
            return nil
        }
        switch decl.body.first {
        case let s as ExpressionStmt where decl.body.count == 1: return (names, s.expr)
        case let s as ReturnStmt where decl.body.count == 1: return s.value.map { (names, $0) }
        default: return nil
        }
    }

    /// The operator of a closure that applies it to its two parameters in order, as
    /// `reduce` folds with it.
    var binary: BinaryOperator? {
        if parameterCount == 2, case .parameter(0) = left, case .parameter(1) = right { return op }
        return nil
    }

    /// The closure's result for the one argument `x` (for a closure of two parameters, a
    /// Tuple of two, which it takes apart as `Interpreter.call` does); nil where the closure
    /// must be called: another argument, or an operator that throws.
    @inline(__always)
    func result(for x: Value) -> Value? {
        if parameterCount == 1 {
            return try? op.evaluate(value(left, x, x), value(right, x, x))
        }
        guard case .tuple(let p) = x, p.count == 2 else { return nil }
        return try? op.evaluate(value(left, p[0], p[1]), value(right, p[0], p[1]))
    }

    /// The result for the two arguments `a` and `b` of a closure of two parameters, as
    /// `result(for:)` gives it for the Tuple of them; nil for a closure of one.
    @inline(__always)
    func result(_ a: Value, _ b: Value) -> Value? {
        guard parameterCount == 2 else { return nil }
        return try? op.evaluate(value(left, a, b), value(right, a, b))
    }

    @inline(__always)
    private func value(_ operand: Operand, _ a: Value, _ b: Value) -> Value {
        switch operand {
        case .parameter(let k): return k == 0 ? a : b
        case .constant(let c): return c
        }
    }

    /// `initial` folded over `v`'s elements with `f`, which applies `op` to its two
    /// parameters: the operator applied directly, the closure called only where the operator
    /// throws.
    static func reduce(_ v: Value, _ initial: Value, _ op: BinaryOperator, _ f: Value, _ interp: Interpreter) throws -> Value {
        var acc = initial
        try ArrayMethods.each(v, interp) { x in
            do {
                acc = try op.evaluate(acc, x)
            } catch let e as ScriptError where e.kind != .interrupted {
                acc = try interp.call(f, acc, x)
            }
            return true
        }
        return acc
    }
}
