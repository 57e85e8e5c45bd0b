import Foundation

/// Members of Strings, as in Swift: `count split contains hasPrefix uppercased` and a few more.
enum StringMethods {
    static func string(_ v: Value) -> String { if case .string(let s) = v { return s }; return "" }

    static func stringArgument(_ v: Value, _ what: String) throws -> String {
        if case .string(let s) = v { return s }
        throw ScriptError(.type, "\(what) needs a String, got \(v.typeName)")
    }

    /// `s.split(sep)` by bytes when both are ASCII, as Swift splits by Characters: in ASCII
    /// text the one Character of two bytes is "\r\n", so a match that would cut it (a
    /// separator starting with "\n" after a "\r", or ending with "\r" before a "\n") is not
    /// one. Nil for other text, which Swift's Character search splits.
    static func splitASCII(_ text: String, _ separator: String) -> [Value]? {
        var text = text, separator = separator
        return text.withUTF8 { s -> [Value]? in
            separator.withUTF8 { sep -> [Value]? in
                guard !sep.isEmpty, sep.allSatisfy({ $0 < 0x80 }), s.allSatisfy({ $0 < 0x80 }) else { return nil }
                let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
                var parts: [Value] = []
                var start = 0, i = 0
                while i + sep.count <= s.count {
                    if s[i] == sep[0], memcmp(s.baseAddress! + i, sep.baseAddress!, sep.count) == 0,
                       !(sep[0] == lf && i > 0 && s[i - 1] == cr),
                       !(sep[sep.count - 1] == cr && i + sep.count < s.count && s[i + sep.count] == lf) {
                        parts.append(.string(String(decoding: UnsafeBufferPointer(rebasing: s[start..<i]), as: UTF8.self)))
                        i += sep.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                parts.append(.string(String(decoding: UnsafeBufferPointer(rebasing: s[start...]), as: UTF8.self)))
                return parts
            }
        }
    }

    /// Where Character offset `i` of `text` is (0 through its Character count; below the count
    /// where a Character must be there), found in one walk; else the IndexError that Swift's
    /// trap would be.
    static func index(_ i: Int, in text: String, _ signature: String, endAllowed: Bool = true) throws -> String.Index {
        if i >= 0, let at = text.index(text.startIndex, offsetBy: i, limitedBy: text.endIndex), endAllowed || at < text.endIndex {
            return at
        }
        let count = characterCount(text)
        throw ScriptError(.index, "\(signature): position \(i) is outside the String of \(count) Character\(count == 1 ? "" : "s") (valid: 0\(endAllowed ? "..." : "..<")\(count))")
    }

    /// `i + step`, or an IndexError where that is past any Int (`index(after: Int.max)`).
    private static func offset(_ i: Int, _ step: Int, _ signature: String) throws -> Int {
        let (sum, overflow) = i.addingReportingOverflow(step)
        guard !overflow else { throw ScriptError(.index, "\(signature): \(i) offset by \(step) does not fit in an Int") }
        return sum
    }

    /// The number of Characters in `text`: for ASCII text its bytes less one per "\r\n" (the
    /// one Character of two bytes there), counted over the bytes (Swift's Character count
    /// walks grapheme breaks, 3.5 ms for 2 MB); other text as Swift counts it.
    static func characterCount(_ text: String) -> Int {
        var text = text
        let ascii = text.withUTF8 { s -> Int? in
            // (Two passes: the first, without a branch, is vectorized.)
            var high: UInt8 = 0, returns = 0
            for b in s {
                high |= b
                returns &+= b == 0x0D ? 1 : 0
            }
            guard high < 0x80 else { return nil }
            guard returns > 0, s.count > 1 else { return s.count }
            var pairs = 0
            for i in 1..<s.count where s[i] == 0x0A && s[i - 1] == 0x0D { pairs += 1 }
            return s.count - pairs
        }
        return ascii ?? text.count
    }

    /// `text.prefix(n)` (`suffix(n)` where `fromEnd`) cut by bytes when the bytes next to the
    /// cut are ASCII other than a carriage return: each is a Character of its own there (only
    /// "\r\n" joins two ASCII bytes into one, and what combines with a letter is not ASCII).
    /// Nil otherwise, for the Character walk (a third of `s.prefix(2)`'s time).
    static func asciiAffix(_ text: String, _ n: Int, fromEnd: Bool) -> String? {
        var text = text
        return text.withUTF8 { s -> String? in
            let kept = min(max(0, n), s.count)
            // The kept bytes and the one beyond the cut.
            let checked = fromEnd ? max(0, s.count - kept - 1)..<s.count : 0..<min(kept + 1, s.count)
            for i in checked where s[i] >= 0x80 || s[i] == 0x0D { return nil }
            let range = fromEnd ? (s.count - kept)..<s.count : 0..<kept
            return String(decoding: UnsafeBufferPointer(rebasing: s[range]), as: UTF8.self)
        }
    }

    /// The fields of `s` between occurrences of a non-empty `sep`, empty ones kept (a CSV
    /// line's): by bytes when both are ASCII.
    static func fields(_ s: String, _ sep: String) -> [Value] {
        splitASCII(s, sep) ?? s.split(separator: sep, omittingEmptySubsequences: false).map { .string(String($0)) }
    }

    /// `s` without the characters `trim` holds for at either end.
    static func trimmed(_ s: String, _ trim: (Character) -> Bool) -> String {
        let start = s.firstIndex(where: { !trim($0) }) ?? s.endIndex
        let end = s.lastIndex(where: { !trim($0) }).map { s.index(after: $0) } ?? start
        return String(s[start..<max(start, end)])
    }

    /// `s` without the spaces and tabs around it, as `Int(_:)` and `Double(_:)` read a
    /// number (Foundation's `trimmingCharacters(in: .whitespaces)` bridges to NSString and
    /// took most of `Int(" 42")`'s time).
    static func withoutSpaces(_ s: String) -> String {
        // Printable ASCII at both ends (a number as written): no Character there is a space,
        // and none need be formed to see it.
        let printable = UInt8(ascii: "!")...UInt8(ascii: "~")
        if let first = s.utf8.first, let last = s.utf8.last, printable.contains(first), printable.contains(last) {
            return s
        }
        return trimmed(s) { $0.isWhitespace && !$0.isNewline }
    }

    /// `s` with every occurrence of `target` replaced (none when `target` is empty).
    static func replaced(_ s: String, _ target: String, _ with: String) -> String {
        guard !target.isEmpty else { return s }
        return s.split(separator: target, omittingEmptySubsequences: false).joined(separator: with)
    }

    /// The String's Characters as an Array of one-Character Strings.
    static func characters(_ v: Value) -> Value { .array(string(v).map { .string(String($0)) }) }

    /// Swift's Character properties, by name.
    static let characterProperties: [(String, @Sendable (Character) -> Value)] = [
        ("isLetter", { .bool($0.isLetter) }), ("isNumber", { .bool($0.isNumber) }), ("isWholeNumber", { .bool($0.isWholeNumber) }),
        ("isWhitespace", { .bool($0.isWhitespace) }), ("isNewline", { .bool($0.isNewline) }),
        ("isUppercase", { .bool($0.isUppercase) }), ("isLowercase", { .bool($0.isLowercase) }), ("isCased", { .bool($0.isCased) }),
        ("isPunctuation", { .bool($0.isPunctuation) }), ("isSymbol", { .bool($0.isSymbol) }), ("isASCII", { .bool($0.isASCII) }),
        ("isHexDigit", { .bool($0.isHexDigit) }),
        ("asciiValue", { $0.asciiValue.map { .int(Int($0)) } ?? .nil }),
        ("wholeNumberValue", { $0.wholeNumberValue.map { .int($0) } ?? .nil }),
        ("hexDigitValue", { $0.hexDigitValue.map { .int($0) } ?? .nil }),
    ]

    /// Foundation's CharacterSets that `components(separatedBy:)` takes, as tests of a Character.
    static let characterSets: [String: @Sendable (Character) -> Bool] = [
        "whitespaces": { $0.isWhitespace && !$0.isNewline }, "whitespacesAndNewlines": { $0.isWhitespace },
        "newlines": { $0.isNewline }, "punctuationCharacters": { $0.isPunctuation },
        "decimalDigits": { $0.isWholeNumber }, "letters": { $0.isLetter }, "alphanumerics": { $0.isLetter || $0.isNumber },
    ]

    /// A method of a String over one String argument, labelled as `parameter` is
    /// (`hasPrefix(_:)`, `starts(with:)`), from its body alone: the whole way binds and checks
    /// the argument (a wrong one named in `signature`'s words), the short way takes two Strings
    /// as they are.
    private static func overString(_ signature: String, _ parameter: NativeParameter,
                                   _ body: @escaping @Sendable (String, String) -> Value) -> (labels: [String?], method: Method, short: ShortMethod) {
        (labels: [parameter.label],
         method: { v, args, _ in body(string(v), try stringArgument(try bind(args, signature, [parameter])[0], signature)) },
         short: { v, a in
             guard case .string(let s) = v, case .string(let x) = a[0] else { return nil }
             return body(s, x)
         })
    }

    /// A method of a String without arguments (`lowercased()`), from its body alone.
    private static func overNothing(_ signature: String, _ body: @escaping @Sendable (String) -> Value) -> (labels: [String?], method: Method, short: ShortMethod) {
        (labels: [],
         method: { v, args, _ in _ = try bind(args, signature, []); return body(string(v)) },
         short: { v, _ in
             guard case .string(let s) = v else { return nil }
             return body(s)
         })
    }

    /// `s.prefix(n)` (`suffix` where `fromEnd`) for a length `n` of any sign.
    private static func affix(_ s: String, _ n: Int, fromEnd: Bool) -> Value {
        .string(asciiAffix(s, n, fromEnd: fromEnd) ?? String(fromEnd ? s.suffix(max(0, n)) : s.prefix(max(0, n))))
    }

    static let table: MemberTable = {
        var t = MemberTable()
        t.properties["count"] = { v in .int(characterCount(string(v))) }
        t.properties["lazy"] = { v in v }   // as an Array's
        t.properties["isEmpty"] = { v in .bool(string(v).isEmpty) }
        t.properties["first"] = { v in string(v).first.map { .string(String($0)) } ?? .nil }
        t.properties["last"] = { v in string(v).last.map { .string(String($0)) } ?? .nil }
        // `split(",")` keeps empty fields (a CSV line's); `split(separator: ",")` drops them, as
        // Swift's does; `split()` splits on runs of whitespace.
        t.methods["split"] = { v, args, _ in
            let a = try bind(args, "split(_:)", [.positional(default: .nil, required: false), .labelled("separator", required: false),
                                                  .labelled("maxSplits", default: .int(.max)), .labelled("omittingEmptySubsequences", default: .bool(true))])
            let s = string(v)
            if !a[1].isNil {
                let sep = try stringArgument(a[1], "split(separator:)")
                let most = try intArgument(a[2], "split's maxSplits")
                guard most >= 0 else { throw ScriptError(.value, "split's maxSplits must not be negative, got \(most)") }
                guard case .bool(let omitting) = a[3] else { throw ScriptError(.type, "split's omittingEmptySubsequences must be a Bool, got \(a[3].typeName)") }
                guard !sep.isEmpty else { return .array(s.map { .string(String($0)) }) }
                // Swift's split on a String separator searches through its generic Collection
                // algorithms: ten times Python's time on a CSV line's commas. ASCII text is cut
                // by bytes, a one-Character separator by Characters, the same fields either way.
                if most == .max, let parts = splitASCII(s, sep) {
                    return .array(omitting ? parts.filter { if case .string(let p) = $0 { !p.isEmpty } else { true } } : parts)
                }
                if sep.count == 1, let c = sep.first {
                    return .array(s.split(separator: c, maxSplits: most, omittingEmptySubsequences: omitting).map { .string(String($0)) })
                }
                return .array(s.split(separator: sep, maxSplits: most, omittingEmptySubsequences: omitting).map { .string(String($0)) })
            }
            if a[0].isNil {
                return .array(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            }
            let sep = try stringArgument(a[0], "split")
            guard !sep.isEmpty else { return .array(s.map { .string(String($0)) }) }
            return .array(fields(s, sep))
        }
        t.methods["contains"] = { v, args, interp in
            if ArrayMethods.givesTest(args) {
                return try ArrayMethods.table.methods["contains"]!(characters(v), args, interp)
            }
            return .bool(string(v).contains(try stringArgument(try bind(args, "contains(_:)", [.positional()])[0], "contains")))
        }
        t.short["contains"] = ([nil], { v, a in
            guard case .string(let s) = v, case .string(let x) = a[0] else { return nil }   // (a closure: the whole way)
            return .bool(s.contains(x))
        })
        // A String is a sequence of Characters, as in Swift: the Array's methods answer over
        // them (each a String of one Character), `filter` giving a String as Swift's does.
        t.forward(["map", "compactMap", "flatMap", "forEach", "reduce", "allSatisfy", "sorted", "min", "max",
                   "first", "last", "count", "firstIndex", "lastIndex", "enumerated", "shuffled", "randomElement"],
                  to: ArrayMethods.table, through: characters)
        t.methods["filter"] = { v, args, interp in
            let kept = try ArrayMethods.table.methods["filter"]!(characters(v), args, interp)
            guard case .array(let xs) = kept else { return kept }
            return .string(xs.map { string($0) }.joined())
        }
        // A Character's properties, on a String of one Character (`s.filter { $0.isLetter }`).
        for (name, property) in characterProperties {
            t.properties[name] = { v in
                let text = string(v)
                guard text.count == 1, let c = text.first else {
                    throw ScriptError(.type, "'\(name)' is a Character's: this String has \(text.count) characters",
                                      suggestion: "test each one: s.allSatisfy { $0.\(name) }")
                }
                return property(c)
            }
        }
        t.properties["utf8"] = { v in .array(string(v).utf8.map { .int(Int($0)) }) }
        t.properties["capitalized"] = { v in .string(string(v).capitalized) }
        // Foundation's names, which Swift code reaches for as often as the standard library's.
        t.methods["components"] = { v, args, _ in
            let separator = try bind(args, "components(separatedBy:)", [.labelled("separatedBy", required: true)])[0]
            let s = string(v)
            // A CharacterSet splits at each Character it holds, runs not merged, as Foundation's.
            if case .symbol(let set) = separator {
                guard let holds = characterSets[set] else {
                    throw ScriptError(.type, "components(separatedBy:) takes a String or one of \(characterSets.keys.sorted().map { "." + $0 }.joined(separator: ", ")), got .\(set)")
                }
                return .array(s.split(omittingEmptySubsequences: false, whereSeparator: holds).map { .string(String($0)) })
            }
            let sep = try stringArgument(separator, "components(separatedBy:)")
            guard !sep.isEmpty else { return .array([.string(s)]) }
            return .array(fields(s, sep))
        }
        t.methods["replacingOccurrences"] = { v, args, _ in
            let a = try bind(args, "replacingOccurrences(of:with:)", [.labelled("of", required: true), .labelled("with", required: true)])
            let target = try stringArgument(a[0], "replacingOccurrences(of:)"), with = try stringArgument(a[1], "replacingOccurrences(of:with:)")
            return .string(replaced(string(v), target, with))
        }
        t.methods["trimmingCharacters"] = { v, args, _ in
            let set = try bind(args, "trimmingCharacters(in:)", [.labelled("in", required: true)])[0]
            let newlinesToo: Bool
            switch set {
            case .symbol("whitespaces"): newlinesToo = false
            case .symbol("whitespacesAndNewlines"): newlinesToo = true
            default: throw ScriptError(.type, "trimmingCharacters(in:) takes .whitespaces or .whitespacesAndNewlines, got \(set.debugDescription)")
            }
            return .string(trimmed(string(v)) { newlinesToo ? $0.isWhitespace : ($0.isWhitespace && !$0.isNewline) })
        }
        t.declare("starts", overString("starts(with:)", .labelled("with", required: true)) { .bool($0.hasPrefix($1)) })
        t.methods["prefix"] = { v, args, interp in
            if args.first?.label == "while" {
                // The leading Characters the test holds for, as a String (Swift's Substring).
                let kept = try ArrayMethods.table.methods["prefix"]!(characters(v), args, interp)
                return .string(ArrayMethods.arrayElements(kept).map { string($0) }.joined())
            }
            let n = try intArgument(try bind(args, "prefix(_:)", [.positional()])[0], "prefix's length")
            return affix(string(v), n, fromEnd: false)
        }
        t.methods["drop"] = { v, args, interp in
            let rest = try ArrayMethods.table.methods["drop"]!(characters(v), args, interp)
            return .string(ArrayMethods.arrayElements(rest).map { string($0) }.joined())
        }
        t.methods["suffix"] = { v, args, interp in
            if args.first?.label == "from" {
                return try Subscripts.suffix(v, from: try bind(args, "suffix(from:)", [.labelled("from", required: true)])[0], interp)
            }
            let n = try intArgument(try bind(args, "suffix(_:)", [.positional()])[0], "suffix's length")
            return affix(string(v), n, fromEnd: true)
        }
        for (name, fromEnd) in [("prefix", false), ("suffix", true)] {
            t.short[name] = ([nil], { v, a in
                guard case .string(let s) = v, case .int(let n) = a[0] else { return nil }
                return affix(s, n, fromEnd: fromEnd)
            })
        }
        t.methods["dropFirst"] = { v, args, _ in
            let n = try intArgument(try bind(args, "dropFirst(_:)", [.positional(default: .int(1))])[0], "dropFirst's count")
            return .string(String(string(v).dropFirst(max(0, n))))
        }
        t.methods["dropLast"] = { v, args, _ in
            let n = try intArgument(try bind(args, "dropLast(_:)", [.positional(default: .int(1))])[0], "dropLast's count")
            return .string(String(string(v).dropLast(max(0, n))))
        }
        t.declare("hasPrefix", overString("hasPrefix(_:)", .positional()) { .bool($0.hasPrefix($1)) })
        t.declare("hasSuffix", overString("hasSuffix(_:)", .positional()) { .bool($0.hasSuffix($1)) })
        t.declare("uppercased", overNothing("uppercased()") { .string($0.uppercased()) })
        t.declare("lowercased", overNothing("lowercased()") { .string($0.lowercased()) })
        t.methods["trimmed"] = { v, args, _ in
            _ = try bind(args, "trimmed()", [])
            return .string(trimmed(string(v)) { $0.isWhitespace })
        }
        t.methods["replacing"] = { v, args, _ in
            let a = try bind(args, "replacing(_:with:)", [.positional(), .labelled("with", required: true)])
            let target = try stringArgument(a[0], "replacing"), with = try stringArgument(a[1], "replacing(_:with:)")
            return .string(replaced(string(v), target, with))
        }
        t.declare("reversed", overNothing("reversed()") { .string(String($0.reversed())) })
        // Swift's String indices, here Character offsets (what `firstIndex(of:)` and `s[i]`
        // already use): code written with startIndex and index(_:offsetBy:) reads the same.
        t.properties["startIndex"] = { _ in .int(0) }
        t.properties["endIndex"] = { v in .int(characterCount(string(v))) }
        t.methods["index"] = { v, args, _ in
            let signature: String, i: Int
            switch args.count == 1 ? args[0].label : nil {
            case "after"?, "before"?:
                let label = args[0].label!
                signature = "index(\(label):)"
                let at = try intArgument(try bind(args, signature, [.labelled(label, required: true)])[0], signature)
                i = try offset(at, label == "after" ? 1 : -1, signature)
            default:
                signature = "index(_:offsetBy:)"
                let a = try bind(args, signature, [.positional(), .labelled("offsetBy", required: true)])
                i = try offset(try intArgument(a[0], signature), try intArgument(a[1], "offsetBy"), signature)
            }
            _ = try index(i, in: string(v), signature)
            return .int(i)
        }
        t.methods["distance"] = { v, args, _ in
            let signature = "distance(from:to:)"
            let a = try bind(args, signature, [.labelled("from", required: true), .labelled("to", required: true)])
            let from = try intArgument(a[0], signature), to = try intArgument(a[1], signature)
            for i in [from, to] { _ = try index(i, in: string(v), signature) }
            return .int(to - from)
        }
        t.mutating["insert"] = { v, args, _ in
            let label = args.first?.label == "contentsOf" ? "contentsOf" : nil
            let signature = label == nil ? "insert(_:at:)" : "insert(contentsOf:at:)"
            let a = try bind(args, signature, [label.map { .labelled($0, required: true) } ?? .positional(), .labelled("at", required: true)])
            let piece = try stringArgument(a[0], signature)
            var text = string(v)
            text.insert(contentsOf: piece, at: try index(try intArgument(a[1], signature), in: text, signature))
            v = .string(text)
            return .nil
        }
        t.mutating["remove"] = { v, args, _ in
            let a = try bind(args, "remove(at:)", [.labelled("at", required: true)])
            var text = string(v)
            let removed = text.remove(at: try index(try intArgument(a[0], "remove(at:)"), in: text, "remove(at:)", endAllowed: false))
            v = .string(text)
            return .string(String(removed))
        }
        for (name, fromEnd) in [("removeFirst", false), ("removeLast", true)] {
            t.mutating[name] = { v, args, _ in
                _ = try bind(args, "\(name)()", [])
                var text = string(v)
                guard !text.isEmpty else { throw ScriptError(.index, "\(name)() on an empty String") }
                let removed = fromEnd ? text.removeLast() : text.removeFirst()
                v = .string(text)
                return .string(String(removed))
            }
        }
        t.mutating["popLast"] = { v, args, _ in
            _ = try bind(args, "popLast()", [])
            var text = string(v)
            guard let last = text.popLast() else { return .nil }
            v = .string(text)
            return .string(String(last))
        }
        // `s.append("x")` and `s.append(contentsOf: "xy")` grow the String in place, as `+=`.
        t.mutating["append"] = { v, args, _ in
            let label = args.first?.label == "contentsOf" ? "contentsOf" : nil
            let x = try bind(args, label == nil ? "append(_:)" : "append(contentsOf:)",
                             [label.map { .labelled($0, required: true) } ?? .positional()])[0]
            guard case .string = x else { throw ScriptError(.type, "a String appends a String, got \(x.typeName)", suggestion: "write s.append(String(x))") }
            try Operators.addInPlace(&v, x)
            return .nil
        }
        return t
    }()
}
