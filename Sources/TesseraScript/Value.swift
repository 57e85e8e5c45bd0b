/// A Tessera value. Arrays, Dicts and Tuples are Swift value types, so assignment copies
/// (lazily, by copy-on-write) exactly as LANGUAGE.md requires.
public enum Value: @unchecked Sendable {
    case `nil`
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case dict(ScriptDict)
    case range(RangeValue)
    case tuple([Value])
    /// `.relu`: an implicit member, compared by name.
    case symbol(String)
    case function(any Callable)
    /// Tensors, Frames, Models, Studies, rich text: anything the prelude brings in.
    case object(any NativeObject)

    /// The type name users see in messages and `%vars`.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "Bool"
        case .int: return "Int"
        case .double: return "Double"
        case .string: return "String"
        case .array: return "Array"
        case .dict: return "Dict"
        case .range: return "Range"
        case .tuple: return "Tuple"
        case .symbol: return "Symbol"
        case .function: return "Function"
        case .object(let o): return o.typeName
        }
    }

    public var isNil: Bool { if case .nil = self { return true }; return false }

    /// `p.pointee = v`, without calling the outlined release of the old value when it holds
    /// no reference (nil, a Bool, an Int, a Double): the register machine's common store.
    @inline(__always)
    static func store(_ p: UnsafeMutablePointer<Value>, _ v: Value) {
        switch p.pointee {
        case .nil, .bool, .int, .double: p.initialize(to: v)
        default: p.pointee = v
        }
    }

    /// The number as a Double, for Int and Double values.
    public var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// An immutable integer range: `0..<10` or `1...5`.
public final class RangeValue: @unchecked Sendable {
    public let lower: Int
    /// Exclusive upper bound, whichever way the range was written.
    public let upperExclusive: Int
    public let closed: Bool

    public init(lower: Int, upper: Int, closed: Bool) {
        self.lower = lower
        self.closed = closed
        self.upperExclusive = closed ? upper + 1 : upper
    }

    public var count: Int { max(0, upperExclusive - lower) }
    public var upper: Int { closed ? upperExclusive - 1 : upperExclusive }

    /// At most `count` of this range's values starting at position `from` (both clamped
    /// to the range), as a half-open range.
    func slice(from: Int, count: Int) -> RangeValue {
        let start = lower + Swift.min(Swift.max(0, from), self.count)
        let length = Swift.min(Swift.max(0, count), upperExclusive - start)
        return RangeValue(lower: start, upper: start + length, closed: false)
    }
}

/// A value that can be a Dict key; Ints and whole Doubles are the same key, as `1 == 1.0`.
public enum DictKey: Hashable, Sendable {
    case `nil`
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case symbol(String)
    case tuple([DictKey])

    public init?(_ v: Value) {
        switch v {
        case .nil: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d):
            if d.rounded() == d, let i = Int(exactly: d) { self = .int(i) } else { self = .double(d) }
        case .string(let s): self = .string(s)
        case .symbol(let s): self = .symbol(s)
        case .tuple(let items):
            var keys: [DictKey] = []
            for item in items { guard let k = DictKey(item) else { return nil }; keys.append(k) }
            self = .tuple(keys)
        default: return nil
        }
    }
}

/// An insertion-ordered dictionary with copy-on-write storage, so that a Dict value is one
/// pointer wide and copies cost nothing until one side writes.
public struct ScriptDict: @unchecked Sendable {
    final class Storage {
        @exclusivity(unchecked) var keys: [Value] = []
        @exclusivity(unchecked) var values: [Value] = []
        @exclusivity(unchecked) var index: [DictKey: Int] = [:]
        func copy() -> Storage {
            let s = Storage()
            s.keys = keys; s.values = values; s.index = index
            return s
        }
    }
    private var storage = Storage()

    public init() {}

    public var count: Int { storage.keys.count }
    public var isEmpty: Bool { storage.keys.isEmpty }
    public var keys: [Value] { storage.keys }
    public var values: [Value] { storage.values }

    /// Pairs in insertion order.
    public var entries: Zip2Sequence<[Value], [Value]> { zip(storage.keys, storage.values) }

    public subscript(key: DictKey) -> Value? {
        guard let i = storage.index[key] else { return nil }
        return storage.values[i]
    }

    public subscript(string key: String) -> Value? { self[.string(key)] }

