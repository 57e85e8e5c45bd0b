/// A method of a built-in type: the receiver, the call's arguments, the interpreter.
typealias Method = @Sendable (Value, [ArgumentValue], Interpreter) throws -> Value
/// A mutating method: changes the receiver in place (`xs.append(3)`).
typealias MutatingMethod = @Sendable (inout Value, [ArgumentValue], Interpreter) throws -> Value
/// A method's short way: its result for the receiver and the call's arguments read where
/// they are (the caller's registers), for a call labelled as the method declares; nil where
/// the values are not the kinds it takes, and the call goes the whole way, which says what
/// is wrong with them. A native method call builds an argument list, matches its labels and
/// passes three thunks: a thousand instructions around `s.hasPrefix("12")`, a hundred in it.
typealias ShortMethod = @Sendable (Value, UnsafePointer<Value>) -> Value?

/// The members of one built-in type: properties (`count`), methods (`map`) and mutating
/// methods (`append`), each kept in its own file (ArrayMethods.swift, ...).
struct MemberTable: Sendable {
    var properties: [String: @Sendable (Value) throws -> Value] = [:]
    var methods: [String: Method] = [:]
    var mutating: [String: MutatingMethod] = [:]
    /// Short ways of methods (see `ShortMethod`), each with the labels a call must have to
    /// take it; the method itself is in `methods`.
    var short: [String: (labels: [String?], body: ShortMethod)] = [:]

    /// Each name once (`count` is a property and, with `where:`, a method).
    var names: [String] { Set(Array(properties.keys) + methods.keys + mutating.keys).sorted() }

    /// Answers `names` with `other`'s methods, called on the view of the receiver that `view`
    /// gives: a Dict's methods of Swift's Sequence over its (key, value) pairs, a String's
    /// over its Characters.
    mutating func forward(_ names: [String], to other: MemberTable, through view: @escaping @Sendable (Value) -> Value) {
        for name in names {
            let method = other.methods[name]!
            methods[name] = { v, args, interp in try method(view(v), args, interp) }
        }
    }

    /// Declares method `name` by both its ways: `method`, which binds and checks any call,
    /// and `short`, for a call labelled as `labels` says (see `ShortMethod`).
    mutating func declare(_ name: String, _ ways: (labels: [String?], method: Method, short: ShortMethod)) {
        methods[name] = ways.method
        short[name] = (ways.labels, ways.short)
    }
}

/// A method name at a call site, looked up in each built-in type's table once, when the
/// cell is compiled, so that a call does no lookup by name. A class: a call site hands it
/// on with one retain, where copying its tables' entries took eight.
final class MethodSite: Sendable {
    final class Entry: Sendable {
        let method: Method?
        let mutating: MutatingMethod?
        let isProperty: Bool
        /// The method's short way, where the site's labels are the ones it takes.
        let short: ShortMethod?
        init(_ table: MemberTable, _ name: String, labels: [String?]?) {
            method = table.methods[name]
            mutating = table.mutating[name]
            isProperty = table.properties[name] != nil
            short = table.short[name].flatMap { $0.labels == labels && table.mutating[name] == nil ? $0.body : nil }
        }
    }

    let name: String
    /// The name as a Dict key: a Dict's own key of this name takes precedence.
    let key: DictKey
    let array: Entry, string: Entry, dict: Entry, number: Entry
    /// One entry for each of `Members.tabledTypes`, in its order.
    let tabled: [Entry]
    /// Whether a String, Array or number receiver may take a short way here.
    let hasShort: Bool

    /// The site of method `name`, called with arguments labelled `labels` (nil: not known
    /// where the site is made, and no short way is taken).
    init(_ name: String, labels: [String?]? = nil) {
        self.name = name
        key = .string(name)
        array = Entry(Members.array, name, labels: labels)
        string = Entry(Members.string, name, labels: labels)
        dict = Entry(Members.dict, name, labels: labels)
        number = Entry(Members.number, name, labels: labels)
        tabled = Members.tabledTypes.map { Entry($0.memberTable, name, labels: labels) }
        hasShort = array.short != nil || string.short != nil || number.short != nil
    }

    /// The short way for receiver `v` (a String, Array, Range or number; a Dict's key of the
    /// method's name comes before its methods, and other objects have none).
    @inline(__always)
    func short(for v: Value) -> ShortMethod? {
        guard hasShort else { return nil }
        switch v {
        case .string: return string.short
        case .array, .range: return array.short
        case .int, .double: return number.short
        default: return nil
        }
    }

