/// A Set, as Swift's: unique elements (anything a Dict key can be), tested for membership
/// in constant time. It keeps its elements in the order they were first inserted, so it
/// prints and iterates the same way every run (Swift's order is arbitrary).
///
/// A Set has value semantics, as Arrays and Dicts do: `var t = s; t.insert(1)` leaves `s`
/// as it was. A mutating method on a variable changes the Set in place while the variable
/// is its only holder, and a copy otherwise (`Value.mutateSet`).
public final class ScriptSet: NativeSequence, NativeEquatable, TabledObject {
    /// The elements, as the keys of a Dict whose values are nil. (Unchecked: the checks of
    /// exclusive access were a third of building a Set of Ints, and a Set changes only in
    /// its own methods, which call no script code while they change it.)
    @exclusivity(unchecked) var items: ScriptDict

    init(_ items: ScriptDict = ScriptDict()) { self.items = items }

    /// The Set of the elements of `v`: an Array, a Range, a String (its Characters), a Set
    /// or a Dict (its keys, as Swift's `Set(d.keys)`).
    static func make(from v: Value, _ interp: Interpreter) throws -> ScriptSet {
        let set = ScriptSet()
        try set.insert(contentsOf: v, interp)
        return set
    }

    public var typeName: String { "Set" }
    public var count: Int { items.count }
    public var elements: [Value] { items.keys }

    public var plainText: String { "[" + items.keys.map(\.debugDescription).joined(separator: ", ") + "]" }

    public func elements(checking interrupt: InterruptFlag) throws -> [Value] { items.keys }

    public func isEqual(to other: any NativeObject) -> Bool {
        guard let other = other as? ScriptSet, other.count == count else { return false }
        return items.keys.allSatisfy { other.contains($0) }
    }

    static var memberTable: MemberTable { SetMethods.table }

    /// Python's and JavaScript's names for a Set's members, and Swift's.
    public func memberAlias(_ name: String) -> String? {
        [
            "add": "insert", "append": "insert", "push": "insert", "discard": "remove", "delete": "remove",
            "update": "formUnion", "extend": "formUnion", "has": "contains", "includes": "contains",
            "length": "count", "size": "count", "len": "count", "difference": "subtracting",
            "issubset": "isSubset", "issuperset": "isSuperset", "isdisjoint": "isDisjoint", "clear": "removeAll",
        ][name]
    }

    func copy() -> ScriptSet { ScriptSet(items) }

    func contains(_ v: Value) -> Bool {
        guard let key = DictKey(v) else { return false }
        return items[key] != nil
    }

    /// The element equal to `v` the Set holds (`1.0` for `1`), or `v` when it holds none.
    func member(equalTo v: Value) -> Value {
        var hint = 0
        guard let key = DictKey(v), let i = items.position(of: key, hint: &hint) else { return v }
        return items.keys[i]
    }

    /// Adds `v`; false when it was there already.
    @discardableResult
    func insert(_ v: Value) throws -> Bool {
        try insert(v, try Self.key(v))
    }

    /// Adds `v`, whose key is `key`; false when it was there already.
    private func insert(_ v: Value, _ key: DictKey) throws -> Bool {
        // One lookup, unless the Set must grow past what is checked against memory: then an
        // element it has is not a reason to check.
        if items.count < items.capacity || items.count < ArrayMethods.growthCheckedFrom {
            return items.insertNew(v, key, .nil)
        }
        guard items[key] == nil else { return false }
        try ArrayMethods.checkGrowth(items.count, items.capacity, bytesEach: ScriptDict.bytesPerEntry, "a Set")
        items.set(v, key, .nil)
        return true
    }

    /// Adds each element of `v` (see `make(from:)`), checking for an interrupt between stretches.
    func insert(contentsOf v: Value, _ interp: Interpreter) throws {
        switch v {
        case .dict(let d):
            for k in d.keys { try insert(k) }
        case .string(let s):
            for c in s { try insert(.string(String(c))) }
        case .object(let o as ScriptSet):
            for k in o.items.keys { try insert(k) }
        case .array, .range:
            // A Range's elements are checked against memory before they are made (each is a
            // key, a nil value, a hash and a slot of the table).
            if case .range(let r) = v {
                try MemoryBudget.reserve(r.count, bytesEach: 2 * MemoryLayout<Value>.stride + 16, "a Set of the \(r.count) elements of \(v)")
            }
            if case .array(let xs) = v { return try insert(all: xs, interp.interrupt) }
            try ArrayMethods.each(v, interp) { try insert($0); return true }
        default:
            throw ScriptError(.type, "a Set is made from an Array, a Range, a String, a Dict's keys or another Set, got \(v.typeName)")
        }
    }

    /// Adds each element of `xs`, a stretch at a time: the stretch's keys are made and the
    /// table's slots for them read first, so that their cache misses (one an element, in a
    /// Set past the cache) overlap instead of following each other. (Set(xs) of 10^6 Ints
    /// spent half its time waiting on them, one after another.)
    private func insert(all xs: [Value], _ flag: InterruptFlag) throws {
        let stretch = 16
        var keys: [DictKey] = []
        keys.reserveCapacity(stretch)
        var i = 0
        while i < xs.count {
            if i & (ArrayMethods.checkEvery - 1) == 0 { try flag.check() }
            keys.removeAll(keepingCapacity: true)
            // (An element that cannot be a key ends the stretch: it is inserted alone, and raises.)
            while i < xs.count, keys.count < stretch, let key = DictKey(xs[i]) {
                keys.append(key)
                i += 1
            }
            items.readAhead(keys)
            for key in keys { try insert(key.value, key) }
            if keys.count < stretch, i < xs.count {
                try insert(xs[i])
                i += 1
            }
        }
    }

    func remove(_ v: Value) -> Value? {
        guard let key = DictKey(v), items[key] != nil else { return nil }
        _ = items.remove(key)
        return v
    }

    /// The key of an element, or the TypeError for a value that cannot be one.
    static func key(_ v: Value) throws -> DictKey {
        guard let key = DictKey(v) else {
            throw ScriptError(.type, "\(v.typeName.withArticle) cannot be an element of a Set",
                              suggestion: "a Set holds what a Dict key can be: numbers, Strings, Bools, symbols and tuples of them")
        }
        return key
    }
}

extension Value {
    /// Changes this value's Set in place (a copy first where another value holds it too);
    /// nil when it is not a Set.
    mutating func mutateSet<R>(_ body: (ScriptSet) throws -> R) rethrows -> R? {
        guard case .object(var o) = self, o is ScriptSet else { return nil }
        // The value lets go first, so `o` is the only reference where no other variable holds it.
        self = .nil
        if !isKnownUniquelyReferenced(&o) { o = unsafeDowncast(o, to: ScriptSet.self).copy() }
        defer { self = .object(o) }
        return try body(unsafeDowncast(o, to: ScriptSet.self))
    }
}
