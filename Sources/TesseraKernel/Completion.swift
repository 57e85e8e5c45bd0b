import Foundation
import TesseraPrelude
import TesseraScript

/// `complete_request` and `inspect_request`: names of the session and the prelude, and
/// members after `.`.
extension Kernel {
    /// Completions at `cursor_pos` (counted in Unicode scalars, as protocol 5.2+ says): magics
    /// after `%`, members after `.` (also of what a call returns: `dataset("iris").`), and in
    /// a call's arguments its labels first (`Dense(10, act` offers `activation:`), then names.
    func complete(_ content: JSON) -> JSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        let chars = scalars[..<cursor].map { Character($0) }
        var start = cursor
        while start > 0, CodeScan.isNameChar(chars[start - 1]) { start -= 1 }
        var prefix = String(chars[start..<cursor])
        var labels: [String] = []
        var candidates: [String]
        if start > 0, chars[start - 1] == "%" {
            // The match replaces the `%` too, as IPython's magics complete.
            start -= 1
            prefix = "%" + prefix
            candidates = Kernel.commands.map(\.name)
        } else if start > 0, chars[start - 1] == "." {
            let scan = CodeScan(Array(chars[..<(start - 1)]))
            candidates = scan.chain(endingAt: start - 1).flatMap { resolve($0.links, in: scan) }.map { Members.names(of: $0.value) } ?? []
        } else {
            labels = argumentLabels(before: start, in: chars).filter { $0.hasPrefix(prefix) }.map { $0 + ":" }
            candidates = interpreter.definedNames + Keyword.allCases.map(\.rawValue) + Keyword.contextual
        }
        let names = Set(candidates.filter { $0.hasPrefix(prefix) && !$0.hasPrefix("$") }).sorted()
        return .obj([
            "status": .string("ok"),
            "matches": .array((labels + names).map { .string($0) }),
            "cursor_start": .number(Double(start)),
            "cursor_end": .number(Double(cursor)),
            "metadata": .object([]),
        ])
    }

    /// The labels the enclosing call still takes when `position` starts one of its arguments
    /// (right after `(` or `,`); empty elsewhere.
    private func argumentLabels(before position: Int, in chars: [Character]) -> [String] {
        let scan = CodeScan(Array(chars[..<position]))
        guard let open = scan.openCall,
              let before = chars[..<position].last(where: { !$0.isWhitespace }), before == "(" || before == ",",
              let callee = scan.chain(endingAt: open), let f = resolve(callee.links, in: scan),
              let signature = Signature.of(f.value) else { return [] }
        let written = Set(Signature.splitTopLevel(Substring(String(chars[(open + 1)..<position]))).compactMap { argument -> String? in
            let a = argument.drop { $0.isWhitespace }
            let word = a.prefix { CodeScan.isNameChar($0) }
            return a.dropFirst(word.count).drop { $0 == " " }.first == ":" ? String(word) : nil
        })
        return signature.labels.filter { !written.contains($0) }
    }

    /// What a chain of names, members, calls and subscripts evaluates to, found without
    /// running the user's code: session values are looked up, a call's result is a sample
    /// of the type its signature declares (`sample`: not the real value), a subscript with a
    /// literal key is read. Names the cell itself declares on an earlier line
    /// (`let df = dataset("iris")`, `let (train, test) = df.split(0.8)`) resolve the same way.
    func resolve(_ links: [CodeScan.Link], in scan: CodeScan, depth: Int = 0) -> (value: Value, sample: Bool)? {
        var value = Value.nil, sample = false
        for (i, link) in links.enumerated() {
            switch link {
            case .name(let name) where i == 0:
                if let v = interpreter.lookup(name) { value = v }
                else if depth < 4, let v = declared(name, in: scan, depth: depth) { (value, sample) = v }
                else { return nil }
            case .name(let member):
                guard let v = try? Members.get(value, member, interpreter) else { return nil }
                value = v
            case .call:
                guard let result = Signature.of(value)?.result, let v = Prototypes.value(ofType: result) else { return nil }
                (value, sample) = (v, true)
            case .subscript(let inner):
                let text = inner.trimmingCharacters(in: .whitespaces)
                let key: Value? = Int(text).map(Value.int) ?? (text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? .string(String(text.dropFirst().dropLast())) : nil)
                if let key, let v = try? Subscripts.get(value, key, interpreter) { value = v }
                else if sample, case .object(let o) = value, o.typeName == "Frame", let column = Prototypes.value(ofType: "Column") { value = column }
                else { return nil }
            case .stringLiteral: (value, sample) = (.string(""), true)
            case .arrayLiteral: (value, sample) = (.array([]), true)
            case .dictLiteral: (value, sample) = (.dict(ScriptDict()), true)
            case .numberLiteral: (value, sample) = (.int(0), true)
            }
        }
        return (value, sample)
    }

    /// The value of `name` as the cell declares it before the cursor: the last `let name =`,
    /// `var name =` or `let (..., name, ...) =` line, its expression resolved.
    private func declared(_ name: String, in scan: CodeScan, depth: Int) -> (value: Value, sample: Bool)? {
        let lines = String(scan.chars).split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines.reversed() {
            var rest = line.drop { $0.isWhitespace }
            guard rest.hasPrefix("let ") || rest.hasPrefix("var ") else { continue }
            rest = rest.dropFirst(4).drop { $0 == " " }
            var element: Int?
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { continue }
                let names = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let i = names.firstIndex(of: name) else { continue }
                element = i
                rest = rest[rest.index(after: close)...]
            } else {
                let word = rest.prefix { CodeScan.isNameChar($0) }
                guard word == name else { continue }
                rest = rest.dropFirst(word.count)
            }
            rest = rest.drop { $0 == " " }
            guard rest.first == "=" else { continue }
            let expression = rest.dropFirst().trimmingCharacters(in: .whitespaces)
            var found: (value: Value, sample: Bool)?
            if let i = Int(expression) { found = (.int(i), true) }
            else if let d = Double(expression) { found = (.double(d), true) }
            else {
                let inner = CodeScan(Array(expression))
                guard let chain = inner.chain(endingAt: inner.chars.count), chain.start == 0 else { return nil }
                found = resolve(chain.links, in: CodeScan(Array(lines.prefix { $0 != line }.joined(separator: "\n"))), depth: depth + 1)
            }
            guard let (value, sample) = found else { return nil }
            if let element {
                guard case .tuple(let parts) = value, element < parts.count else { return nil }
                return (parts[element], sample)
            }
            return (value, sample)
        }
        return nil
    }

    /// `inspect_request`: the documentation of the call the cursor is in (`Dense(10, |`
    /// shows Dense's, as IPython shows the enclosing call's), else of the name at the cursor.
    func inspect(_ content: JSON) -> JSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        let chars = scalars.map { Character($0) }
        var doc: String?
        let before = CodeScan(Array(chars[..<cursor]))
        if let open = before.enclosingCall, let callee = before.chain(endingAt: open) {
            doc = documentation(of: callee, endingAt: open, in: before)
        }
        if doc == nil {
            var end = cursor
            while end < chars.count, CodeScan.isNameChar(chars[end]) { end += 1 }
            let scan = CodeScan(Array(chars[..<end]))
            if let chain = scan.chain(endingAt: end) { doc = documentation(of: chain, endingAt: end, in: scan) }
        }
        guard let doc else {
            return .obj(["status": .string("ok"), "found": .bool(false), "data": .object([]), "metadata": .object([])])
        }
        return .obj([
            "status": .string("ok"), "found": .bool(true),
            "data": .obj(["text/plain": .string(doc)]), "metadata": .object([]),
        ])
    }

    private func documentation(of chain: (links: [CodeScan.Link], start: Int), endingAt end: Int, in scan: CodeScan) -> String? {
        let text = String(scan.chars[chain.start..<end])
        guard let (value, sample) = resolve(chain.links, in: scan) else { return documentation(for: text) }
        return documentation(of: value, named: text, sample: sample)
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
