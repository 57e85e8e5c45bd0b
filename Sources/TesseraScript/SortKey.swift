/// The key a comparison closure compares, when it compares one: `{ $0.value > $1.value }`,
/// `{ a, b in a["score"] < b["score"] }`, `{ $0.1 <= $1.1 }`, or the elements themselves
/// (`sorted(by: >)`). Both sides read the same members and literal subscripts, one from each
/// argument, and one comparison decides.
///
/// Sorting by such a closure calls it about n log2 n times, and each call enters the
/// interpreter (a tenth of CPython's speed for `d.sorted { $0.value > $1.value }`, which
/// Python writes with a key function called n times). `sorted(by:)` reads each element's key
/// once instead, the way the closure reads it (`Members.get`, `Subscripts.get`), and sorts by
/// the same comparison of the same keys in the same algorithm: the same order. Reading a
/// member or a subscript runs no script code, so reading each key once is unobservable. A
/// key that cannot be read or compared sends the sort back to calling the closure, which
/// then raises the error as it would have, with its place. `min(by:)` and `max(by:)` read
/// the keys once in the same way.
struct SortKey {
    /// One step from an argument to its key.
    enum Step {
        case member(String)
        case subscripted(Value)
    }

    let steps: [Step]
    let comparison: BinaryOperator

    /// The key `decl` compares, if it is a closure of two parameters whose one expression
    /// compares the same path from each (in the parameters' order).
    init?(_ decl: FunctionDecl) {
        guard let parts = TwoParameterExpression(decl), let compare = parts.expression as? BinaryExpr,
              let op = BinaryOperator(compare.op), [.less, .lessEqual, .greater, .greaterEqual].contains(op),
              let left = Self.path(compare.lhs, from: parts.first), let right = Self.path(compare.rhs, from: parts.second),
              Self.same(left, right) else { return nil }
        steps = left
        comparison = op
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
        guard let keys = try keys(xs, interp) else { return nil }
        // Keys of one kind compare as their payloads do in `BinaryOperator.evaluate` and
        // `apply` (Swift's operators on Int, Double and String), without a Value per pair.
        let flag = interp.interrupt
        let order: [Int]?
        switch ArrayMethods.Payloads(keys) {
        case .ints(let ints)?: order = try Self.order(ints, comparison, flag)
        case .doubles(let doubles)?: order = try Self.order(doubles, comparison, flag)
        case .strings(let strings)?: order = try Self.order(strings, comparison, flag)
        case nil: order = try Self.order(keys, comparison, flag)
        }
        return order.map { $0.map { xs[$0] } }
    }

    /// What `min(by:)` (`max(by:)`) picks from `xs`, not empty, by the closure: the first
    /// element whose key no other's is ordered before (after). Nil where a key cannot be
    /// read or compared.
    func extreme(_ xs: [Value], max: Bool, _ interp: Interpreter) throws -> Value? {
        guard let keys = try keys(xs, interp) else { return nil }
        let best: Int?
        switch ArrayMethods.Payloads(keys) {
        case .ints(let ints)?: best = Self.extreme(ints, comparison.holds, max: max)
        case .doubles(let doubles)?: best = Self.extreme(doubles, comparison.holds, max: max)
        case .strings(let strings)?: best = Self.extreme(strings, comparison.holds, max: max)
        case nil:
            struct Incomparable: Error {}
            let comparison = self.comparison
            best = try? Self.extreme(keys, { a, b in
                guard case .bool(let holds) = try? comparison.evaluate(a, b) else { throw Incomparable() }
                return holds
            }, max: max)
        }
        return best.map { xs[$0] }
    }

    /// The position `ArrayMethods.extreme(_:by:max:_:)` would pick, comparing keys.
    private static func extreme<T>(_ keys: [T], _ holds: (T, T) throws -> Bool, max: Bool) rethrows -> Int {
        var best = 0
        for i in keys.indices.dropFirst() where try (max ? holds(keys[best], keys[i]) : holds(keys[i], keys[best])) {
            best = i
        }
        return best
    }

    /// Each element's key, read as the closure reads it; nil where one cannot be read.
    private func keys(_ xs: [Value], _ interp: Interpreter) throws -> [Value]? {
        let flag = interp.interrupt
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
        return keys
    }

    /// The positions of `keys` in the order `comparison` gives (StableSort's, as the closure
    /// would have been called).
    private static func order<T: Comparable>(_ keys: [T], _ comparison: BinaryOperator, _ flag: InterruptFlag) throws -> [Int] {
        let holds: (T, T) -> Bool = comparison.holds
        var comparisons = 0
        return try StableSort.sorted(Array(keys.indices)) { i, j in
            comparisons &+= 1
            if comparisons & 4095 == 0 { try flag.check() }
            return holds(keys[i], keys[j])
        }
    }

    /// The same for keys of mixed kinds, compared as the closure compares them; nil where
    /// two cannot be compared (or do not give a Bool).
    private static func order(_ keys: [Value], _ comparison: BinaryOperator, _ flag: InterruptFlag) throws -> [Int]? {
        struct Incomparable: Error {}
        do {
            return try StableSort.sorted(Array(keys.indices)) { i, j in
                try flag.check()
                guard case .bool(let b) = try? comparison.evaluate(keys[i], keys[j]) else { throw Incomparable() }
                return b
            }
        } catch is Incomparable {
            return nil
        }
    }
}

extension BinaryOperator {
    /// The comparison (`<`, `<=`, `>`, `>=`) as Swift's operator on `T`.
    func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        default: return a >= b
        }
    }
}
