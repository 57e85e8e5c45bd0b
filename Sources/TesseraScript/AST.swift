/// The syntax tree. Nodes are classes so the resolver can annotate them in place (which
/// slot a name lives in, which variables a closure captures) before the interpreter
/// compiles them.

public class Expr {
    public let location: SourceLocation
    init(_ location: SourceLocation) { self.location = location }

    /// Whether the expression names storage that `=` and mutating methods can change:
    /// a variable, or a member or element of one (not through `?.`), `!` allowed on the way
    /// (`counts[w]! += 1`).
    var isAssignable: Bool {
        if self is IdentifierExpr { return true }
        if let f = self as? ForceUnwrapExpr { return f.inner.isAssignable }
        if let m = self as? MemberExpr { return !m.optional }
        if let s = self as? SubscriptExpr { return !s.optional }
        return false
    }

    /// `(a, b)` on the left of `=`: a tuple of assignable places, `_`, or tuples of them.
    var isAssignableTuple: Bool {
        guard let t = self as? TupleExpr else { return false }
        return t.elements.allSatisfy { $0.isAssignable || $0.isAssignableTuple }
    }
}

public class Stmt {
    public let location: SourceLocation
    init(_ location: SourceLocation) { self.location = location }
}

// MARK: Expressions

final class LiteralExpr: Expr {
    let value: Value
    init(_ value: Value, _ loc: SourceLocation) { self.value = value; super.init(loc) }
}

/// A string literal with interpolations: `"loss \(l)"`.
final class InterpolatedStringExpr: Expr {
    enum Segment { case text(String), expr(Expr) }
    let segments: [Segment]
    init(_ segments: [Segment], _ loc: SourceLocation) { self.segments = segments; super.init(loc) }
}

/// A name: a variable, a function, or a prelude binding.
final class IdentifierExpr: Expr {
    let name: String
    var binding: Binding = .unresolved
    init(_ name: String, _ loc: SourceLocation) { self.name = name; super.init(loc) }
}

/// `.relu`: an implicit member, a Symbol compared by name.
final class SymbolExpr: Expr {
    let name: String
    init(_ name: String, _ loc: SourceLocation) { self.name = name; super.init(loc) }
}

final class ArrayExpr: Expr {
    let elements: [Expr]
    init(_ elements: [Expr], _ loc: SourceLocation) { self.elements = elements; super.init(loc) }
}

final class DictExpr: Expr {
    let entries: [(key: Expr, value: Expr)]
    init(_ entries: [(key: Expr, value: Expr)], _ loc: SourceLocation) { self.entries = entries; super.init(loc) }
}

final class TupleExpr: Expr {
    let elements: [Expr]
    init(_ elements: [Expr], _ loc: SourceLocation) { self.elements = elements; super.init(loc) }
}

final class UnaryExpr: Expr {
    let op: String
    let operand: Expr
    init(_ op: String, _ operand: Expr, _ loc: SourceLocation) { self.op = op; self.operand = operand; super.init(loc) }
}

/// Arithmetic, comparison, ranges, `@`: both sides are always evaluated.
final class BinaryExpr: Expr {
    let op: String
    let lhs: Expr, rhs: Expr
    init(_ op: String, _ lhs: Expr, _ rhs: Expr, _ loc: SourceLocation) {
        self.op = op; self.lhs = lhs; self.rhs = rhs; super.init(loc)
    }
}

/// `&&`, `||`, `??`: the right side runs only when needed.
final class LogicalExpr: Expr {
    let op: String
    let lhs: Expr, rhs: Expr
    init(_ op: String, _ lhs: Expr, _ rhs: Expr, _ loc: SourceLocation) {
        self.op = op; self.lhs = lhs; self.rhs = rhs; super.init(loc)
    }
}

final class TernaryExpr: Expr {
    let condition: Expr, then: Expr, otherwise: Expr
    init(_ c: Expr, _ t: Expr, _ e: Expr, _ loc: SourceLocation) {
        condition = c; then = t; otherwise = e; super.init(loc)
    }
}

/// `target = value` and the compound forms `+= -= *= /= %=`.
final class AssignExpr: Expr {
    let op: String
    let target: Expr, value: Expr
    init(_ op: String, _ target: Expr, _ value: Expr, _ loc: SourceLocation) {
        self.op = op; self.target = target; self.value = value; super.init(loc)
    }
}

/// `object.name`, `tuple.0`; `optional` for `object?.name`.
final class MemberExpr: Expr {
    let object: Expr
    let name: String
    let optional: Bool
    init(_ object: Expr, _ name: String, optional: Bool, _ loc: SourceLocation) {
        self.object = object; self.name = name; self.optional = optional; super.init(loc)
    }
}

