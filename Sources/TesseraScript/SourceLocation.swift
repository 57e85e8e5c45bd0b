/// A place in a cell's source, 1-based, as errors report it.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line within the source.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    /// How many columns the construct spans on its line (at least 1), for the `^~~~` underline.
    public var length: Int

    public init(line: Int, column: Int, length: Int = 1) {
        self.line = line
        self.column = column
        self.length = max(1, length)
    }

    public var description: String { "line \(line), column \(column)" }
}

/// The text of one cell (or script file) and the name errors use for it: `cell 4` or `tour.tsr`.
public final class Source: Sendable {
    public let name: String
    public let text: String
    public let lines: [Substring]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The text of 1-based line `n`, without its newline; empty past the end.
    public func line(_ n: Int) -> String {
        guard n >= 1, n <= lines.count else { return "" }
        var s = String(lines[n - 1])
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}
