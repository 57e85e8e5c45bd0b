import TesseraScript

/// `complete_request` and `inspect_request`: names of the session and the prelude, and
/// members after `.`.
extension Kernel {
    private static func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "$" }

    /// Completions at `cursor_pos` (counted in Unicode scalars, as protocol 5.2+ says).
    func complete(_ content: JSON) -> JSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        let chars = scalars[..<cursor].map { Character($0) }
        var start = cursor
        while start > 0, Kernel.isNameChar(chars[start - 1]) { start -= 1 }
        var prefix = String(chars[start..<cursor])
        if start > 0, chars[start - 1] == "%" { prefix = "%" + prefix }
        var candidates: [String]
        if start > 0, chars[start - 1] == "%" {
            // The match replaces the `%` too, as IPython's magics complete.
            start -= 1
            candidates = Kernel.commands.map(\.name)
        } else if start > 0, chars[start - 1] == "." {
            candidates = memberCandidates(receiverEnd: start - 1, chars: chars)
        } else {
            candidates = interpreter.definedNames + Keyword.allCases.map(\.rawValue)
        }
        let matches = Array(Set(candidates.filter { $0.hasPrefix(prefix) && !$0.hasPrefix("$") })).sorted()
        return .obj([
            "status": .string("ok"),
            "matches": .array(matches.map { .string($0) }),
            "cursor_start": .number(Double(start)),
            "cursor_end": .number(Double(cursor)),
            "metadata": .object([]),
        ])
    }

    /// Members of the value before the `.` at `receiverEnd`, found without running any
    /// code: a dotted chain of session names, a literal (`"ab".`, `[1, 2].`), or a name
    /// the cell itself declares with a literal (`let word = "ab"` on an earlier line).
    private func memberCandidates(receiverEnd: Int, chars: [Character]) -> [String] {
        var s = receiverEnd
        while s > 0, Kernel.isNameChar(chars[s - 1]) || chars[s - 1] == "." { s -= 1 }
        let path = String(chars[s..<receiverEnd]).split(separator: ".").map(String.init)
        if path.isEmpty, receiverEnd > 0 {
            return Kernel.literalKind(closingAt: chars[receiverEnd - 1]).map(Members.names(of:)) ?? []
        }
        guard let first = path.first,
              var value = interpreter.lookup(first) ?? Kernel.declaredLiteral(first, in: chars[..<s]) else { return [] }
        for member in path.dropFirst() {
            guard let v = try? Members.get(value, member, interpreter) else { return [] }
            value = v
        }
        return Members.names(of: value)
    }

    /// An empty value of the literal that ends with `c`, standing for its type.
    private static func literalKind(closingAt c: Character) -> Value? {
        switch c {
        case "\"": return .string("")
        case "]": return .array([])
        default: return c.isNumber ? .int(0) : nil
        }
    }

    /// An empty value of the literal `name` was declared with in `code` (`let name = "..."`,
    /// `var name = [...]`, `let name = 3`), standing for its type; nil when it was not.
    private static func declaredLiteral(_ name: String, in code: ArraySlice<Character>) -> Value? {
        let text = String(code)
        var found: Value?
        for keyword in ["let ", "var "] {
            var searchStart = text.startIndex
            while let r = text.range(of: keyword + name, range: searchStart..<text.endIndex) {
                searchStart = r.upperBound
                var rest = text[r.upperBound...].drop { $0 == " " }
                guard rest.first == "=" else { continue }
                rest = rest.dropFirst().drop { $0 == " " }
                guard let c = rest.first else { continue }
                switch c {
                case "\"": found = .string("")
                case "[":
                    let inner = rest.dropFirst().prefix { $0 != "]" && $0 != "\n" }
                    found = inner.contains(":") ? .dict(ScriptDict()) : .array([])
                default:
                    if c.isNumber || c == "-" {
                        found = rest.prefix { $0.isNumber || $0 == "." || $0 == "-" }.contains(".") ? .double(0) : .int(0)
                    }
                }
            }
        }
        return found
    }

    /// `inspect_request`: the documentation of the name at the cursor.
    func inspect(_ content: JSON) -> JSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        let chars = scalars.map { Character($0) }
        var start = cursor, end = cursor
        while start > 0, Kernel.isNameChar(chars[start - 1]) || chars[start - 1] == "." { start -= 1 }
        while end < chars.count, Kernel.isNameChar(chars[end]) { end += 1 }
        var name = String(chars[start..<end])
        while name.hasPrefix(".") { name.removeFirst() }
        while name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, let doc = documentation(for: name) else {
            return .obj(["status": .string("ok"), "found": .bool(false), "data": .object([]), "metadata": .object([])])
        }
        return .obj([
            "status": .string("ok"), "found": .bool(true),
            "data": .obj(["text/plain": .string(doc)]), "metadata": .object([]),
        ])
    }

    /// How many brackets are open at the end of `code`, counting tokens so that brackets in
    /// strings and comments do not count (by characters when the code ends inside a string).
    static func openBrackets(_ code: String) -> Int {
        var lexer = Lexer(code, source: Source(name: "cell", text: code))
        var depth = 0
        if let tokens = try? lexer.tokenize() {
            for t in tokens {
                if t.isOpener { depth += 1 } else if t.isCloser { depth -= 1 }
            }
        } else {
            for c in code {
                if "{([".contains(c) { depth += 1 } else if "})]".contains(c) { depth -= 1 }
            }
        }
        return max(0, depth)
    }

    /// `is_complete_request`: whether the code can run as is, needs more lines (with the
    /// indent for the next one), or cannot be fixed by adding lines.
    func isComplete(_ code: String) -> JSON {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("%") || trimmed.isEmpty { return .obj(["status": .string("complete")]) }
        do {
            try Interpreter.parse(Source(name: "cell", text: code))
            return .obj(["status": .string("complete")])
        } catch let e as ScriptError where e.atEndOfInput {
            return .obj(["status": .string("incomplete"), "indent": .string(String(repeating: " ", count: 4 * Kernel.openBrackets(code)))])
        } catch {
            return .obj(["status": .string("invalid")])
        }
    }
}