    func entry(for v: Value) -> Entry? {
        switch v {
        case .array, .range: return array
        case .string: return string
        case .dict: return dict
        case .int, .double: return number
        case .object(let o): return Members.tabledIndex(of: o).map { tabled[$0] }
        default: return nil
        }
    }
}

/// A native object with value semantics whose members are a `MemberTable`, as an Array's
/// are, so that its mutating methods take the variable `inout`: `s.insert(1)` on a variable
/// holding a Set changes that variable's value, never another's. Calls on it are resolved
/// once per call site like the built-in types'. A new such type conforms and is listed in
/// `Members.tabledTypes`.
protocol TabledObject: NativeObject {
    static var memberTable: MemberTable { get }
}

extension TabledObject {
    public var memberNames: [String] { Self.memberTable.names }

    /// A property's value, or a method as a function value (`s.contains` passed to filter).
    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let table = Self.memberTable, value = Value.object(self)
        if let p = table.properties[name] { return try p(value) }
        if table.methods[name] != nil || table.mutating[name] != nil {
            return .function(NativeFunction(name) { args, interp in try Members.call(value, name, args, interp) })
        }
        return nil
    }
}

/// Member access and method calls on values: `xs.count`, `d.lr`, `s.split(",")`, `t.0`.
public enum Members {
    static let array = ArrayMethods.table
    static let string = StringMethods.table
    static let dict = DictMethods.table
    static let number = NumberMethods.table
    /// The native value types whose members are a table (`TabledObject`).
    static let tabledTypes: [any TabledObject.Type] = [ScriptSet.self]

    /// Where `o`'s type is in `tabledTypes`; nil for a native object that is not tabled.
    static func tabledIndex(of o: any NativeObject) -> Int? {
        let type = ObjectIdentifier(Swift.type(of: o))
        return tabledTypes.firstIndex { ObjectIdentifier($0) == type }
    }

    static func memberTable(of o: any NativeObject) -> MemberTable? { tabledIndex(of: o).map { tabledTypes[$0].memberTable } }

    /// Every name of a mutating method on any built-in type; calls to these on a variable
    /// write the variable back.
    static let mutatingNames: Set<String> = ([array, dict, string] + tabledTypes.map { $0.memberTable })
        .reduce(into: Set<String>()) { $0.formUnion($1.mutating.keys) }

    static func table(for v: Value) -> MemberTable? {
        switch v {
        case .array, .range: return array
        case .string: return string
        case .dict: return dict
        case .int, .double: return number
        case .object(let o): return Members.memberTable(of: o)
        default: return nil
        }
    }

    /// Member names of a value, for completion after `value.`.
    public static func names(of v: Value) -> [String] {
        switch v {
        case .dict(let d):
            let keys = d.keys.compactMap { k -> String? in if case .string(let s) = k { return s }; return nil }
            return keys + dict.names
        case .tuple(let xs): return xs.indices.map(String.init) + (xs.count == 2 ? ["element", "key", "offset", "value"] : [])
        case .object(let o): return o.memberNames
        case .function(let f as NativeFunction): return f.constants.keys.sorted()
        default: return table(for: v)?.names ?? []
        }
    }

    static func noMember(_ v: Value, _ name: String) -> ScriptError {
        if v.isNil {
            return ScriptError(.type, "nil has no member '\(name)'", suggestion: "use ?. to get nil instead: x?.\(name)")
        }
        if case .object(let o) = v, let ours = o.memberAlias(name) {
            return ScriptError(.type, "a value of type \(v.typeName) has no member '\(name)'", suggestion: "here it is '\(ours)': \(v.typeName.lowercased()).\(ours)")
        }
        return ScriptError(.type, "a value of type \(v.typeName) has no member '\(name)'",
                           suggestion: Suggest.member(name, in: names(of: v), habits: table(for: v) != nil))
    }