final class SubscriptExpr: Expr {
    let object: Expr
    let index: Expr
    let optional: Bool
    /// `d[k, default: v]`: what reading a missing key gives, and what changing one starts from.
    let defaultValue: Expr?
    init(_ object: Expr, _ index: Expr, optional: Bool, defaultValue: Expr? = nil, _ loc: SourceLocation) {
        self.object = object; self.index = index; self.optional = optional; self.defaultValue = defaultValue; super.init(loc)
    }
}

struct Argument {
    let label: String?
    let value: Expr
}

final class CallExpr: Expr {
    let callee: Expr
    var arguments: [Argument]
    let optional: Bool
    init(_ callee: Expr, _ arguments: [Argument], optional: Bool, _ loc: SourceLocation) {
        self.callee = callee; self.arguments = arguments; self.optional = optional; super.init(loc)
    }
}

/// A value where a Swift annotation declares its type (`let x: Double = 1`, a `return` in a
/// function `-> Double`): converted as the annotation asks (see DeclaredType).
final class ConvertedExpr: Expr {
    let inner: Expr
    let type: DeclaredType
    init(_ inner: Expr, _ type: DeclaredType) { self.inner = inner; self.type = type; super.init(inner.location) }
}

/// `x!`: the value, or a ValueError where it is nil.
final class ForceUnwrapExpr: Expr {
    let inner: Expr
    init(_ inner: Expr, _ loc: SourceLocation) { self.inner = inner; super.init(loc) }
}

/// A one-sided range in a case pattern (`..<0`, `...9`, `10...`): it holds what compares
/// to `bound` by `op` (`<`, `<=`, `>=`).
final class PartialRangeExpr: Expr {
    let op: String
    let bound: Expr
    init(_ op: String, _ bound: Expr, _ loc: SourceLocation) { self.op = op; self.bound = bound; super.init(loc) }
}

/// `try? e`: the value of `e`, or `nil` where evaluating it raised an error (an interrupt
/// still ends the cell). `try e` and `try! e` are `e` itself: an error passes on either way.
final class OptionalTryExpr: Expr {
    let inner: Expr
    init(_ inner: Expr, _ loc: SourceLocation) { self.inner = inner; super.init(loc) }
}

/// Wraps a postfix chain that contains `?.`: when any link finds `nil`, the whole chain is `nil`.
final class OptionalChainExpr: Expr {
    let inner: Expr
    init(_ inner: Expr) { self.inner = inner; super.init(inner.location) }
}

/// `let x = value` as a condition (`if let`, `guard let`, `while let`): holds when the value
/// is not nil, and binds it to the name for what the condition guards.
final class BindingCondition: Expr {
    var pattern: Pattern
    let value: Expr
    let isConstant: Bool
    init(_ pattern: Pattern, _ value: Expr, isConstant: Bool, _ loc: SourceLocation) {
        self.pattern = pattern; self.value = value; self.isConstant = isConstant; super.init(loc)
    }
}

/// `if a, let x = f(), x > 0 { ... }`: clauses tested in order, each a Bool or a binding;
/// the first that fails skips the rest.
final class ConditionList: Expr {
    let clauses: [Expr]
    init(_ clauses: [Expr], _ loc: SourceLocation) { self.clauses = clauses; super.init(loc) }
}

final class ClosureExpr: Expr {
    let function: FunctionDecl
    init(_ function: FunctionDecl, _ loc: SourceLocation) { self.function = function; super.init(loc) }
}

// MARK: Functions

struct ParameterDecl {
    /// The call-site label; nil for `_`.
    let label: String?
    let name: String
    let defaultValue: Expr?
    let location: SourceLocation
    /// `_ x: Double`: an Int bound to it becomes a Double, as Swift's would be.
    var declaredType: DeclaredType? = nil
    var variable: Variable? = nil
    /// The body may assign it (the accumulator of `reduce(into:)`'s closure); parameters
    /// are otherwise constants, as in Swift.
    var isMutable = false
}

/// A `func` or a closure: parameters, body, and what the resolver learned about its frame.
final class FunctionDecl {
    let name: String
    var parameters: [ParameterDecl]
    var body: [Stmt]
    /// A closure whose body is one expression returns that expression's value.
    var isExpressionBody: Bool
    /// A closure without a parameter list takes `$0`, `$1`, ...; this is the highest used + 1.
    var shorthandCount = 0
    let isClosure: Bool
    let location: SourceLocation
    var info = FunctionInfo()

