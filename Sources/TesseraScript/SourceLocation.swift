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
///
/// Lines are found when an error asks for one, by a scan of the text: an index of every
/// line up front would cost 32 bytes per newline, which a cell of a hundred million
/// newlines turns into gigabytes.
public final class Source: Sendable {
    public let name: String
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// The text of 1-based line `n`, without its newline; empty past the end.
    public func line(_ n: Int) -> String {
        guard n >= 1 else { return "" }
        let utf8 = text.utf8
        var start = utf8.startIndex
        var remaining = n - 1
        while remaining > 0 {
            guard let nl = utf8[start...].firstIndex(of: 0x0A) else { return "" }
            start = utf8.index(after: nl)
            remaining -= 1
        }
        let end = utf8[start...].firstIndex(of: 0x0A) ?? utf8.endIndex
        var s = String(text[start..<end])
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}
