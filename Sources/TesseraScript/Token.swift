/// The reserved words of LANGUAGE.md.
public enum Keyword: String, Sendable, CaseIterable {
    case `let`, `var`, `func`, `return`, `if`, `else`, `for`, `in`, `while`, `break`, `continue`
    case `nil`, `true`, `false`, and, or, not, `guard`, `throw`

    /// Swift's words that the parser reads as such only where one begins a statement or
    /// clause, so they stay usable as names elsewhere (`let do = 1`, a column `case`).
    public static let contextual = ["switch", "case", "default", "repeat", "do", "catch", "try", "where"]
}

/// A piece of a string literal: literal text, or the source of an interpolation `\( ... )`.
public enum StringPart: Sendable, Equatable {
    case text(String)
    /// The interpolated source and where its first character sits in the cell.
    case code(String, SourceLocation)
}

public enum TokenKind: Sendable, Equatable {
    case identifier(String)
    case keyword(Keyword)
    case int(Int)
    case double(Double)
    case string([StringPart])
    /// `$0`, `$1`: a closure's shorthand argument.
    case dollar(Int)
    /// Punctuation and operators, spelled as in source (`..<`, `+=`, `?.`).
    case punct(String)
    case end
}

/// One lexeme with its place and the layout facts the parser needs: whether a newline or
/// whitespace came before it (statements end at newlines; `a?.b` differs from `a ? b : c`).
public struct Token: Sendable {
    public var kind: TokenKind
    public var location: SourceLocation
    public var newlineBefore: Bool
    public var spaceBefore: Bool

    /// How the token reads in an error message.
    public var spelling: String {
        switch kind {
        case .identifier(let s): return "'\(s)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .int(let i): return "'\(i)'"
        case .double(let d): return "'\(d)'"
        case .string: return "a string"
        case .dollar(let n): return "'$\(n)'"
        case .punct(let p): return "'\(p)'"
        case .end: return "the end of the cell"
        }
    }

    /// `(`, `[` or `{`.
    public var isOpener: Bool { isPunct("(") || isPunct("[") || isPunct("{") }
    /// `)`, `]` or `}`.
    public var isCloser: Bool { isPunct(")") || isPunct("]") || isPunct("}") }

    func isPunct(_ p: String) -> Bool { if case .punct(let q) = kind { return q == p }; return false }
    func isKeyword(_ k: Keyword) -> Bool { if case .keyword(let q) = kind { return q == k }; return false }
    var isEnd: Bool { if case .end = kind { return true }; return false }
    /// An identifier that some statements read as a word of their own (`case`, `where`).
    func isWord(_ w: String) -> Bool { if case .identifier(let q) = kind { return q == w }; return false }
}