    init(name: String, parameters: [ParameterDecl], body: [Stmt], isExpressionBody: Bool,
         isClosure: Bool, location: SourceLocation) {
        self.name = name; self.parameters = parameters; self.body = body
        self.isExpressionBody = isExpressionBody; self.isClosure = isClosure; self.location = location
    }

    /// `area(width:height:)`, as Swift names a function in messages.
    var signatureName: String {
        "\(name)(" + parameters.map { "\($0.label ?? "_"):" }.joined() + ")"
    }
}

// MARK: Statements

final class ExpressionStmt: Stmt {
    let expr: Expr
    init(_ expr: Expr) { self.expr = expr; super.init(expr.location) }
}

/// What a `let`/`var`/`for` binds: a name, `_`, or a tuple of patterns.
indirect enum Pattern {
    case name(String, SourceLocation, Binding)
    case wildcard
    case tuple([Pattern], SourceLocation)

    /// The names it binds, left to right, each with its binding.
    var bindings: [(name: String, binding: Binding)] {
        switch self {
        case .name(let n, _, let b): return [(n, b)]
        case .wildcard: return []
        case .tuple(let items, _): return items.flatMap(\.bindings)
        }
    }
}

final class VarDeclStmt: Stmt {
    var pattern: Pattern
    let isConstant: Bool
    let initializer: Expr?
    /// `var total: Double = 0`: what later assignments to the name convert to (the
    /// initializer is already a ConvertedExpr).
    let declaredType: DeclaredType?
    init(_ pattern: Pattern, isConstant: Bool, _ initializer: Expr?, declaredType: DeclaredType? = nil, _ loc: SourceLocation) {
        self.pattern = pattern; self.isConstant = isConstant; self.initializer = initializer
        self.declaredType = declaredType; super.init(loc)
    }
}

final class FuncDeclStmt: Stmt {
    let function: FunctionDecl
    var binding: Binding = .unresolved
    init(_ function: FunctionDecl, _ loc: SourceLocation) { self.function = function; super.init(loc) }
}

final class IfStmt: Stmt {
    let condition: Expr
    let then: [Stmt]
    let otherwise: [Stmt]?
    init(_ c: Expr, _ t: [Stmt], _ e: [Stmt]?, _ loc: SourceLocation) {
        condition = c; then = t; otherwise = e; super.init(loc)
    }
}

final class GuardStmt: Stmt {
    let condition: Expr
    let otherwise: [Stmt]
    init(_ c: Expr, _ e: [Stmt], _ loc: SourceLocation) { condition = c; otherwise = e; super.init(loc) }
}

/// A statement that `break` leaves (loops and switches), and that may carry a label for a
/// `break` or `continue` in a nested one to name, as Swift's `outer: for ...`.
protocol LabelledStmt: Stmt {
    var label: String? { get set }
}

final class ForStmt: Stmt, LabelledStmt {
    var label: String? = nil
    var pattern: Pattern
    let sequence: Expr
    let body: [Stmt]
    init(_ p: Pattern, _ s: Expr, _ b: [Stmt], _ loc: SourceLocation) {
        pattern = p; sequence = s; body = b; super.init(loc)
    }
}

final class WhileStmt: Stmt, LabelledStmt {
    var label: String? = nil
    let condition: Expr
    let body: [Stmt]
    /// `repeat { ... } while condition`: the body runs once before the first test.
    let bodyFirst: Bool
    init(_ c: Expr, _ b: [Stmt], bodyFirst: Bool = false, _ loc: SourceLocation) {
        condition = c; body = b; self.bodyFirst = bodyFirst; super.init(loc)
    }
}

final class ReturnStmt: Stmt {
    let value: Expr?
    init(_ v: Expr?, _ loc: SourceLocation) { value = v; super.init(loc) }
}

/// What a switch's case matches, as Swift's patterns: a value (`==`, or membership of a
/// range), `_`, a name bound to what is there (`let x`), or a tuple of patterns.
indirect enum CasePattern {
    case value(Expr)
    case wildcard
    /// `let x` / `var x`: always matches, and binds the name (resolved to its variable).
    case bind(String, SourceLocation, Binding, isConstant: Bool)
    case tuple([CasePattern], SourceLocation)
    /// `is T` (the pattern `.wildcard`) or `let x as T`: the value is of type T, and the
    /// pattern matches it.
    case cast(CasePattern, TypeCast.Target, SourceLocation)

    /// The names it binds, left to right.
    var names: [String] {
        switch self {
        case .value, .wildcard: return []
        case .bind(let name, _, _, _): return [name]
        case .tuple(let items, _): return items.flatMap(\.names)
        case .cast(let inner, _, _): return inner.names
        }
    }
}

