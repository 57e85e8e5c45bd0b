import Foundation

/// Turns source text into tokens.
///
/// The lexer works on Unicode scalars so that columns in error messages count what a user
/// sees, and it never recurses: a 10 MB cell is lexed in one linear pass. String
/// interpolations are kept as source text with their position; the parser lexes them again
/// when it meets them, so nested strings inside `\( ... )` work.
public struct Lexer {
    private let chars: [Unicode.Scalar]
    private let source: Source
    private var i = 0
    private var line: Int
    private var lineStart = 0
    private var columnBase: Int
    private let firstLine: Int
    private var tokens: [Token] = []
    private var newlineBefore = true
    private var spaceBefore = true
    private var lastWasDot = false

    /// - Parameters:
    ///   - text: the code to lex.
    ///   - source: the cell it belongs to, for error messages.
    ///   - line, column: where `text` starts in that cell (interpolations start mid-line).
    public init(_ text: String, source: Source, line: Int = 1, column: Int = 1) {
        // Four bytes a scalar: the one copy of the text the lexer makes. Tokens are not
        // reserved up front (a count in proportion to the text would be 19 bytes a byte for a
        // cell that is one long string); they grow as they are found.
        self.chars = Array(text.unicodeScalars)
        self.source = source
        self.line = line
        self.columnBase = column
        self.firstLine = line
    }

    /// The place of a token that began at `start` on line `startLine` (whose first scalar
    /// is at `lineStartIndex`) and ends at `i`; one that spans lines is underlined by one caret.
    private func loc(_ start: Int, line startLine: Int? = nil, lineStart lineStartIndex: Int? = nil) -> SourceLocation {
        let l = startLine ?? line
        let col = (l == firstLine ? columnBase : 1) + (start - (lineStartIndex ?? lineStart))
        return SourceLocation(line: l, column: col, length: l == line ? max(1, i - start) : 1)
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? {
        let j = i + k
        return j < chars.count ? chars[j] : nil
    }

    /// A SyntaxError at `start`; a construct that began on an earlier line (a comment, a
    /// multi-line string) passes that line and its first scalar, so the column stays its own.
    private func error(_ message: String, at start: Int, line startLine: Int? = nil, lineStart startLineStart: Int? = nil,
                       atEnd: Bool = false) -> ScriptError {
        var e = ScriptError(.syntax, message, at: loc(start, line: startLine, lineStart: startLineStart), in: source)
        e.atEndOfInput = atEnd
        return e
    }

    private mutating func newline() {
        line += 1
        lineStart = i
    }

    /// The scalars as a String, by way of their UTF-8 (the generic
    /// `String.UnicodeScalarView(_:)` spent thousands of instructions on a name). A short
    /// one comes out held in the String's own bits, as Dict keys are hashed fastest.
    static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(scalars.count)
        for c in scalars {
            if c.isASCII { utf8.append(UInt8(c.value)) } else { utf8.append(contentsOf: UTF8.encode(c)!) }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Lexes the whole text; the last token is `.end`.
    public mutating func tokenize() throws -> [Token] {
        while true {
            try skipTrivia()
            let start = i
            let startLine = line, startLineStart = lineStart
            guard let c = peek() else {
                tokens.append(Token(kind: .end, location: loc(start), newlineBefore: true, spaceBefore: true))
                return tokens
            }
            let kind: TokenKind
            if c == "\"" {
                kind = .string(try lexString())
            } else if isDigit(c) {
                kind = try lexNumber()
            } else if isIdentStart(c) {
                while let d = peek(), isIdentPart(d) { i += 1 }
                // Names compare as users see them: é typed as one scalar or as e + U+0301 is
                // the same name (Unicode's canonical composition, NFC).
                var word = Self.text(chars[start..<i])
                if !chars[start..<i].allSatisfy(\.isASCII) { word = word.precomposedStringWithCanonicalMapping }
                if let k = Keyword(rawValue: word) { kind = .keyword(k) }
                else { kind = .identifier(word) }
            } else if c == "$" {
                i += 1
                let ds = i
                while let d = peek(), isDigit(d) { i += 1 }
                guard i > ds, let n = Int(Self.text(chars[ds..<i])) else {
                    throw error("'$' must be followed by a number, as in $0", at: start)
                }
                kind = .dollar(n)
            } else {
                kind = .punct(try lexPunct(start))
            }
            tokens.append(Token(kind: kind, location: loc(start, line: startLine, lineStart: startLineStart),
                                newlineBefore: newlineBefore, spaceBefore: spaceBefore))
            lastWasDot = (kind == .punct(".") || kind == .punct("?."))
            newlineBefore = false
            spaceBefore = false
        }
    }

    private mutating func skipTrivia() throws {
        while let c = peek() {
            if c == "\n" {
                i += 1; newline(); newlineBefore = true; spaceBefore = true
            } else if c == " " || c == "\t" || c == "\r" {
                i += 1; spaceBefore = true
            } else if c == "/" && peek(1) == "/" {
                while let d = peek(), d != "\n" { i += 1 }
            } else if c == "/" && peek(1) == "*" {
                let start = i, startLine = line, startLineStart = lineStart
                i += 2
                var depth = 1
                while depth > 0 {
                    guard let d = peek() else {
                        throw error("unterminated comment: a '/*' has no matching '*/'", at: start, line: startLine, lineStart: startLineStart, atEnd: true)
                    }
                    if d == "/" && peek(1) == "*" { depth += 1; i += 2 }
                    else if d == "*" && peek(1) == "/" { depth -= 1; i += 2 }
                    else { i += 1; if d == "\n" { newline(); newlineBefore = true } }
                }
                spaceBefore = true
            } else {
                return
            }
        }
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    private func isHex(_ c: Unicode.Scalar) -> Bool {
        isDigit(c) || (c.value >= 65 && c.value <= 70) || (c.value >= 97 && c.value <= 102)
    }
    private func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return c == "_" || (c.value | 0x20 >= 97 && c.value | 0x20 <= 122) }
        return c.properties.isAlphabetic
    }
    /// Letters, digits, and (as in Swift) combining marks after the first character, so
    /// that `é` typed as `e` + U+0301 is one identifier.
    private func isIdentPart(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || c.properties.numericType != nil || isDigit(c) || Self.isCombiningMark(c)
    }

    static func isCombiningMark(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return c.value == 0x200D  // zero-width joiner, inside emoji sequences
        }
    }

