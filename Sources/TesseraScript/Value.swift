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
    public var isFunction: Bool { if case .function = self { return true }; return false }

    /// `p.pointee = v`, without calling the outlined release of the old value when it holds
    /// no reference (nil, a Bool, an Int, a Double): the register machine's common store.
    @inline(__always)
    static func store(_ p: UnsafeMutablePointer<Value>, _ v: Value) {
        switch p.pointee {
        case .nil, .bool, .int, .double: p.initialize(to: v)
        default: p.pointee = v
        }
    }

    /// A copy of the value at `p`: a number, a Bool or nil copied as it is, anything else
    /// through the copy that retains its reference. (The register machine's reads: Swift
    /// copies any Value by a call that switches over every case.)
    @inline(__always)
    static func copy(_ p: UnsafePointer<Value>) -> Value {
        switch p.pointee {
        case .nil: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        default: return p.pointee
        }
    }

    /// The script function the Value at `p` holds, unretained, valid for as long as the
    /// Value holds it; nil for a native function or any other value. (Read where it is: a
    /// copy retained and released it around each `task.run(p)`.)
    @inline(__always)
    static func scriptFunction(at p: UnsafePointer<Value>) -> Unmanaged<ScriptFunction>? {
        guard case .function = p.pointee else { return nil }
        // A function Value's payload is a class-bound existential, the object first.
        let object = UnsafeRawPointer(p).load(as: Unmanaged<AnyObject>.self)
        assert({ if case .function(let f) = p.pointee { return f === object.takeUnretainedValue() }; return false }())
        guard object._withUnsafeGuaranteedRef({ type(of: $0) == ScriptFunction.self }) else { return nil }
        return Unmanaged<ScriptFunction>.fromOpaque(object.toOpaque())
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