/// One comma-separated item of a case: a pattern and its `where` clause.
final class CaseItem {
    var pattern: CasePattern
    let guardClause: Expr?
    let location: SourceLocation
    init(_ pattern: CasePattern, where guardClause: Expr?, _ loc: SourceLocation) {
        self.pattern = pattern; self.guardClause = guardClause; location = loc
    }
}

/// `switch subject { case a, b: ... case lo..<hi: ... case let n where n < 0: ... default: ... }`:
/// the first case with an item whose pattern matches the subject (and whose `where` holds)
/// runs; no case falls through.
final class SwitchStmt: Stmt, LabelledStmt {
    var label: String? = nil
    struct Case {
        let items: [CaseItem]
        let body: [Stmt]
    }
    let subject: Expr
    let cases: [Case]
    let otherwise: [Stmt]?
    init(_ subject: Expr, _ cases: [Case], _ otherwise: [Stmt]?, _ loc: SourceLocation) {
        self.subject = subject; self.cases = cases; self.otherwise = otherwise; super.init(loc)
    }
}

/// `break`, or `break outer`: leaves the innermost loop or switch, or the one labelled.
final class BreakStmt: Stmt {
    let label: String?
    init(label: String?, _ loc: SourceLocation) { self.label = label; super.init(loc) }
}

/// `continue`, or `continue outer`: the next turn of the innermost loop, or of the one labelled.
final class ContinueStmt: Stmt {
    let label: String?
    init(label: String?, _ loc: SourceLocation) { self.label = label; super.init(loc) }
}

final class ThrowStmt: Stmt {
    let value: Expr
    init(_ v: Expr, _ loc: SourceLocation) { value = v; super.init(loc) }
}

/// `do { ... } catch { ... }`, as in Swift: an error raised in the body, however deep in the
/// calls it makes, runs the first catch clause whose `where` holds, with the error bound
/// (to `error` unless the clause names it: `catch let e`). No clause matching passes the
/// error on. An interrupt is not an error a script can catch. Without a catch clause, a
/// scope.
final class DoStmt: Stmt {
    let body: [Stmt]
    let clauses: [CatchClause]
    init(_ body: [Stmt], _ clauses: [CatchClause], _ loc: SourceLocation) {
        self.body = body; self.clauses = clauses; super.init(loc)
    }
}

/// One `catch` of a `do`: the name it binds the error to (none for `catch _`), its
/// `where` clause and its body.
final class CatchClause {
    var pattern: Pattern
    let isConstant: Bool
    let guardClause: Expr?
    let body: [Stmt]
    let location: SourceLocation
    init(_ pattern: Pattern, isConstant: Bool, where guardClause: Expr?, _ body: [Stmt], _ loc: SourceLocation) {
        self.pattern = pattern; self.isConstant = isConstant; self.guardClause = guardClause; self.body = body; location = loc
    }
}

// MARK: Resolution

/// Where a name lives, decided once by the resolver.
enum Binding {
    case unresolved
    /// A local of the current function: its register, which holds a Box when a closure captures it.
    case local(Variable)
    /// A variable of an enclosing function, reached through the closure's captured boxes.
    case upvalue(Int)
    /// A session variable or prelude name, looked up by name.
    case global(String)

    /// A name the session holds (a global, or one the resolver left to the session).
    var isSessionVariable: Bool {
        switch self {
        case .global, .unresolved: return true
        case .local, .upvalue: return false
        }
    }
}

/// A local variable; `captured` locals live in boxes so closures share them by reference.
final class Variable {
    let name: String
    let isConstant: Bool
    var captured = false
    var index = -1
    /// Its declared Swift type (`var acc: Double = 0`, `_ x: Double`), which `=` converts to.
    var declaredType: DeclaredType?
    init(name: String, isConstant: Bool) { self.name = name; self.isConstant = isConstant }
}

/// How a closure gets one of its captured boxes when it is created.
struct UpvalueSource {
    /// True: a boxed local of the creating frame (`index` is its cell index);
    /// false: one of the creating closure's own upvalues.
    let fromParentLocal: Bool
    let variable: Variable?
    let index: Int
    let name: String
    let isConstant: Bool
}

final class FunctionInfo {
    var variables: [Variable] = []
    var upvalues: [UpvalueSource] = []
    /// The registers its locals take (one each, parameters first).
    var slotCount = 0
}
