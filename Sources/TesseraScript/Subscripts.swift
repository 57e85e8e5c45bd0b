/// `container[index]` for reading and for in-place writing.
public enum Subscripts {
    /// `x.suffix(from: n)`, and `x[n...]` on a value that is not a name: what the range
    /// `n..<x.count` subscripts, its errors included (`n` past the end is a ValueError, as
    /// Swift refuses the range), for a value computed once.
    static func suffix(_ container: Value, from n: Value, _ interp: Interpreter) throws -> Value {
        try get(container, try Operators.range(n, try Members.get(container, "count", interp), closed: false), interp)
    }

    public static func get(_ container: Value, _ index: Value, _ interp: Interpreter) throws -> Value {
        switch container {
        case .array(let xs):
            return try slice(xs, index, typeName: "Array", wrap: Value.array)
        case .tuple(let xs):
            return try slice(xs, index, typeName: "Tuple", wrap: Value.tuple)
        case .string(let s):
            return try character(s, index)
        case .range(let r):
            // Index the range arithmetically rather than building its elements.
            switch index {
            case .int(let i):
                return .int(r.lower + (try position(i, count: r.count, typeName: "Range")))
            case .range(let sub):
                guard sub.lower >= 0, sub.upperExclusive <= r.count else {
                    throw ScriptError(.index, "range \(Value.range(sub)) is out of bounds for a Range of \(r.count) elements")
                }
                return .range(RangeValue(lower: r.lower + sub.lower, upper: r.lower + sub.upperExclusive, closed: false))
            default:
                throw ScriptError(.type, "a Range index must be an Int or a Range, got \(index.typeName)")
            }
        case .dict(let d):
            guard let key = DictKey(index) else {
                throw ScriptError(.type, "\(index.typeName.withArticle) cannot be a Dict key")
            }
            return d[key] ?? .nil
        case .object(let o as NativeSubscriptable):
            return try o.subscriptGet(index, interp)
        case .nil:
            throw ScriptError(.type, "cannot subscript nil", suggestion: "use ?[ ] to get nil instead: x?[0]")
        default:
            throw ScriptError(.type, "a value of type \(container.typeName) cannot be subscripted")
        }
    }

    /// `i` when an element of a collection of `count` is there, else the IndexError.
    static func position(_ i: Int, count: Int, typeName: String) throws -> Int {
        guard i >= 0 && i < count else {
            throw ScriptError(.index, "index \(i) is out of range for \(typeName.withArticle) of \(count) element\(count == 1 ? "" : "s")"
                              + (count > 0 ? " (valid: 0..<\(count))" : ""),
                              suggestion: fromTheEnd(i, count: count))
        }
        return i
    }

    /// What to write instead of Python's `xs[-1]`: indices count from 0 only, as in Swift,
    /// and a newcomer from Python reaches for a negative one first.
    static func fromTheEnd(_ i: Int, count: Int) -> String? {
        guard i < 0, count > 0 else { return nil }
        return i == -1 ? "indices do not count from the end, as in Swift: the last element is .last (or [count - 1])"
                       : "indices do not count from the end, as in Swift: write [count - \(i.magnitude)]"
    }

    /// `s[i]` (a one-character String) and `s[a..<b]`, walking only as far as needed.
    private static func character(_ s: String, _ index: Value) throws -> Value {
        switch index {
        case .int(let i):
            guard i >= 0, let at = s.index(s.startIndex, offsetBy: i, limitedBy: s.endIndex), at < s.endIndex else {
                let n = s.count
                throw ScriptError(.index, "index \(i) is out of range for a String of \(n) character\(n == 1 ? "" : "s")"
                                  + (n > 0 ? " (valid: 0..<\(n))" : ""),
                                  suggestion: fromTheEnd(i, count: n))
            }
            return .string(String(s[at]))
        case .range(let r):
            guard r.lower >= 0,
                  let from = s.index(s.startIndex, offsetBy: r.lower, limitedBy: s.endIndex),
                  let to = s.index(from, offsetBy: r.count, limitedBy: s.endIndex) else {
                throw ScriptError(.index, "range \(Value.range(r)) is out of bounds for a String of \(s.count) characters")
            }
            return .string(String(s[from..<to]))
        default:
            throw ScriptError(.type, "a String index must be an Int or a Range, got \(index.typeName)")
        }
    }


    private static func slice(_ xs: [Value], _ index: Value, typeName: String, wrap: ([Value]) -> Value) throws -> Value {
        switch index {
        case .int(let i):
            return xs[try position(i, count: xs.count, typeName: typeName)]
        case .range(let r):
            guard r.lower >= 0, r.upperExclusive <= xs.count else {
                throw ScriptError(.index, "range \(Value.range(r)) is out of bounds for \(typeName.withArticle) of \(xs.count) elements")
            }
            return wrap(Array(xs[r.lower..<r.upperExclusive]))
        default:
            throw ScriptError(.type, "\(typeName.withArticle) index must be an Int or a Range, got \(index.typeName)")
        }
    }

    /// Throws a MemoryError when a new `key` would grow the Dict `container` past what memory
    /// can hold. (A function of its own: the Dict it reads must be let go before the Dict
    /// changes, or the change would copy it.)
    @inline(never)
    private static func checkGrowth(of container: Value, for key: DictKey) throws {
        guard case .dict(let d) = container, d.count >= ArrayMethods.growthCheckedFrom, d.count >= d.capacity, d[key] == nil else { return }
        try ArrayMethods.checkGrowth(d.count, d.capacity, bytesEach: ScriptDict.bytesPerEntry, "a Dict")
    }

    /// Updates `container[index]` in place through `body`.
    static func modify(_ container: inout Value, _ index: Value, _ interp: Interpreter,
                       _ body: (inout Value) throws -> Void) throws {
        let done: Void?
        switch index {
        case .int(let i):
            done = try container.mutateArray { xs in
                try body(&xs[try position(i, count: xs.count, typeName: "Array")])
            }
        default:
            done = nil
            if case .array = container {
                throw ScriptError(.type, "an Array element is set with an Int index, got \(index.typeName)")
            }
        }
        if done != nil { return }
        if case .dict = container {
            guard let key = DictKey(index) else { throw ScriptError(.type, "\(index.typeName.withArticle) cannot be a Dict key") }
            try checkGrowth(of: container, for: key)
            try container.mutateDict { try $0.modify(index, key, body) }
            return
        }
        if case .object(let o as NativeSubscriptable) = container {
            var v = try o.subscriptGet(index, interp)
            try body(&v)
            try o.subscriptSet(index, v, interp)
            return
        }
        throw ScriptError(.type, "cannot set an element of a value of type \(container.typeName)")
    }
}

/// A native object that answers `object[index]` (a Frame's column, a Tensor's slice).
public protocol NativeSubscriptable: NativeObject {
    func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value
    func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws
}
