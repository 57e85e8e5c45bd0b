import Foundation

/// What completion and inspection know of a function without calling it: the labels its
/// parameters take at a call site and the type of its result.
///
/// Each is read from the one place it is declared: a native function's doc line
/// (`Dense(_ units, activation: nil, bias: true) -> Layer`), a script function's
/// declaration (`func f(_ x, by step = 1)`).
public struct Signature: Equatable, Sendable {
    /// The function's name as declared.
    public var name: String
    /// Call-site labels in order; positional (`_`) parameters are left out.
    public var labels: [String]
    /// The result type as the doc writes it (`Frame`, `(Frame, Frame)`); nil when not declared.
    public var result: String?

    public init(name: String, labels: [String], result: String?) {
        self.name = name; self.labels = labels; self.result = result
    }

    /// Parses the first line of a native function's doc; nil when it is not a signature.
    public init?(doc: String) {
        let line = Substring(doc.prefix { $0 != "\n" })
        guard let open = line.firstIndex(of: "("), let close = Signature.matchingClose(line, from: open) else { return nil }
        let name = line[..<open].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        self.name = name
        labels = Signature.splitTopLevel(line[line.index(after: open)..<close]).compactMap(Signature.label(of:))
        result = Signature.resultType(line[line.index(after: close)...])
    }

    /// The signature of a callable value: native functions from their doc, script functions
    /// from their declaration; nil for other values.
    public static func of(_ value: Value) -> Signature? {
        guard case .function(let f) = value else { return nil }
        if let native = f as? NativeFunction { return Signature(doc: native.doc) }
        if let script = f as? ScriptFunction {
            return Signature(name: script.decl.name, labels: script.decl.parameters.compactMap(\.label), result: nil)
        }
        return nil
    }

    /// The label of one parameter's text: `activation: nil` → activation; `_ units` → nil.
    private static func label(of parameter: Substring) -> String? {
        let p = parameter.trimmingCharacters(in: .whitespaces)
        guard let first = p.first, first.isLetter || first == "_" else { return nil }
        let word = p.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        let rest = p.dropFirst(word.count).drop { $0 == " " }
        guard word != "_", rest.first == ":" else { return nil }
        return String(word)
    }

    /// The declared result after the parameter list: `-> Frame or (train, test)` → Frame;
    /// `{ params, trial in ... } -> Study` → Study; a tuple type is kept whole.
    private static func resultType(_ tail: Substring) -> String? {
        guard let arrow = tail.range(of: "->") else { return nil }
        let text = tail[arrow.upperBound...].drop { $0 == " " }
        if text.first == "(", let close = matchingClose(text, from: text.startIndex) {
            return String(text[...close])
        }
        let word = text.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return word.isEmpty ? nil : String(word)
    }

    /// The index of the bracket that closes the one at `open`, skipping string literals.
    static func matchingClose(_ text: Substring, from open: Substring.Index) -> Substring.Index? {
        var found: Substring.Index?
        walk(text[open...]) { i, c, depth in
            if ")]}".contains(c), depth == 1 { found = i; return false }
            return true
        }
        return found
    }

    /// Splits a parameter list at its top-level commas (not those in brackets or strings).
    public static func splitTopLevel(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        walk(text) { i, c, depth in
            if c == ",", depth == 0 {
                parts.append(text[start..<i])
                start = text.index(after: i)
            }
            return true
        }
        if !text[start...].allSatisfy(\.isWhitespace) { parts.append(text[start...]) }
        return parts
    }

    /// Visits each character outside string literals with the bracket depth before it,
    /// until `visit` returns false.
    private static func walk(_ text: Substring, _ visit: (Substring.Index, Character, Int) -> Bool) {
        var depth = 0, inString = false, escaped = false
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else {
                guard visit(i, c, depth) else { return }
                if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 }
            }
            i = text.index(after: i)
        }
    }
}
