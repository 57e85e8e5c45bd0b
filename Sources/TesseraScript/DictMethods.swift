/// Members of Dicts: `count keys values isEmpty` and Swift's functional methods, which see
/// each entry as a `(key, value)` tuple. A String key that reads as an identifier is also
/// a member (`p.lr`), and takes precedence over these names.
enum DictMethods {
    static func dict(_ v: Value) -> ScriptDict { if case .dict(let d) = v { return d }; return ScriptDict() }

    static func pairs(_ v: Value) -> [Value] { dict(v).entries.map { .tuple([$0.0, $0.1]) } }

    static let table: MemberTable = {
        var t = MemberTable()
        t.properties["count"] = { v in .int(dict(v).count) }
        t.properties["isEmpty"] = { v in .bool(dict(v).isEmpty) }
        t.properties["keys"] = { v in .array(dict(v).keys) }
        t.properties["values"] = { v in .array(dict(v).values) }
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
        t.methods["contains"] = { v, args, _ in
            let k = try bind(args, "contains(_:)", [.positional()])[0]
            return .bool(DictKey(k).map { dict(v)[$0] != nil } ?? false)
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
}
