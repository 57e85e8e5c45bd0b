/// Swift's casts in a dynamically typed language: `x is Int`, `d["lr"] as? Double`,
/// `row as! [String: Any]`, `opt as Any`.
///
/// Values carry their kind, so a cast tests it: `is` answers whether the value is of the
/// type, `as?` gives the value or nil, `as!` the value or a TypeError naming both types, and
/// `as` the value (a TypeError where Swift's compiler would refuse it). An Int where a Double
/// is asked for becomes that Double, as the language's annotations do (`1 as Double` is 1.0,
/// and JSON-like Dicts read `d["lr"] as? Double` whether the number was written 1 or 1.0).
struct TypeCast {
    /// What the cast asks of the value.
    indirect enum Target: Equatable, CustomStringConvertible {
        /// `Any`, `AnyObject`, `AnyHashable`: every value.
        case any
        /// `Int`, `Double`, `String`, `Tensor`, ...: a kind by its name.
        case named(String)
        case array(Target)
        case dictionary(Target, Target)
        case set(Target)
        case optional(Target)
        case tuple([Target])
        case function

        var description: String {
            switch self {
            case .any: return "Any"
            case .named(let n): return n
            case .array(let e): return "[\(e)]"
            case .dictionary(let k, let v): return "[\(k): \(v)]"
            case .set(let e): return "Set<\(e)>"
            case .optional(let t): return "\(t)?"
            case .tuple(let ts): return "(" + ts.map(\.description).joined(separator: ", ") + ")"
            case .function: return "a function"
            }
        }
    }

    enum Kind: String { case `is`, `as`, conditional = "as?", forced = "as!" }

    /// The type names a value of each built-in kind answers to (Swift's, and ours).
    private static let names: [String: Set<String>] = [
        "Int": ["Int", "Int64", "Int32", "UInt", "Number"],
        "Double": ["Double", "Float", "CGFloat", "Float32", "Float64", "Number"],
        "String": ["String", "Substring", "StringProtocol"],
        "Bool": ["Bool"],
        "Range": ["Range", "ClosedRange", "CountableRange", "CountableClosedRange"],
    ]

    /// Swift's type names a hand writes most, for telling a misspelt one (`x is Strng`),
    /// which Swift's compiler refuses, from a type of the prelude's (`x is Tensor`): a name
    /// that no value answers to but is a letter or two from one of these is a typo. (The
    /// prelude's types are all far from them: a test keeps it so.)
    static let commonNames = ["Int", "Double", "String", "Bool", "Float", "Array", "Dictionary", "Character", "Substring", "Optional"]

    /// The misspelt name in `target` and the name meant, or nil.
    static func typo(in target: Target) -> (written: String, meant: String)? {
        switch target {
        case .named(let n):
            if commonNames.contains(n) || names.keys.contains(n) || names.values.contains(where: { $0.contains(n) }) { return nil }
            return Suggest.closest(to: n, in: commonNames).map { (n, $0) }
        case .array(let t), .set(let t), .optional(let t): return typo(in: t)
        case .dictionary(let k, let v): return typo(in: k) ?? typo(in: v)
        case .tuple(let ts): return ts.lazy.compactMap { typo(in: $0) }.first
        case .any, .function: return nil
        }
    }

    /// `v` as `target` has it (Ints in Double places made Doubles where `converting`), or nil
    /// where it is not one.
    static func cast(_ v: Value, to target: Target, converting: Bool = true) -> Value? {
        let cast = { (v: Value, t: Target) in Self.cast(v, to: t, converting: converting) }
        switch (target, v) {
        case (.any, _): return v
        case (.optional(let t), _): return v.isNil ? v : cast(v, t)
        case (_, .nil): return nil
        case (.named(let n), .int(let i)) where converting && DeclaredType.doubleNames.contains(n): return .double(Double(i))
        case (.named(let n), .string(let s)) where n == "Character": return s.count == 1 ? v : nil
        case (.named(let n), _):
            return n == v.typeName || names[v.typeName]?.contains(n) == true ? v : nil
        case (.array(let e), .array(let xs)):
            // (An Array that is already of the type is itself: no copy made.)
            if xs.allSatisfy({ keeps($0, e) }) { return v }
            guard converting else { return nil }
            var out: [Value] = []
            out.reserveCapacity(xs.count)
            for x in xs { guard let c = cast(x, e) else { return nil }; out.append(c) }
            return .array(out)
        case (.array(let e), .range(let r)):
            return keeps(.int(r.lower), e) ? v : nil
        case (.dictionary(let k, let e), .dict(var d)):
            for key in d.keys where !keeps(key, k) { return nil }
            if d.values.allSatisfy({ keeps($0, e) }) { return v }
            guard converting else { return nil }
            for i in 0..<d.count {
                guard let c = cast(d.values[i], e) else { return nil }
                d.modifyValue(at: i) { $0 = c }
            }
            return .dict(d)
        case (.set(let e), .object(let s as ScriptSet)):
            return s.elements.allSatisfy { keeps($0, e) } ? v : nil
        case (.tuple(let ts), _):
            guard let xs = v.tupleElements, xs.count == ts.count else { return nil }
            var out: [Value] = []
            for (x, t) in zip(xs, ts) { guard let c = cast(x, t) else { return nil }; out.append(c) }
            if case .object(let l as LabelledTuple) = v { return .object(LabelledTuple(labels: l.labels, values: out)) }
            return .tuple(out)
        case (.function, .function): return v
        default: return nil
        }
    }

