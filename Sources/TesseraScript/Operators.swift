import Foundation

/// Arithmetic, comparison and equality on values. Ints and Doubles mix by promoting to
/// Double; Int overflow is a ValueError rather than a crash; Arrays concatenate under `+`,
/// as in Swift (element-wise arithmetic is the tensors' job). Native objects (tensors)
/// take part through `NativeOperand`.
public enum Operators {
    /// Applies a binary operator by its spelling (`+`, `..<`, `==`, ...).
    public static func binary(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        switch op {
        case "+": return try add(a, b)
        case "-": return try subtract(a, b)
        case "*": return try multiply(a, b)
        case "/": return try divide(a, b)
        case "%": return try remainder(a, b)
        case "**": return try power(a, b)
        case "@": return try matmul(a, b)
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<", ">", "<=", ">=": return try ordered(op, a, b)
        case "..<", "...": return try range(a, b, closed: op == "...")
        default: throw ScriptError(.syntax, "unknown operator '\(op)'")
        }
    }

    @inline(__always)
    public static func add(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow("+") }
            return .int(r)
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.int(let x), .double(let y)): return .double(Double(x) + y)
        case (.double(let x), .int(let y)): return .double(x + Double(y))
        case (.string(let x), .string(let y)):
            try MemoryBudget.reserve(x.utf8.count &+ y.utf8.count, bytesEach: 1, "joining strings")
            return .string(x + y)
        case (.array(let x), .array(let y)):
            if x.isEmpty { return b }
            if y.isEmpty { return a }
            try MemoryBudget.reserveValues(x.count &+ y.count, "joining arrays of \(x.count) and \(y.count) elements")
            return .array(x + y)
        default: return try elementwise("+", a, b)
        }
    }

    /// `a += b`: numbers as `add`; a String or an Array grows in place, so a loop of
    /// appends is amortized O(1) each, not a copy of everything so far (the value is taken
    /// out of its variable first, leaving it the only reference to its storage).
    @inline(__always)
    public static func addInPlace(_ a: inout Value, _ b: Value) throws {
        // Counters first: they are the common case.
        if case .int(let x) = a, case .int(let y) = b {
            let (sum, o) = x.addingReportingOverflow(y)
            if o { throw overflow("+") }
            a = .int(sum)
            return
        }
        // Not a switch over (a, b): the tuple would hold a second reference to a's storage.
        if case .string(let y) = b, case .string(var x) = a {
            let (old, added) = (x.utf8.count, y.utf8.count)
            // Storage grows by doubling, so only a length that passes a power of two can
            // allocate: the memory check (which reads the system's figures) runs there alone.
            let new = old &+ added
            if new < 0 || new.leadingZeroBitCount < old.leadingZeroBitCount {
                try MemoryBudget.reserve(new, bytesEach: 1, "joining strings")
            }
            a = .nil
            x += y
            a = .string(x)
        } else if case .array(let y) = b, case .array(var x) = a, !x.isEmpty {
            if x.capacity &- x.count < y.count {
                try MemoryBudget.reserveValues(x.count &+ y.count, "joining arrays of \(x.count) and \(y.count) elements")
            }
            a = .nil
            x += y
            a = .array(x)
        } else {
            a = try add(a, b)
        }
    }

    @inline(__always)
    public static func subtract(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw overflow("-") }
            return .int(r)
        case (.double(let x), .double(let y)): return .double(x - y)
        case (.int(let x), .double(let y)): return .double(Double(x) - y)
        case (.double(let x), .int(let y)): return .double(x - Double(y))
        default: return try elementwise("-", a, b)
        }
    }

    @inline(__always)
    public static func multiply(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw overflow("*") }
            return .int(r)
        case (.double(let x), .double(let y)): return .double(x * y)
        case (.int(let x), .double(let y)): return .double(Double(x) * y)
        case (.double(let x), .int(let y)): return .double(x * Double(y))
        case (.string(let s), .int(let n)), (.int(let n), .string(let s)):
            guard n >= 0 else { throw ScriptError(.value, "cannot repeat a string a negative number of times (\(n))") }
            try MemoryBudget.reserve(s.utf8.count, bytesEach: n, "a string repeated \(n) times")
            return .string(String(repeating: s, count: n))
        default: return try elementwise("*", a, b)
        }
    }

    public static func divide(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw ScriptError(.value, "division by zero", suggestion: "Int division by 0 is undefined; use Double(x) / 0 for inf") }
            let (r, o) = x.dividedReportingOverflow(by: y)
            if o { throw overflow("/") }
            return .int(r)
        case (.double(let x), .double(let y)): return .double(x / y)
        case (.int(let x), .double(let y)): return .double(Double(x) / y)
        case (.double(let x), .int(let y)): return .double(x / Double(y))
        default: return try elementwise("/", a, b)
        }
    }

    public static func remainder(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw ScriptError(.value, "division by zero in '%'") }
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if o { throw overflow("%") }
            return .int(r)
        default:
            if let x = a.asDouble, let y = b.asDouble { return .double(fmod(x, y)) }
            return try elementwise("%", a, b)
        }
    }

    public static func power(_ a: Value, _ b: Value) throws -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)) where y >= 0:
            var result = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 {
                    let (r, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    result = r
                }
                e >>= 1
                if e > 0 {
                    let (sq, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    base = sq
                }
            }
            return .int(result)
        default:
            if let x = a.asDouble, let y = b.asDouble { return .double(pow(x, y)) }
            return try elementwise("**", a, b)
        }
    }

    public static func matmul(_ a: Value, _ b: Value) throws -> Value {
        if case .object(let o) = a, let n = o as? NativeOperand, let r = try n.binary("@", a, b) { return r }
        if case .object(let o) = b, let n = o as? NativeOperand, let r = try n.binary("@", a, b) { return r }
        guard case .array(let x) = a, case .array(let y) = b else {
            throw ScriptError(.type, "'@' needs two matrices (Tensors or Arrays of Arrays), got \(a.typeName) and \(b.typeName)")
        }
        let m = try matrix(x, "left"), n = try matrix(y, "right")
        guard let inner = m.first?.count, inner == n.count else {
            throw ScriptError(.shape, "'@' needs the left operand's columns (\(m.first?.count ?? 0)) to equal the right operand's rows (\(n.count))")
        }
        let cols = n.first?.count ?? 0
        return .array(m.map { row in
            .array((0..<cols).map { j in
                var s = 0.0
                for k in 0..<inner { s += row[k] * n[k][j] }
                return .double(s)
            })
        })
    }

    private static func matrix(_ rows: [Value], _ side: String) throws -> [[Double]] {
        var out: [[Double]] = []
        for r in rows {
            guard case .array(let cells) = r else { throw ScriptError(.type, "the \(side) operand of '@' must be an Array of Arrays") }
            let nums = cells.compactMap(\.asDouble)
            guard nums.count == cells.count else { throw ScriptError(.type, "the \(side) operand of '@' must hold numbers") }
            if let w = out.first?.count, w != nums.count { throw ScriptError(.shape, "the \(side) operand of '@' has rows of different lengths") }
            out.append(nums)
        }
        return out
    }

    public static func negate(_ a: Value) throws -> Value {
        switch a {
        case .int(let x):
            let (r, o) = Int(0).subtractingReportingOverflow(x)
            if o { throw overflow("-") }
            return .int(r)
        case .double(let x): return .double(-x)
        case .object(let o):
            if let n = o as? NativeOperand, let r = try n.unary("-", a) { return r }
            fallthrough
        default: throw ScriptError(.type, "cannot negate a value of type \(a.typeName)")
        }
    }

    public static func not(_ a: Value) throws -> Value {
        guard case .bool(let b) = a else {
            throw ScriptError(.type, "'!' needs a Bool, got \(a.typeName)", suggestion: "compare explicitly, e.g. x == 0 or x == nil")
        }
        return .bool(!b)
    }

    static func range(_ a: Value, _ b: Value, closed: Bool) throws -> Value {
        guard case .int(let lo) = a, case .int(let hi) = b else {
            throw ScriptError(.type, "a range needs Int bounds, got \(a.typeName) and \(b.typeName)")
        }
        guard lo <= hi else {
            throw ScriptError(.value, "a range's lower bound (\(lo)) must not exceed its upper bound (\(hi))")
        }
        if closed && hi == Int.max { throw ScriptError(.value, "a closed range cannot end at Int.max") }
        if hi.subtractingReportingOverflow(lo).overflow || (closed && hi - lo == Int.max) {
            throw ScriptError(.value, "the range \(lo)\(closed ? "..." : "..<")\(hi) holds more values than an Int can count")
        }
        return .range(RangeValue(lower: lo, upper: hi, closed: closed))
    }

    /// Structural equality; Int and Double compare by value (`1 == 1.0`). Nested Arrays,
    /// Tuples and Dicts are walked with a stack on the heap, not by recursion, so a nest a
    /// million levels deep compares without exhausting the stack. The stack holds only the
    /// containers to come back to, each with a position, so comparing two Arrays copies none
    /// of their elements (a work list of element pairs took 48 bytes per element and 19x
    /// CPython's time).
    public static func equal(_ a: Value, _ b: Value) -> Bool {
        var (p, q): ([Value], [Value])
        switch EqualityPair(a, b) {
        case .different: return false
        case .same: return true
        case .elements(let x, let y): (p, q) = (x, y)
        }
        var i = 0
        var resume: [(p: [Value], q: [Value], next: Int)] = []
        while true {
            // A run of elements that hold no others compares in place; the walk leaves the
            // pair at the first container it finds, and comes back after it unless it was last.
            let stop = p.withUnsafeBufferPointer { ps in
                q.withUnsafeBufferPointer { qs in firstContainerOrDifference(ps, qs, from: i) }
            }
            guard stop != .different else { return false }
            guard let at = stop.container else {
                guard let back = resume.popLast() else { return true }
                (p, q, i) = back
                continue
            }
            switch EqualityPair(p[at], q[at]) {
            case .different: return false
            case .same: i = at + 1
            case .elements(let x, let y):
                if at + 1 < p.count { resume.append((p, q, at + 1)) }
                (p, q, i) = (x, y, 0)
            }
        }
    }

    /// Where comparing `p` and `q` (of equal length) from `start` on stops: at a difference,
    /// at the end, or at a container (whose elements the caller compares).
    private enum EqualityStop: Equatable {
        case different, end, container(Int)
        var container: Int? { if case .container(let i) = self { i } else { nil } }
    }

    private static func firstContainerOrDifference(_ p: UnsafeBufferPointer<Value>, _ q: UnsafeBufferPointer<Value>,
                                                   from start: Int) -> EqualityStop {
        var i = start
        while i < p.count {
            switch (p[i], q[i]) {
            // The common cases, decided here rather than through shallowEqual's switch.
            case (.int(let m), .int(let n)): if m != n { return .different }
            case (.double(let m), .double(let n)): if m != n { return .different }
            case (.array, _), (.tuple, _), (.dict, _): return .container(i)
            default: if !shallowEqual(p[i], q[i]) { return .different }
            }
            i += 1
        }
        return .end
    }

    /// Two values as `equal` meets them: different or the same already (another kind,
    /// another length, a key missing; two values that hold no others), or two sequences of
    /// equal length to compare element by element (a Dict's values, in its order, paired with
    /// the other's values for the same keys).
    private enum EqualityPair {
        case different, same, elements([Value], [Value])

        init(_ x: Value, _ y: Value) {
            switch (x, y) {
            case (.array(let p), .array(let q)), (.tuple(let p), .tuple(let q)):
                self = p.count != q.count ? .different : .elements(p, q)
            case (.dict(let p), .dict(let q)):
                guard p.count == q.count else { self = .different; return }
                var ps: [Value] = [], qs: [Value] = []
                ps.reserveCapacity(p.count); qs.reserveCapacity(p.count)
                for (k, v) in p.entries {
                    guard let key = DictKey(k), let w = q[key] else { self = .different; return }
                    ps.append(v); qs.append(w)
                }
                self = .elements(ps, qs)
            default:
                self = shallowEqual(x, y) ? .same : .different
            }
        }
    }

    /// Equality of values that are not containers (containers compare as unequal here).
    private static func shallowEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)): return Double(x) == y
        case (.double(let x), .int(let y)): return x == Double(y)
        case (.string(let x), .string(let y)): return x == y
        case (.symbol(let x), .symbol(let y)): return x == y
        case (.range(let x), .range(let y)): return x.lower == y.lower && x.upperExclusive == y.upperExclusive
        case (.function(let x), .function(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y || (x as? any NativeEquatable)?.isEqual(to: y) == true
        // A labelled tuple equals the same elements unlabelled, as in Swift.
        case (.object(let x as LabelledTuple), .tuple): return equal(.tuple(x.values), b)
        case (.tuple, .object(let y as LabelledTuple)): return equal(a, .tuple(y.values))
        default: return false
        }
    }

    /// Ordering for `<` and `sorted()`: numbers, strings, and tuples/arrays lexicographically.
    /// `< > <= >=`: a Bool, or what a native operand makes of it (a tensor's 0/1 mask).
    public static func ordered(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if case .object(let o) = a, let n = o as? NativeOperand, let r = try n.binary(op, a, b) { return r }
        if case .object(let o) = b, let n = o as? NativeOperand, let r = try n.binary(op, a, b) { return r }
        return .bool(try order(op, a, b))
    }

    /// `a op b` for `< > <= >=` by `less`, a TypeError naming the operands in the order
    /// written and the operator.
    static func order(_ op: String, _ a: Value, _ b: Value) throws -> Bool {
        do {
            switch op {
            case "<": return try less(a, b)
            case ">": return try less(b, a)
            case "<=": return try !less(b, a)
            default: return try !less(a, b)
            }
        } catch let e as ScriptError where e.kind == .type {
            throw comparisonError(e, op, a, b)
        }
    }

    /// The error of `a op b` where `less` failed: `a > b` is `less(b, a)` underneath, whose
    /// error said "cannot compare Int with Column using '<'" for `column > 2`. Two Arrays or
    /// two Tuples failed on a pair of their elements, which their error names.
    static func comparisonError(_ e: ScriptError, _ op: String, _ a: Value, _ b: Value) -> ScriptError {
        switch (a, b) {
        case (.array, .array), (.tuple, .tuple): return e
        default: return ScriptError(.type, "cannot compare \(a.typeName) with \(b.typeName) using '\(op)'", suggestion: advice(op, a, b))
        }
    }

    /// How deep in nested Arrays and Tuples `<` (and other recursive walks) will go.
    public static let deepestNesting = 10_000

    public static func less(_ a: Value, _ b: Value, depth: Int = 0) throws -> Bool {
        if depth > deepestNesting {
            throw ScriptError(.value, "cannot compare values nested more than \(deepestNesting) levels deep")
        }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.double(let x), .double(let y)): return x < y
        case (.int(let x), .double(let y)): return Double(x) < y
        case (.double(let x), .int(let y)): return x < Double(y)
        case (.string(let x), .string(let y)): return x < y
        case (.bool(let x), .bool(let y)): return !x && y
        case (.array(let x), .array(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) {
                if try less(p, q, depth: depth + 1) { return true }
                if try less(q, p, depth: depth + 1) { return false }
            }
            return x.count < y.count
        default:
            throw ScriptError(.type, "cannot compare \(a.typeName) with \(b.typeName) using '<'")
        }
    }

    /// The hook through which native objects (tensors) implement operators; for anything
    /// else, the TypeError that says what would work.
    private static func elementwise(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if case .object(let o) = a, let n = o as? NativeOperand, let r = try n.binary(op, a, b) { return r }
        if case .object(let o) = b, let n = o as? NativeOperand, let r = try n.binary(op, a, b) { return r }
        if op == "+", case .string = a {
            throw ScriptError(.type, "cannot add \(b.typeName) to a String", suggestion: "convert it first: \"...\" + String(x), or use interpolation \"\\(x)\"")
        }
        if case .array = a, case .array = b {
            throw ScriptError(.type, "unsupported operand types for '\(op)': Array and Array",
                              suggestion: "'+' joins Arrays; for element-wise arithmetic use tensors: tensor(xs) \(op) tensor(ys)")
        }
        if case .array = a, b.asDouble != nil {
            throw ScriptError(.type, "unsupported operand types for '\(op)': Array and \(b.typeName)",
                              suggestion: "for element-wise arithmetic use a tensor: tensor(xs) \(op) \(b), or xs.map { $0 \(op) \(b) }")
        }
        if case .array = b, a.asDouble != nil {
            throw ScriptError(.type, "unsupported operand types for '\(op)': \(a.typeName) and Array",
                              suggestion: "for element-wise arithmetic use a tensor: \(a) \(op) tensor(xs), or xs.map { \(a) \(op) $0 }")
        }
        throw ScriptError(.type, "unsupported operand types for '\(op)': \(a.typeName) and \(b.typeName)",
                          suggestion: advice(op, a, b))
    }

    /// What an object among the operands says to write instead of `a op b`.
    private static func advice(_ op: String, _ a: Value, _ b: Value) -> String? {
        if case .object(let o) = a, let said = o.operatorAdvice(op, b, objectFirst: true) { return said }
        if case .object(let o) = b { return o.operatorAdvice(op, a, objectFirst: false) }
        return nil
    }

    private static func overflow(_ op: String) -> ScriptError {
        ScriptError(.value, "integer overflow in '\(op)': the result does not fit in a 64-bit Int",
                    suggestion: "use Doubles for very large numbers, e.g. Double(x)")
    }
}

/// A native object that takes part in arithmetic (a Tensor): return nil to decline.
public protocol NativeOperand: NativeObject {
    func binary(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value?
    func unary(_ op: String, _ operand: Value) throws -> Value?
}