    /// `value.name`: a Dict key, a tuple element, a property, a method as a function value,
    /// or a native object's member (which the object may compute).
    public static func get(_ v: Value, _ name: String, _ interp: Interpreter) throws -> Value {
        switch v {
        case .dict(let d):
            if let value = d[.string(name)] { return value }
            if let p = dict.properties[name] { return try p(v) }
            if dict.methods[name] != nil || dict.mutating[name] != nil { return boundMethod(v, name) }
            if let p = universal[name] { return p(v) }
            let keys = d.keys.compactMap { k -> String? in if case .string(let s) = k { return s }; return nil }
            throw ScriptError(.key, "the Dict has no key '\(name)'",
                              suggestion: Suggest.closest(to: name, in: keys).map { "did you mean '\($0)'?" })
        case .tuple(let xs):
            // `t.0` through `t.9` without parsing the name: a sort's `{ $0.1 < $1.1 }` reads
            // two a comparison (the parse was a tenth of such a sort's instructions).
            if name.utf8.count == 1, let digit = name.utf8.first, case let i = Int(digit) - Int(UInt8(ascii: "0")), i >= 0, i <= 9, i < xs.count {
                return xs[i]
            }
            if let i = Int(name) {
                guard i >= 0 && i < xs.count else {
                    throw ScriptError(.index, "a tuple of \(xs.count) elements has no element .\(i)")
                }
                return xs[i]
            }
            if name == "count" { return .int(xs.count) }
            // A Dict's (key, value) pairs and enumerated()'s (offset, element) pairs answer as
            // Swift's do: `d.sorted { $0.value > $1.value }`, `xs.enumerated().map { $0.offset }`.
            if xs.count == 2, name == "key" || name == "offset" { return xs[0] }
            if xs.count == 2, name == "value" || name == "element" { return xs[1] }
        case .object(let o):
            if let m = try o.member(name, interp) { return m }
        case .function(let f as NativeFunction):
            if let c = f.constants[name] { return c }
            // A capitalised native function is a type's initialiser (String, Int, Dense):
            // `xs.map(String.init)` names it, as in Swift.
            if name == "init", f.name.first?.isUppercase == true { return v }
        default:
            // `count` and `isEmpty`, which a loop's test reads each turn (`while i < xs.count`,
            // `while !queue.isEmpty`), without the table's lookup and the closure's thunks:
            // they took five sixths of such a turn.
            switch (v, name) {
            case (.array(let xs), "count"): return .int(xs.count)
            case (.range(let r), "count"): return .int(r.count)
            case (.string(let s), "count"): return .int(StringMethods.characterCount(s))
            case (.array(let xs), "isEmpty"): return .bool(xs.isEmpty)
            case (.string(let s), "isEmpty"): return .bool(s.isEmpty)
            default: break
            }
            if let t = table(for: v) {
                if let p = t.properties[name] { return try p(v) }
                if t.methods[name] != nil { return boundMethod(v, name) }
            }
        }
        if let p = universal[name] { return p(v) }
        throw noMember(v, name)
    }

    /// What every value answers, as every Swift value does: `x.description` is the text
    /// `print` writes, `x.debugDescription` the cell result's (`"ab"` quoted).
    private static let universal: [String: @Sendable (Value) -> Value] = [
        "description": { .string($0.description) },
        "debugDescription": { .string($0.debugDescription) },
    ]

    /// `xs.map` used as a value: a function that calls the method on `xs`.
    private static func boundMethod(_ v: Value, _ name: String) -> Value {
        .function(NativeFunction(name) { args, interp in try call(v, name, args, interp) })
    }

    static func call(_ v: Value, _ name: String, _ args: [ArgumentValue], _ interp: Interpreter) throws -> Value {
        try call(v, MethodSite(name), args, interp)
    }

    static func call(_ v: Value, _ site: MethodSite, _ args: [ArgumentValue], _ interp: Interpreter) throws -> Value {
        let name = site.name
        switch v {
        case .dict(let d):
            if let member = d[site.key] { return try interp.call(member, args) }
        case .object(let o) where tabledIndex(of: o) == nil:
            guard let member = try o.member(name, interp) else { throw noMember(v, name) }
            switch member {
            case .function, .object(is NativeCallable): return try interp.call(member, args)
            default:
                // A property called as a method (pandas' `column.unique()`): said as such, not
                // as a value that cannot be called.
                throw ScriptError(.type, "'\(name)' is a property of a \(v.typeName), not a method: write .\(name) without ()")
            }
        case .function(let f as NativeFunction):
            // A type's function: `Int.random(in: 1...6)`.
            if let member = f.constants[name] { return try interp.call(member, args) }
        default: break
        }
        if let e = site.entry(for: v) {
            if let m = e.method { return try m(v, args, interp) }
            if let m = e.mutating {
                // A mutating method on a temporary: apply it to a copy and return the result.
                var copy = v
                return try m(&copy, args, interp)
            }
            if e.isProperty {
                throw ScriptError(.type, "'\(name)' is a property, not a method: write .\(name) without ()")
            }
        }
        if case .tuple = v, name == "count" {
            throw ScriptError(.type, "'count' is a property, not a method: write .count without ()")
        }
        throw noMember(v, name)
    }