    /// Whether `v` is of `target` as it is: what `is` asks (an Int is not a Double, though
    /// `as? Double` makes one of it), and what a Dict's keys and a Set's elements must be
    /// (their hashes would change).
    private static func keeps(_ v: Value, _ target: Target) -> Bool {
        cast(v, to: target, converting: false) != nil
    }

    /// The cast as a function of one argument, which the parser calls on the value.
    static func function(_ kind: Kind, _ target: Target) -> NativeFunction {
        NativeFunction("\(kind.rawValue) \(target)") { args, _ in
            let v = args.first?.value ?? .nil
            switch kind {
            case .is: return .bool(keeps(v, target))
            case .conditional: return cast(v, to: target) ?? .nil
            case .as, .forced:
                if let result = cast(v, to: target) { return result }
                throw ScriptError(.type, "\(v.debugDescriptionShort) (\(v.typeName)) is not \(target.withArticle)",
                                  suggestion: "as? gives nil where the value is not of the type: if let x = value as? \(target) { ... }")
            }
        }
    }

    /// The target written in `tokens` (a type as the parser read it), or nil where it is not
    /// one this can test (then the parser reports it).
    static func target(_ tokens: ArraySlice<Token>) -> Target? {
        var reader = TypeReader(tokens: Array(tokens))
        guard let t = reader.read(), reader.at == reader.tokens.count else { return nil }
        return t
    }

    private struct TypeReader {
        let tokens: [Token]
        var at = 0

        private func isPunct(_ p: String) -> Bool { at < tokens.count && tokens[at].isPunct(p) }
        private mutating func match(_ p: String) -> Bool { if isPunct(p) { at += 1; return true }; return false }

        mutating func read() -> Target? {
            guard var t = readBase() else { return nil }
            while match("?") || match("!") { if !(t == .any) { t = .optional(t) } }
            return t
        }

        private mutating func readBase() -> Target? {
            if match("[") {
                guard let first = read() else { return nil }
                if match(":") {
                    guard let value = read(), match("]") else { return nil }
                    return .dictionary(first, value)
                }
                return match("]") ? .array(first) : nil
            }
            if match("(") {
                var items: [Target] = []
                while !isPunct(")") {
                    // A labelled element, `(name: String, score: Double)`: the label is dropped.
                    if at + 1 < tokens.count, Parser.isName(tokens[at]), tokens[at + 1].isPunct(":") { at += 2 }
                    guard let t = read() else { return nil }
                    items.append(t)
                    if !match(",") { break }
                }
                guard match(")") else { return nil }
                if at < tokens.count, Parser.isThrows(tokens[at]) { at += 1 }
                if match("->") { return read() == nil ? nil : .function }
                return items.count == 1 ? items[0] : .tuple(items)
            }
            guard at < tokens.count, case .identifier(let name) = tokens[at].kind else { return nil }
            at += 1
            var arguments: [Target] = []
            if match("<") {
                repeat { guard let a = read() else { return nil }; arguments.append(a) } while match(",")
                guard match(">") else { return nil }
            }
            switch (name, arguments.count) {
            case ("Any", 0), ("AnyObject", 0), ("AnyHashable", 0): return .any
            case ("Array", 1): return .array(arguments[0])
            case ("Dictionary", 2): return .dictionary(arguments[0], arguments[1])
            case ("Set", 1): return .set(arguments[0])
            case ("Set", 0): return .set(.any)
            case ("Optional", 1): return .optional(arguments[0])
            case ("Array", 0): return .array(.any)
            case ("Dictionary", 0), ("Dict", 0): return .dictionary(.any, .any)
            default: return .named(name)   // also Range<Int>, ClosedRange<Double>: the kind
            }
        }
    }
}

private extension TypeCast.Target {
    var withArticle: String {
        if case .named(let n) = self { return n.withArticle }
        return "of type \(self)"
    }
}

private extension Value {
    /// The value for an error message, cut short where it is long.
    var debugDescriptionShort: String {
        let text = debugDescription
        return text.count <= 40 ? text : String(text.prefix(37)) + "..."
    }
}
