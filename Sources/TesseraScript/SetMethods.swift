/// Members of Sets, named as in Swift: `count isEmpty first contains insert remove union
/// intersection subtracting symmetricDifference isSubset(of:) isSuperset(of:)
/// isDisjoint(with:)`, their mutating forms (`formUnion` ...), and the Sequence methods
/// (`map sorted reduce ...`) over the elements in order. `filter` gives a Set, as Swift's.
enum SetMethods {
    static func set(_ v: Value) -> ScriptSet {
        if case .object(let o as ScriptSet) = v { return o }
        return ScriptSet()
    }

    /// The other Set of an operation (`a.union(b)`): a Set, or any sequence a Set is made from.
    static func operand(_ args: [ArgumentValue], _ signature: String, label: String? = nil, _ interp: Interpreter) throws -> ScriptSet {
        let v = try bind(args, signature, [label.map { .labelled($0, required: true) } ?? .positional()])[0]
        if case .object(let o as ScriptSet) = v { return o }
        return try ScriptSet.make(from: v, interp)
    }

    /// The elements of `a` that `keep` holds for, as a new Set (checking for an interrupt
    /// between stretches: Sets of millions take a while).
    static func kept(_ a: ScriptSet, _ flag: InterruptFlag, _ keep: (Value) throws -> Bool) throws -> ScriptSet {
        var out = ScriptDict()
        for (i, k) in a.items.keys.enumerated() {
            if i & (ArrayMethods.checkEvery - 1) == 0 { try flag.check() }
            if try keep(k) { out.set(k, DictKey(k)!, .nil) }
        }
        return ScriptSet(out)
    }

    /// Adds the elements of `b` that `into` has not.
    static func add(_ b: ScriptSet, into out: ScriptSet, _ flag: InterruptFlag) throws {
        for (i, k) in b.items.keys.enumerated() {
            if i & (ArrayMethods.checkEvery - 1) == 0 { try flag.check() }
            if !out.contains(k) { try out.insert(k) }
        }
    }

    static func union(_ a: ScriptSet, _ b: ScriptSet, _ flag: InterruptFlag) throws -> ScriptSet {
        let out = a.copy()
        try add(b, into: out, flag)
        return out
    }

    static func symmetricDifference(_ a: ScriptSet, _ b: ScriptSet, _ flag: InterruptFlag) throws -> ScriptSet {
        let out = try kept(a, flag) { !b.contains($0) }
        try add(try kept(b, flag) { !a.contains($0) }, into: out, flag)
        return out
    }

