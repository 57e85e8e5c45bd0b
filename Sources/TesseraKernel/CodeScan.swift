import Foundation

/// The code before the cursor as completion and inspection read it, without parsing: which
/// brackets are still open, where each closed one opened, and where string literals lie.
/// One forward pass that skips strings and comments, so that `print("(")` has no open
/// bracket; code being typed is rarely valid, so this never fails.
struct CodeScan {
    let chars: [Character]
    /// Indices of the brackets still open at the end, innermost last.
    private(set) var open: [Int] = []
    /// For each closing bracket's index, its opening bracket's index.
    private(set) var opening: [Int: Int] = [:]
    /// For each string literal's closing quote, its opening quote.
    private(set) var stringOpening: [Int: Int] = [:]

    init(_ chars: [Character]) {
        self.chars = chars
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "/", i + 1 < chars.count, chars[i + 1] == "/" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
                continue
            }
            if c == "\"" {
                let start = i
                let triple = i + 2 < chars.count && chars[i + 1] == "\"" && chars[i + 2] == "\""
                i += triple ? 3 : 1
                while i < chars.count {
                    if chars[i] == "\\" { i += 2; continue }
                    if chars[i] == "\"", !triple || (i + 2 < chars.count && chars[i + 1] == "\"" && chars[i + 2] == "\"") {
                        if triple { i += 2 }
                        stringOpening[i] = start
                        break
                    }
                    if !triple, chars[i] == "\n" { break }
                    i += 1
                }
                i += 1
                continue
            }
            if "([{".contains(c) {
                open.append(i)
            } else if ")]}".contains(c), let o = open.popLast() {
                opening[i] = o
            }
            i += 1
        }
    }

    static func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "$" }

    /// One piece of a postfix chain, in source order.
    enum Link: Equatable {
        /// The chain's start: a name (`df`), or a member after a dot (`.head`).
        case name(String)
        /// A call's argument list, `(...)`.
        case call
        /// A subscript, `[...]`, with the text inside.
        case `subscript`(String)
        /// A literal at the start: a string, an Array or Dict, a number.
        case stringLiteral, arrayLiteral, dictLiteral, numberLiteral
    }

    /// The postfix chain that ends just before `end` (`dataset("iris").head(3)` as name,
    /// call, name, call) and the index where it starts, or nil when there is none there.
    func chain(endingAt end: Int) -> (links: [Link], start: Int)? {
        var links: [Link] = []
        var p = end
        while p > 0 {
            let c = chars[p - 1]
            var startOfChain = false
            if (c == ")" || c == "]"), let o = opening[p - 1] {
                let inner = String(chars[(o + 1)..<(p - 1)])
                let follows = o > 0 && (CodeScan.isNameChar(chars[o - 1]) || chars[o - 1] == ")" || chars[o - 1] == "]" || chars[o - 1] == "\"")
                if follows {
                    links.append(c == ")" ? .call : .subscript(inner))
                    p = o
                    continue  // a call or subscript applies to what precedes it, with no dot
                }
                if c == "]" {
                    links.append(CodeScan.isDictLiteral(inner) ? .dictLiteral : .arrayLiteral)
                    p = o
                    startOfChain = true
                } else {
                    return nil  // a parenthesized expression: its type is not known without running it
                }
            } else if c == "\"", let s = stringOpening[p - 1] {
                links.append(.stringLiteral)
                p = s
                startOfChain = true
            } else if CodeScan.isNameChar(c) {
                var s = p
                while s > 0, CodeScan.isNameChar(chars[s - 1]) { s -= 1 }
                let word = String(chars[s..<p])
                p = s
                if word.first!.isNumber {
                    // `xs.0` is a tuple member; a number that starts the chain is a literal.
                    if p > 0, chars[p - 1] == "." { links.append(.name(word)) } else { links.append(.numberLiteral); startOfChain = true }
                } else {
                    links.append(.name(word))
                }
            } else {
                break
            }
            if !startOfChain, p > 0, chars[p - 1] == "." { p -= 1; continue }
            break
        }
        return links.isEmpty ? nil : (links.reversed(), p)
    }

    /// The call whose argument list is the innermost open bracket at the end: the index of
    /// its `(`; nil inside an Array, a closure, a parenthesized expression or no bracket.
    var openCall: Int? {
        guard let o = open.last, isCall(o) else { return nil }
        return o
    }

    /// The innermost call still open at the end, also from inside an Array or closure among
    /// its arguments (`Sequential([Dense(4), |`): the index of its `(`.
    var enclosingCall: Int? { open.last { isCall($0) } }

    private func isCall(_ o: Int) -> Bool {
        guard chars[o] == "(", o > 0 else { return false }
        let before = chars[o - 1]
        return CodeScan.isNameChar(before) || before == ")" || before == "]"
    }

    /// Whether a bracket's content has a top-level `:`, which makes `[...]` a Dict.
    static func isDictLiteral(_ inner: String) -> Bool {
        if inner.trimmingCharacters(in: .whitespaces) == ":" { return true }
        var depth = 0, inString = false
        for c in inner {
            if c == "\"" { inString.toggle() }
            if inString { continue }
            if "([{".contains(c) { depth += 1 } else if ")]}".contains(c) { depth -= 1 } else if c == ":", depth == 0 { return true }
        }
        return false
    }
}