    /// The position of `key` in insertion order, nil when the Dict has not got it.
    @inline(__always)
    func position(of key: DictKey) -> Int? { storage.index[key] }

    /// The position of `key`, trying `hint` first for a String key: the position a lookup at
    /// the same place in the code found last. A site that reads one key of Dicts built alike
    /// (`body.x` over bodies made by one literal) then compares one key instead of hashing.
    @inline(__always)
    func position(of key: DictKey, hint: inout Int) -> Int? {
        if case .string(let name) = key, hint < storage.keys.count, case .string(let s) = storage.keys[hint], s == name {
            return hint
        }
        guard let i = storage.index[key] else { return nil }
        hint = i
        return i
    }

    /// The value at `key`, found by way of `hint` (see `position(of:hint:)`).
    @inline(__always)
    func value(at key: DictKey, hint: inout Int) -> Value? {
        guard let i = position(of: key, hint: &hint) else { return nil }
        return storage.values[i]
    }

    /// Changes the value at position `i` (from `position(of:)`) in place, the storage made
    /// unique first.
    @inline(__always)
    mutating func modifyValue<T>(at i: Int, _ body: (inout Value) throws -> T) rethrows -> T {
        unique()
        return try body(&storage.values[i])
    }

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Sets `key` to `value`, keeping the key's first insertion position.
    public mutating func set(_ key: Value, _ hashKey: DictKey, _ value: Value) {
        unique()
        if let i = storage.index[hashKey] {
            storage.values[i] = value
        } else {
            storage.index[hashKey] = storage.keys.count
            storage.keys.append(key)
            storage.values.append(value)
        }
    }

    /// Sets a String key (the common case in the prelude).
    public mutating func set(_ key: String, _ value: Value) {
        set(.string(key), .string(key), value)
    }

    /// Updates the value at `key` in place (the storage, not a copy, so an Array held in a
    /// Dict grows without being copied); a missing key starts as `nil`, and a value left
    /// `nil` removes the key, as `d[k] = nil` does in Swift.
    public mutating func modify(_ key: Value, _ hashKey: DictKey, _ body: (inout Value) throws -> Void) rethrows {
        unique()
        if let i = storage.index[hashKey] {
            try body(&storage.values[i])
            if storage.values[i].isNil { remove(hashKey) }
        } else {
            var v: Value = .nil
            try body(&v)
            if !v.isNil { set(key, hashKey, v) }
        }
    }

    @discardableResult
    public mutating func remove(_ hashKey: DictKey) -> Value? {
        guard let i = storage.index[hashKey] else { return nil }
        unique()
        let old = storage.values[i]
        storage.keys.remove(at: i)
        storage.values.remove(at: i)
        storage.index[hashKey] = nil
        for (k, j) in storage.index where j > i { storage.index[k] = j - 1 }
        return old
    }

    public mutating func removeAll() { storage = Storage() }
}

extension Value {
    /// Builds a Dict value from String keys, in order.
    public static func dict(_ pairs: KeyValuePairs<String, Value>) -> Value {
        var d = ScriptDict()
        for (k, v) in pairs { d.set(k, v) }
        return .dict(d)
    }
}

// MARK: In-place mutation
//
// A payload is moved out (leaving `nil`), changed, and put back, so its storage stays
// uniquely referenced and copy-on-write does not copy. Matching an inout value with
// `switch` would keep a copy of the payload alive for the whole case body, and then every
// `xs.append(x)` on an element would copy the element.
extension Value {
    /// Changes this value's Array in place; nil when it is not an Array.
    mutating func mutateArray<R>(_ body: (inout [Value]) throws -> R) rethrows -> R? {
        guard case .array(var xs) = self else { return nil }
        self = .nil
        defer { self = .array(xs) }
        return try body(&xs)
    }

    /// Changes this value's Tuple elements in place; nil when it is not a Tuple.
    mutating func mutateTuple<R>(_ body: (inout [Value]) throws -> R) rethrows -> R? {
        guard case .tuple(var xs) = self else { return nil }
        self = .nil
        defer { self = .tuple(xs) }
        return try body(&xs)
    }

    /// Changes this value's Dict in place; nil when it is not a Dict.
    mutating func mutateDict<R>(_ body: (inout ScriptDict) throws -> R) rethrows -> R? {
        guard case .dict(var d) = self else { return nil }
        self = .nil
        defer { self = .dict(d) }
        return try body(&d)
    }
}