    /// A scalar as an error message can show it: invisible and combining ones by their
    /// code point and name (a bare combining mark would fuse with the quote around it).
    static func describe(_ c: Unicode.Scalar) -> String {
        let code = "U+" + String(c.value, radix: 16, uppercase: true).leftPadded(to: 4)
        let name = c.properties.name.map { " (\($0))" } ?? ""
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator,
             .privateUse, .surrogate, .unassigned:
            return code + name
        default:
            return "'\(c)' (\(code))"
        }
    }

    private mutating func lexNumber() throws -> TokenKind {
        let start = i
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            i += 2
            var digits = ""
            while let d = peek(), isHex(d) || d == "_" { if d != "_" { digits.unicodeScalars.append(d) }; i += 1 }
            guard let v = Int(digits, radix: 16) else { throw error("invalid hexadecimal literal", at: start) }
            return .int(v)
        }
        var text = ""
        func digits() { while let d = peek(), isDigit(d) || d == "_" { if d != "_" { text.unicodeScalars.append(d) }; i += 1 } }
        digits()
        var isDouble = false
        // After a `.` (as in `t.0.1`), a number is a tuple index: never a Double.
        if !lastWasDot, peek() == ".", let n = peek(1), isDigit(n) {
            isDouble = true
            text += "."; i += 1
            digits()
        }
        if !lastWasDot, let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let s = peek(1), s == "+" || s == "-" { k = 2 }
            if let d = peek(k), isDigit(d) {
                isDouble = true
                for _ in 0..<k { text.unicodeScalars.append(peek()!); i += 1 }
                digits()
            }
        }
        if let d = peek(), isIdentStart(d) {
            throw error("'\(d)' cannot follow a number; put an operator or a space between them", at: i)
        }
        if isDouble {
            guard let v = Double(text) else { throw error("invalid number literal '\(text)'", at: start) }
            return .double(v)
        }
        guard let v = Int(text) else {
            throw error("integer literal '\(text)' does not fit in 64 bits; write it as a Double (\(text).0)", at: start)
        }
        return .int(v)
    }

    /// The punctuation, longest first, so that `..<` is one token and not `.` then `.<`.
    private static let puncts: [(spelling: String, scalars: [Unicode.Scalar])] = [
        "..<", "...", "**=", "\\.",
        "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "->", "+=", "-=", "*=", "/=", "%=", "**",
        "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "?", "=", "+", "-", "*", "/", "%", "<", ">", "!", "@",
    ].map { ($0, Array($0.unicodeScalars)) }

    private mutating func lexPunct(_ start: Int) throws -> String {
        if (chars[i] == "+" || chars[i] == "-") && i + 1 < chars.count && chars[i + 1] == chars[i] {
            let plus = chars[i] == "+"
            throw error("there is no '\(plus ? "++" : "--")' operator, as in Swift: write x \(plus ? "+=" : "-=") 1", at: start)
        }
        if chars[i] == "<" && i + 1 < chars.count && chars[i + 1] == "<" {
            throw error("there are no bit shifts (<<); multiply or divide by a power of two instead: x * 4, x / 8", at: start)
        }
        // (Scalars compared where they are: a String made and hashed for each length tried
        // was most of the lexer's time.)
        for (spelling, scalars) in Self.puncts where i + scalars.count <= chars.count {
            if scalars.indices.allSatisfy({ chars[i + $0] == scalars[$0] }) {
                i += scalars.count
                return spelling
            }
        }
        let c = chars[i]
        i += 1
        if c == "'" {
            throw error("strings use double quotes: \"...\"", at: start)
        }
        if c == "&", i < chars.count, chars[i].properties.isXIDStart || chars[i] == "_" {
            throw error("there is no inout (&x): return the new value and assign it, as in: x = adjusted(x)", at: start)
        }
        if c == "&" || c == "|" || c == "^" || c == "~" {
            throw error("there are no bitwise operators (\(c)); && and || are the logical ones, and Int arithmetic (/, %, *) does the rest", at: start)
        }
        if Self.isCombiningMark(c) {
            throw error("the combining mark \(Self.describe(c)) has no letter before it to combine with",
                        at: start)
        }
        throw error("unexpected character \(Self.describe(c))", at: start)
    }

    /// Lexes `"..."` or `"""..."""` starting at the opening quote.
    private mutating func lexString() throws -> [StringPart] {
        let start = i
        if peek(1) == "\"" && peek(2) == "\"" { return try lexMultilineString() }
        i += 1
        var parts: [StringPart] = []
        var text = ""
        while true {
            guard let c = peek(), c != "\n" else {
                throw error("unterminated string: add a closing '\"' on the same line (or use \"\"\" for several lines)",
                            at: start, atEnd: peek() == nil)
            }
            if c == "\"" { i += 1; break }
            if c == "\\" {
                if peek(1) == "(" {
                    if !text.isEmpty { parts.append(.text(text)); text = "" }
                    parts.append(try lexInterpolation())
                    continue
                }
                text.unicodeScalars.append(try lexEscape())
                continue
            }
            // Take a run of ordinary characters at once.
            let runStart = i
            while i < chars.count, chars[i] != "\"", chars[i] != "\\", chars[i] != "\n" { i += 1 }
            text += Self.text(chars[runStart..<i])
        }
        if !text.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        return parts
    }

    private mutating func lexEscape() throws -> Unicode.Scalar {
        let start = i
        i += 1
        guard let e = peek() else { throw error("unterminated escape", at: start, atEnd: true) }
        i += 1
        switch e {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "0": return "\0"
        case "\"": return "\""
        case "'": return "'"
        case "\\": return "\\"
        case "u":
            guard peek() == "{" else { throw error("write a Unicode escape as \\u{1F600}", at: start) }
            i += 1
            var hex = ""
            while let d = peek(), isHex(d) { hex.unicodeScalars.append(d); i += 1 }
            guard peek() == "}", let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) else {
                throw error("invalid Unicode escape; write it as \\u{1F600}", at: start)
            }
            i += 1
            return s
        default:
            throw error("unknown escape '\\\(e)'; use \\n \\t \\\" \\\\ or \\u{...}", at: start)
        }
    }

    /// Reads `\( ... )` up to its matching parenthesis, skipping nested strings.
    private mutating func lexInterpolation() throws -> StringPart {
        let start = i
        i += 2
        let codeStart = i
        let codeLoc = SourceLocation(line: line, column: (line == firstLine ? columnBase : 1) + (i - lineStart))
        var depth = 1
        while depth > 0 {
            guard let c = peek() else { throw error("unterminated interpolation '\\('", at: start, atEnd: true) }
            if c == "\n" { throw error("an interpolation '\\( ... )' must close on its line", at: start) }
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == "\"" {
                i += 1
                while let d = peek(), d != "\"" && d != "\n" { i += (d == "\\" ? 2 : 1) }
            }
            i += 1
        }
        let code = Self.text(chars[codeStart..<(i - 1)])
        return .code(code, codeLoc)
    }

    /// `"""` strings: the content starts on the line after the opening quotes and ends on
    /// the line before the closing ones; the closing line's indentation is removed from
    /// every line, as in Swift.
    private mutating func lexMultilineString() throws -> [StringPart] {
        let start = i, startLine = line, startLineStart = lineStart
        i += 3
        while let c = peek(), c == " " || c == "\t" { i += 1 }
        guard peek() == "\n" else { throw error("a multi-line string starts on the line after '\"\"\"'", at: start) }
        i += 1; newline()
        // Collect raw lines first to learn the closing indentation.
        var rawLines: [(scalars: [Unicode.Scalar], line: Int)] = []
        var current: [Unicode.Scalar] = []
        var indent: [Unicode.Scalar] = []
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string: close it with '\"\"\"' on its own line", at: start,
                            line: startLine, lineStart: startLineStart, atEnd: true)
            }
            if c == "\"" && peek(1) == "\"" && peek(2) == "\"" && current.allSatisfy({ $0 == " " || $0 == "\t" }) {
                indent = current
                i += 3
                break
            }
            if c == "\n" {
                rawLines.append((current, line)); current = []
                i += 1; newline()
                continue
            }
            current.append(c); i += 1
        }
        var parts: [StringPart] = []
        var text = ""
        for (n, raw) in rawLines.enumerated() {
            var body = raw.scalars[...]
            if body.starts(with: indent) { body = body.dropFirst(indent.count) }
            else if !body.allSatisfy({ $0 == " " || $0 == "\t" }) {
                throw ScriptError(.syntax, "a line of a multi-line string is indented less than its closing '\"\"\"'",
                                  at: SourceLocation(line: raw.line, column: 1), in: source)
            }
            // Re-lex the line for escapes and interpolations.
            var k = body.startIndex
            while k < body.endIndex {
                let c = body[k]
                if c == "\\", k + 1 < body.endIndex, body[k + 1] == "(" {
                    var depth = 0
                    var j = k + 1
                    repeat {
                        if body[j] == "(" { depth += 1 }
                        if body[j] == ")" { depth -= 1 }
                        j += 1
                    } while depth > 0 && j < body.endIndex
                    guard depth == 0 else {
                        throw ScriptError(.syntax, "unterminated interpolation '\\('",
                                          at: SourceLocation(line: raw.line, column: k + 1), in: source)
                    }
                    if !text.isEmpty { parts.append(.text(text)); text = "" }
                    let code = Self.text(body[(k + 2)..<(j - 1)])
                    parts.append(.code(code, SourceLocation(line: raw.line, column: k + 3)))
                    k = j
                    continue
                }
                if c == "\\", k + 1 < body.endIndex {
                    let e = body[k + 1]
                    switch e {
                    case "n": text += "\n"; k += 2; continue
                    case "t": text += "\t"; k += 2; continue
                    case "\"": text += "\""; k += 2; continue
                    case "\\": text += "\\"; k += 2; continue
                    default: break
                    }
                }
                text.unicodeScalars.append(c)
                k += 1
            }
            if n < rawLines.count - 1 { text += "\n" }
        }
        if !text.isEmpty || parts.isEmpty { parts.append(.text(text)) }
        return parts
    }
}

extension String {
    /// The string with zeros in front, up to `width` characters.
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}