    /// True when the site's method mutates values like `v` (an Array's `append`, a Dict's
    /// `removeValue` unless a key of that name shadows it).
    static func mutates(_ v: Value, _ site: MethodSite) -> Bool {
        switch v {
        case .array: return site.array.mutating != nil
        case .string: return site.string.mutating != nil
        case .dict(let d): return site.dict.mutating != nil && d[site.key] == nil
        case .object: return site.entry(for: v)?.mutating != nil
        default: return false
        }
    }

    static func callMutating(_ v: inout Value, _ site: MethodSite, _ args: [ArgumentValue], _ interp: Interpreter) throws -> Value {
        guard let m = site.entry(for: v)?.mutating else { return try call(v, site, args, interp) }
        return try m(&v, args, interp)
    }

    /// Updates `value.name` in place: a Dict key, a tuple element, a native property.
    static func modify(_ v: inout Value, _ name: String, _ interp: Interpreter, _ body: (inout Value) throws -> Void) throws {
        if try v.mutateDict({ try $0.modify(.string(name), .string(name), body) }) != nil { return }
        if case .tuple(let xs) = v {
            guard let i = Int(name), i >= 0, i < xs.count else { throw noMember(v, name) }
            try v.mutateTuple { try body(&$0[i]) }
            return
        }
        // A labelled tuple is a value: the variable gets a new one.
        if case .object(let t as LabelledTuple) = v {
            guard let i = t.index(of: name) else { throw noMember(v, name) }
            var element = t.values[i]
            try body(&element)
            v = .object(t.replacing(i, with: element))
            return
        }
        if case .object(let o as NativeMutableObject) = v {
            var current = try o.member(name, interp) ?? .nil
            try body(&current)
            try o.setMember(name, current, interp)
            return
        }
        throw ScriptError(.type, "cannot set member '\(name)' of a value of type \(v.typeName)")
    }
}

/// A native object with settable properties (`layer.trainable = false`).
public protocol NativeMutableObject: NativeObject {
    func setMember(_ name: String, _ value: Value, _ interpreter: Interpreter) throws
}

/// Checks a method call's arguments against its parameters, Swift-style, and returns one
/// value per parameter with defaults filled in.
func bind(_ args: [ArgumentValue], _ signature: String, _ params: [NativeParameter]) throws -> BoundArguments {
    // The common call gives every parameter, labelled as declared: its values are read
    // where they are, with no array built for them (a native method call's largest cost).
    if args.count == params.count {
        var exact = true
        for i in 0..<args.count where args[i].label != params[i].label { exact = false; break }
        if exact { return BoundArguments(given: args) }
    }
    let bound = try bindArguments(args, to: params.map { (label: $0.label, hasDefault: !$0.isRequired) },
                                  function: signature, anyLabelOrder: true)
    return BoundArguments(filled: bound.enumerated().map { $0.element ?? params[$0.offset].defaultValue ?? .nil })
}

/// The values `bind` gives a native method, one per parameter: the call's own arguments
/// when they matched the parameters one for one, else a new list with defaults filled in.
struct BoundArguments: RandomAccessCollection {
    private let given: [ArgumentValue]
    private let filled: [Value]?

    init(given: [ArgumentValue]) { self.given = given; filled = nil }
    init(filled: [Value]) { given = []; self.filled = filled }

    var startIndex: Int { 0 }
    var endIndex: Int { filled?.count ?? given.count }
    subscript(i: Int) -> Value { filled?[i] ?? given[i].value }
}

/// The Int an argument must be.
func intArgument(_ v: Value, _ what: String) throws -> Int {
    if case .int(let i) = v { return i }
    if case .double(let d) = v, d.rounded() == d, let i = Int(exactly: d) { return i }
    throw ScriptError(.type, "\(what) must be an Int, got \(v.typeName)")
}

/// The Bool a predicate closure must return.
func boolResult(_ v: Value, _ what: String) throws -> Bool {
    if case .bool(let b) = v { return b }
    throw ScriptError(.type, "the closure passed to \(what) must return a Bool, got \(v.typeName)")
}

