/// The parts of a closure of two parameters whose body is one expression: the parameters'
/// names in order (`$0` and `$1` for a closure without a list) and the expression.
///
/// Native methods that call a closure for every element or pair (`reduce`, `sorted(by:)`,
/// `min(by:)`) look at such closures: one that only applies an operator (`OperatorClosure`),
/// or compares one key of each argument (`SortKey`), gives the same answers without a call
/// into the interpreter per element. A parameter with a declared type converts what it is
/// given (`(a: Double, b: Double)`), so such closures are called as written.
struct TwoParameterExpression {
    let first: String
    let second: String
    let expression: Expr

    init?(_ decl: FunctionDecl) {
        guard decl.isClosure else { return nil }
        if decl.parameters.count == 2 {
            guard decl.parameters.allSatisfy({ $0.declaredType == nil && $0.defaultValue == nil }) else { return nil }
            first = decl.parameters[0].name
            second = decl.parameters[1].name
        } else if decl.parameters.isEmpty, decl.shorthandCount == 2 {
            first = "$0"
            second = "$1"
        } else {
            return nil
        }
        switch decl.body.first {
        case let s as ExpressionStmt where decl.body.count == 1: expression = s.expr
        case let s as ReturnStmt where decl.body.count == 1:
            guard let value = s.value else { return nil }
            expression = value
        default: return nil
        }
    }

    /// Whether `e` reads the parameter `name` itself.
    static func isParameter(_ e: Expr, _ name: String) -> Bool {
        guard let id = e as? IdentifierExpr, id.name == name, case .local = id.binding else { return false }
        return true
    }
}

/// A closure that applies one operator to its two parameters in order: an operator passed
/// as a function (`xs.reduce(0, +)`, `xs.sorted(by: >)`), `{ $0 * $1 }`, `{ a, b in a + b }`.
///
/// `reduce` folds with the operator itself: `BinaryOperator.evaluate`, the code the closure's
/// one instruction runs, so every answer is the closure's (Int overflow checks, Int and
/// Double mixing, String and Array `+`). Where the operator throws, `reduce` calls the
/// closure for that element instead, and the closure raises the error at its own place.
/// `xs.reduce(0, +)` is Swift's way to sum; calling a closure per element made it a sixth
/// of CPython's `sum(xs)`.
enum OperatorClosure {
    /// The operator `decl` applies, if that is all it does.
    static func op(_ decl: FunctionDecl) -> BinaryOperator? {
        guard let parts = TwoParameterExpression(decl), let e = parts.expression as? BinaryExpr,
              let op = BinaryOperator(e.op), op != .halfOpenRange, op != .closedRange,
              TwoParameterExpression.isParameter(e.lhs, parts.first),
              TwoParameterExpression.isParameter(e.rhs, parts.second) else { return nil }
        return op
    }

    /// `initial` folded over `v`'s elements with `f`, which applies `op`: the operator
    /// applied directly, the closure called only where the operator throws.
    static func reduce(_ v: Value, _ initial: Value, _ op: BinaryOperator, _ f: Value, _ interp: Interpreter) throws -> Value {
        var acc = initial
        try ArrayMethods.each(v, interp) { x in
            // Two Ints under `+`, the sum, without going through the Values' general case.
            if op == .add, case .int(let a) = acc, case .int(let b) = x {
                let (s, overflow) = a.addingReportingOverflow(b)
                if !overflow { acc = .int(s); return true }
            } else if op == .add, case .double(let a) = acc, case .double(let b) = x {
                acc = .double(a + b)
                return true
            }
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
