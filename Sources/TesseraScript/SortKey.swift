/// The keys a comparison closure compares, when it compares keys: `{ $0.value > $1.value }`,
/// `{ a, b in a["score"] < b["score"] }`, the elements themselves (`sorted(by: >)`), or
/// several keys in turn: `{ $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }`,
/// `{ $0.rank != $1.rank ? $0.rank < $1.rank : $0.name < $1.name }`. The closure's one
/// expression combines, with `&&`, `||`, `!` and `? :`, comparisons of one path of members
/// and literal subscripts read from each argument.
///
/// Sorting by such a closure calls it about n log2 n times, and each call enters the
/// interpreter (a tenth of CPython's speed for `d.sorted { $0.value > $1.value }`, which
/// Python writes with a key function called n times). `sorted(by:)` reads each element's keys
/// once instead, the way the closure reads them (`Members.get`, `Subscripts.get`), and sorts
/// by the closure's own expression over them in the same algorithm: the same order. Reading a
/// member or a subscript runs no script code, so reading each key once is unobservable. A
/// key that cannot be read or compared sends the sort back to calling the closure, which
/// then raises the error as it would have, with its place. `min(by:)` and `max(by:)` read
/// the keys once in the same way.
struct SortKey {
    /// One step from an argument to a key.
    enum Step {
        case member(String)
        case subscripted(Value)
    }

    /// What the closure computes from the keys of its two arguments.
    indirect enum Formula {
        /// Key `key` of the first argument `op` the same key of the second (of the second
        /// `op` the first's, where `swapped`).
        case compare(key: Int, BinaryOperator, swapped: Bool)
        case and(Formula, Formula)
        case or(Formula, Formula)
        case not(Formula)
        case choose(Formula, then: Formula, else: Formula)
    }

    /// The paths from an argument to each key, read from both arguments.
    let paths: [[Step]]
    let formula: Formula

    /// The keys `decl` compares, if it is a closure of two parameters whose one expression
    /// is such a formula.
    init?(_ decl: FunctionDecl) {
        guard let parts = TwoParameterExpression(decl) else { return nil }
        var paths: [[Step]] = []
        guard let formula = Self.formula(parts.expression, parts, &paths) else { return nil }
        self.paths = paths
        self.formula = formula
    }

    private static func formula(_ e: Expr, _ parts: TwoParameterExpression, _ paths: inout [[Step]]) -> Formula? {
        switch e {
        case let b as BinaryExpr:
            guard let op = BinaryOperator(b.op), [.less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual].contains(op) else { return nil }
            for swapped in [false, true] {
                let (left, right) = swapped ? (parts.second, parts.first) : (parts.first, parts.second)
                guard let l = path(b.lhs, from: left), let r = path(b.rhs, from: right), same(l, r) else { continue }
                let key = paths.firstIndex { same($0, l) } ?? paths.count
                if key == paths.count { paths.append(l) }
                return .compare(key: key, op, swapped: swapped)
            }
            return nil
        case let l as LogicalExpr where l.op == "&&" || l.op == "||":
            guard let a = formula(l.lhs, parts, &paths), let b = formula(l.rhs, parts, &paths) else { return nil }
            return l.op == "&&" ? .and(a, b) : .or(a, b)
        case let u as UnaryExpr where u.op == "!":
            return formula(u.operand, parts, &paths).map(Formula.not)
        case let t as TernaryExpr:
            guard let c = formula(t.condition, parts, &paths), let a = formula(t.then, parts, &paths),
                  let b = formula(t.otherwise, parts, &paths) else { return nil }
            return .choose(c, then: a, else: b)
        default:
            return nil
        }
    }

    /// The steps from the parameter `name` to `e`, when `e` is a chain of members and
    /// literal subscripts on it alone.
    private static func path(_ e: Expr, from name: String) -> [Step]? {
        switch e {
        case let id as IdentifierExpr:
            return TwoParameterExpression.isParameter(id, name) ? [] : nil
        case let m as MemberExpr where !m.optional:
            return path(m.object, from: name).map { $0 + [.member(m.name)] }
        case let s as SubscriptExpr where !s.optional && s.defaultValue == nil:
            guard let literal = s.index as? LiteralExpr else { return nil }
            switch literal.value {
            case .int, .string: return path(s.object, from: name).map { $0 + [.subscripted(literal.value)] }
            default: return nil
            }
        default:
            return nil
        }
    }

