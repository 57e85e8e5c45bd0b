/// Members of Dicts: `count keys values isEmpty` and Swift's functional methods, which see
/// each entry as a `(key, value)` tuple. A String key that reads as an identifier is also
/// a member (`p.lr`), and takes precedence over these names.
enum DictMethods {
    static func dict(_ v: Value) -> ScriptDict { if case .dict(let d) = v { return d }; return ScriptDict() }

    static func pairs(_ v: Value) -> [Value] { dict(v).entries.map { .tuple([$0.0, $0.1]) } }

    static let table: MemberTable = {
        var t = MemberTable()
        t.properties["count"] = { v in .int(dict(v).count) }
        t.properties["lazy"] = { v in v }   // as an Array's
        t.properties["isEmpty"] = { v in .bool(dict(v).isEmpty) }
        t.properties["keys"] = { v in .array(dict(v).keys) }
        t.properties["values"] = { v in .array(dict(v).values) }
        t.properties["first"] = { v in let d = dict(v); return d.isEmpty ? .nil : .tuple([d.keys[0], d.values[0]]) }
        t.methods["map"] = { v, args, interp in
            let f = try ArrayMethods.closureArgument(try bind(args, "map(_:)", [.positional()])[0], "map")
            return .array(try pairs(v).map { try interp.call(f, $0) })
        }
        t.methods["filter"] = { v, args, interp in
            let f = try ArrayMethods.closureArgument(try bind(args, "filter(_:)", [.positional()])[0], "filter")
            var out = ScriptDict()
            for (k, x) in dict(v).entries where try boolResult(try interp.call(f, .tuple([k, x])), "filter") {
                out.set(k, DictKey(k)!, x)
            }
            return .dict(out)
        }
        t.methods["mapValues"] = { v, args, interp in
            let f = try ArrayMethods.closureArgument(try bind(args, "mapValues(_:)", [.positional()])[0], "mapValues")
            var out = ScriptDict()
            for (k, x) in dict(v).entries { out.set(k, DictKey(k)!, try interp.call(f, x)) }
            return .dict(out)
        }
        t.methods["sorted"] = { v, args, interp in
            .array(try ArrayMethods.sortedValues(pairs(v), try ArrayMethods.ordering(args, "sorted"), interp))
        }
        // Over the (key, value) pairs, as Swift's: `scores.max { $0.value < $1.value }?.key`.
        t.methods["min"] = { v, args, interp in
            try ArrayMethods.extreme(pairs(v), by: try ArrayMethods.ordering(args, "min"), max: false, interp)
        }
        t.methods["max"] = { v, args, interp in
            try ArrayMethods.extreme(pairs(v), by: try ArrayMethods.ordering(args, "max"), max: true, interp)
        }
        t.methods["first"] = { v, args, interp in try ArrayMethods.first(in: .array(pairs(v)), args, interp) }
        // Swift's `contains(where:)` sees the pairs; a plain value is looked up as a key.
        t.methods["contains"] = { v, args, interp in
            if ArrayMethods.givesTest(args) {
                return try ArrayMethods.table.methods["contains"]!(.array(pairs(v)), args, interp)
            }
            let k = try bind(args, "contains(_:)", [.positional()])[0]
            return .bool(DictKey(k).map { dict(v)[$0] != nil } ?? false)
        }
        // The rest of Swift's Sequence methods, over the pairs, as the Array's answer them:
        // `d.reduce(0) { $0 + $1.value }`, `d.forEach { print($0.key) }`.
        t.forward(["forEach", "reduce", "allSatisfy", "compactMap", "flatMap", "enumerated", "reversed",
                   "prefix", "suffix", "dropFirst", "dropLast"], to: ArrayMethods.table) { .array(pairs($0)) }
        t.methods["compactMapValues"] = { v, args, interp in
            let f = try ArrayMethods.closureArgument(try bind(args, "compactMapValues(_:)", [.positional()])[0], "compactMapValues")
            var out = ScriptDict()
            for (k, x) in dict(v).entries {
                let y = try interp.call(f, x)
                if !y.isNil { out.set(k, DictKey(k)!, y) }
            }
            return .dict(out)
        }
        t.methods["merging"] = { v, args, interp in
            var copy = dict(v)
            store(try merged(copy, args, "merging", interp), into: &copy)
            return .dict(copy)
        }
        t.mutating["merge"] = { v, args, interp in
            // The new values first, while the variable still holds the Dict (the closure may
            // read it); then stored, the Dict taken out so it changes in place.
            let changes = try merged(dict(v), args, "merge", interp)
            var d = dict(v)
            v = .nil
            defer { v = .dict(d) }
            store(changes, into: &d)
            return .nil
        }
        t.mutating["updateValue"] = { v, args, _ in
            let a = try bind(args, "updateValue(_:forKey:)", [.positional(), .labelled("forKey", required: true)])
            let key = try hashKey(a[1], "updateValue(_:forKey:)")
            return v.mutateDict { d in
                let old = d[key] ?? .nil
                d.set(a[1], key, a[0])
                return old
            } ?? .nil
        }
        t.mutating["removeValue"] = { v, args, _ in
            let k = try bind(args, "removeValue(forKey:)", [.labelled("forKey", required: true)])[0]
            guard let key = DictKey(k) else { return .nil }
            return v.mutateDict { $0.remove(key) ?? .nil } ?? .nil
        }
        t.mutating["removeAll"] = { v, args, _ in
            _ = try bind(args, "removeAll()", [])
            v = .dict(ScriptDict())
            return .nil
        }
        return t
    }()