    static let table: MemberTable = {
        var t = MemberTable()
        t.properties["count"] = { v in .int(set(v).count) }
        t.properties["lazy"] = { v in v }   // as an Array's
        t.properties["isEmpty"] = { v in .bool(set(v).count == 0) }
        t.properties["first"] = { v in set(v).items.keys.first ?? .nil }

        // The Sequence methods, over the elements in order (map gives an Array, as Swift's).
        t.forward(["map", "compactMap", "flatMap", "forEach", "reduce", "allSatisfy", "sorted", "min", "max",
                   "first", "count", "enumerated", "shuffled", "randomElement", "joined", "sum"],
                  to: ArrayMethods.table, through: { .array(set($0).elements) })
        t.methods["contains"] = { v, args, interp in
            if ArrayMethods.givesTest(args) { return try ArrayMethods.table.methods["contains"]!(.array(set(v).elements), args, interp) }
            return .bool(set(v).contains(try bind(args, "contains(_:)", [.positional()])[0]))
        }
        t.methods["filter"] = { v, args, interp in
            let f = try ArrayMethods.closureArgument(try bind(args, "filter(_:)", [.positional()])[0], "filter")
            return .object(try kept(set(v), interp.interrupt) { x in
                try interp.interrupt.check()
                return try boolResult(try interp.call(f, x), "filter")
            })
        }

        t.methods["union"] = { v, args, interp in .object(try union(set(v), try operand(args, "union(_:)", interp), interp.interrupt)) }
        t.methods["intersection"] = { v, args, interp in
            let other = try operand(args, "intersection(_:)", interp)
            return .object(try kept(set(v), interp.interrupt) { other.contains($0) })
        }
        t.methods["subtracting"] = { v, args, interp in
            let other = try operand(args, "subtracting(_:)", interp)
            return .object(try kept(set(v), interp.interrupt) { !other.contains($0) })
        }
        t.methods["symmetricDifference"] = { v, args, interp in
            .object(try symmetricDifference(set(v), try operand(args, "symmetricDifference(_:)", interp), interp.interrupt))
        }
        t.methods["isSubset"] = { v, args, interp in
            let other = try operand(args, "isSubset(of:)", label: "of", interp)
            return .bool(set(v).items.keys.allSatisfy(other.contains))
        }
        t.methods["isStrictSubset"] = { v, args, interp in
            let (a, other) = (set(v), try operand(args, "isStrictSubset(of:)", label: "of", interp))
            return .bool(a.count < other.count && a.items.keys.allSatisfy(other.contains))
        }
        t.methods["isSuperset"] = { v, args, interp in
            let (a, other) = (set(v), try operand(args, "isSuperset(of:)", label: "of", interp))
            return .bool(other.items.keys.allSatisfy(a.contains))
        }
        t.methods["isStrictSuperset"] = { v, args, interp in
            let (a, other) = (set(v), try operand(args, "isStrictSuperset(of:)", label: "of", interp))
            return .bool(a.count > other.count && other.items.keys.allSatisfy(a.contains))
        }
        t.methods["isDisjoint"] = { v, args, interp in
            let (a, other) = (set(v), try operand(args, "isDisjoint(with:)", label: "with", interp))
            return .bool(!a.items.keys.contains(where: other.contains))
        }

        // Mutating methods change the variable's Set in place (Value.mutateSet).
        @Sendable func mutate(_ v: inout Value, _ name: String, _ body: (ScriptSet) throws -> Value) throws -> Value {
            guard let result = try v.mutateSet(body) else { throw ScriptError(.type, "\(name) needs a Set, got \(v.typeName)") }
            return result
        }
        // `insert` gives Swift's (inserted:memberAfterInsert:) pair, the member the element
        // the Set holds for x (1.0 for 1): `if seen.insert(x).inserted { ... }`.
        t.mutating["insert"] = { v, args, _ in
            let x = try bind(args, "insert(_:)", [.positional()])[0]
            return try mutate(&v, "insert") { set in
                let inserted = try set.insert(x)
                return .object(LabelledTuple(labels: ["inserted", "memberAfterInsert"], values: [.bool(inserted), inserted ? x : set.member(equalTo: x)]))
            }
        }
        t.mutating["remove"] = { v, args, _ in
            let x = try bind(args, "remove(_:)", [.positional()])[0]
            return try mutate(&v, "remove") { $0.remove(x) ?? .nil }
        }
        t.mutating["removeAll"] = { v, args, _ in
            _ = try bind(args, "removeAll()", [])
            return try mutate(&v, "removeAll") { $0.items.removeAll(); return .nil }
        }
        t.mutating["formUnion"] = { v, args, interp in
            let other = try operand(args, "formUnion(_:)", interp)
            return try mutate(&v, "formUnion") { s in try add(other, into: s, interp.interrupt); return .nil }
        }
        t.mutating["formIntersection"] = { v, args, interp in
            let other = try operand(args, "formIntersection(_:)", interp)
            return try mutate(&v, "formIntersection") { s in s.items = try kept(s, interp.interrupt) { other.contains($0) }.items; return .nil }
        }
        t.mutating["subtract"] = { v, args, interp in
            let other = try operand(args, "subtract(_:)", interp)
            return try mutate(&v, "subtract") { s in
                for k in other.items.keys { _ = s.remove(k) }
                return .nil
            }
        }
        t.mutating["formSymmetricDifference"] = { v, args, interp in
            let other = try operand(args, "formSymmetricDifference(_:)", interp)
            return try mutate(&v, "formSymmetricDifference") { s in s.items = try symmetricDifference(s, other, interp.interrupt).items; return .nil }
        }
        return t
    }()
}