    private static func same(_ a: [Step], _ b: [Step]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (.member(let p), .member(let q)): return p == q
            case (.subscripted(let p), .subscripted(let q)): return Operators.equal(p, q) && p.typeName == q.typeName
            default: return false
            }
        }
    }

    /// `xs` in the order the closure gives, read by key; nil where a key cannot be read or
    /// compared (the caller then calls the closure).
    func sorted(_ xs: [Value], _ interp: Interpreter) throws -> [Value]? {
        guard let columns = try columns(xs, interp) else { return nil }
        let flag = interp.interrupt
        let order: [Int]
        do {
            var comparisons = 0
            if case .compare(0, let op, false) = formula, columns.count == 1, let single = try Self.order(columns[0], op, flag) {
                order = single
            } else {
                order = try StableSort.sorted(Array(xs.indices)) { i, j in
                    comparisons &+= 1
                    if comparisons & 4095 == 0 { try flag.check() }
                    return try Self.holds(formula, columns, i, j)
                }
            }
        } catch is Incomparable {
            return nil
        }
        return order.map { xs[$0] }
    }

    /// What `min(by:)` (`max(by:)`) picks from `xs`, not empty, by the closure: the first
    /// element no other is ordered before (after), as `ArrayMethods.extreme(_:by:max:_:)`
    /// picks. Nil where a key cannot be read or compared.
    func extreme(_ xs: [Value], max: Bool, _ interp: Interpreter) throws -> Value? {
        guard let columns = try columns(xs, interp) else { return nil }
        var best = 0
        do {
            for i in xs.indices.dropFirst() where try (max ? Self.holds(formula, columns, best, i) : Self.holds(formula, columns, i, best)) {
                best = i
            }
        } catch is Incomparable {
            return nil
        }
        return xs[best]
    }

    /// One key of every element: their payloads when all are Ints, all Doubles or all
    /// Strings, which compare as `BinaryOperator.evaluate` compares them (Swift's operators)
    /// without a Value per pair.
    enum Column {
        case ints([Int]), doubles([Double]), strings([String]), values([Value])


    init(_ keys: [Value]) {
        switch ArrayMethods.Payloads(keys) {
        case .ints(let ints)?: self = .ints(ints)
        case .doubles(let doubles)?: self = .doubles(doubles)
        case .strings(let strings)?: self = .strings(strings)
        case nil: self = .values(keys)
        }
    }
    }

    /// A comparison of two keys that the closure would have raised an error for.
    struct Incomparable: Error {}

    /// Whether the formula holds with element `i` as the first argument and `j` as the second.
    private static func holds(_ f: Formula, _ columns: [Column], _ i: Int, _ j: Int) throws -> Bool {
        switch f {
        case .compare(let key, let op, let swapped):
            let (a, b) = swapped ? (j, i) : (i, j)
            switch columns[key] {
            case .ints(let c): return op.compare(c[a], c[b]).unsafelyUnwrapped
            case .doubles(let c): return op.compare(c[a], c[b]).unsafelyUnwrapped
            case .strings(let c): return op.compare(c[a], c[b]).unsafelyUnwrapped
            case .values(let c):
                guard case .bool(let r) = try? op.evaluate(c[a], c[b]) else { throw Incomparable() }
                return r
            }
        case .and(let p, let q): return try holds(p, columns, i, j) && holds(q, columns, i, j)
        case .or(let p, let q): return try holds(p, columns, i, j) || holds(q, columns, i, j)
        case .not(let p): return try !holds(p, columns, i, j)
        case .choose(let c, let p, let q): return try holds(c, columns, i, j) ? holds(p, columns, i, j) : holds(q, columns, i, j)
        }
    }

    /// Each key of every element, read as the closure reads it; nil where one cannot be read.
    private func columns(_ xs: [Value], _ interp: Interpreter) throws -> [Column]? {
        let flag = interp.interrupt
        var columns: [Column] = []
        for steps in paths {
            var keys: [Value] = []
            keys.reserveCapacity(xs.count)
            do {
                for (i, x) in xs.enumerated() {
                    if i & 4095 == 0 { try flag.check() }
                    var v = x
                    for step in steps {
                        switch step {
                        case .member(let name): v = try Members.get(v, name, interp)
                        case .subscripted(let index): v = try Subscripts.get(v, index, interp)
                        }
                    }
                    keys.append(v)
                }
            } catch let e as ScriptError where e.kind != .interrupted {
                return nil
            }
            columns.append(Column(keys))
        }
        return columns
    }

    /// The positions of one column in the order `op` gives (StableSort's, as the closure
    /// would have been called), without the formula's walk; nil for a column of Values.
    private static func order(_ column: Column, _ op: BinaryOperator, _ flag: InterruptFlag) throws -> [Int]? {
        func by<T: Comparable>(_ keys: [T]) throws -> [Int] {
            var comparisons = 0
            return try StableSort.sorted(Array(keys.indices)) { i, j in
                comparisons &+= 1
                if comparisons & 4095 == 0 { try flag.check() }
                return op.compare(keys[i], keys[j]).unsafelyUnwrapped
            }
        }
        switch column {
        case .ints(let keys): return try by(keys)
        case .doubles(let keys): return try by(keys)
        case .strings(let keys): return try by(keys)
        case .values: return nil
        }
    }

    /// `sorted()` of Tuples, or of Arrays, all of one length whose parts are, place by place,
    /// all Ints, all Doubles or all Strings: the order `Operators.less` gives them (the first
    /// place where one is less than the other decides), compared as columns of payloads
    /// rather than Value by Value, in the same sort. Nil for anything else.
    static func sortedLexicographically(_ xs: [Value], _ flag: InterruptFlag) throws -> [Value]? {
        func parts(_ v: Value) -> [Value]? {
            switch v {
            case .tuple(let p), .array(let p): return p
            default: return nil
            }
        }
        guard let first = xs.first.flatMap(parts), !first.isEmpty, first.count <= 16 else { return nil }
        var places = [[Value]](repeating: [], count: first.count)
        for k in places.indices { places[k].reserveCapacity(xs.count) }
        for x in xs {
            guard let p = parts(x), p.count == first.count, x.typeName == xs[0].typeName else { return nil }
            for k in p.indices { places[k].append(p[k]) }
        }
        let columns = places.map(Column.init)
        if columns.contains(where: { if case .values = $0 { true } else { false } }) { return nil }
        func less(_ i: Int, _ j: Int) -> Bool {
            for column in columns {
                switch column {
                case .ints(let c): if c[i] < c[j] { return true } else if c[j] < c[i] { return false }
                case .doubles(let c): if c[i] < c[j] { return true } else if c[j] < c[i] { return false }
                case .strings(let c): if c[i] < c[j] { return true } else if c[j] < c[i] { return false }
                case .values: return false
                }
            }
            return false
        }
        var comparisons = 0
        let order = try Array(xs.indices).sorted { i, j in
            comparisons &+= 1
            if comparisons & 4095 == 0 { try flag.check() }
            return less(i, j)
        }
        return order.map { xs[$0] }
    }
}