    /// What Swift's `merge(_:uniquingKeysWith:)` stores into `d`: `other` is a Dict or an
    /// Array of (key, value) pairs; where a key is in both, `combine(current, new)` gives the
    /// value kept. Computed whole before anything is stored, so an error (a key that cannot be
    /// one, a closure that throws) leaves the Dict as it was.
    private static func merged(_ d: ScriptDict, _ args: [ArgumentValue], _ method: String, _ interp: Interpreter) throws -> ScriptDict {
        let signature = "\(method)(_:uniquingKeysWith:)"
        let a = try bind(args, signature, [.positional(), .labelled("uniquingKeysWith", required: true)])
        let combine = try ArrayMethods.closureArgument(a[1], signature)
        let entries: [(Value, Value)]
        switch a[0] {
        case .dict(let other): entries = other.entries.map { ($0.0, $0.1) }
        case .array(let xs):
            entries = try xs.map { x in
                guard case .tuple(let kv) = x, kv.count == 2 else {
                    throw ScriptError(.type, "\(signature) takes a Dict or an Array of (key, value) pairs, got an element of type \(x.typeName)")
                }
                return (kv[0], kv[1])
            }
        default:
            throw ScriptError(.type, "\(signature) takes a Dict or an Array of (key, value) pairs, got \(a[0].typeName)")
        }
        var changes = ScriptDict()
        for (k, x) in entries {
            let key = try hashKey(k, signature)
            if let current = changes[key] ?? d[key] {
                changes.set(k, key, try interp.call(combine, current, x))
            } else {
                changes.set(k, key, x)
            }
        }
        return changes
    }

    /// Every entry of `changes` set in `d`.
    private static func store(_ changes: ScriptDict, into d: inout ScriptDict) {
        for (k, x) in changes.entries { d.set(k, DictKey(k)!, x) }
    }

    /// A key's hash form, or a TypeError naming the unhashable value.
    private static func hashKey(_ k: Value, _ signature: String) throws -> DictKey {
        guard let key = DictKey(k) else {
            throw ScriptError(.type, "\(k.typeName.withArticle) cannot be a Dict key (in \(signature))")
        }
        return key
    }
}
