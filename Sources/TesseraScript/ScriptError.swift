/// The kinds of error LANGUAGE.md names; `rawValue` is what users see (`NameError`).
public enum ErrorKind: String, Sendable, CaseIterable {
    case syntax = "SyntaxError"
    case name = "NameError"
    case type = "TypeError"
    case value = "ValueError"
    case shape = "ShapeError"
    case index = "IndexError"
    case key = "KeyError"
    case io = "IOError"
    case data = "DataError"
    case training = "TrainingError"
    case tuning = "TuneError"
    case recursion = "RecursionError"
    /// A request for more memory than the machine (or the configured limit) can give.
    case memory = "MemoryError"
    case interrupted = "Interrupted"
}

/// One frame of a script call stack, innermost last, for the traceback of an error raised
/// inside a function.
public struct CallSite: Sendable, Equatable {
    public var function: String
    public var source: Source
    public var location: SourceLocation
    /// How many more times the same call repeated directly (deep recursion).
    public var repeats = 0
    public static func == (a: CallSite, b: CallSite) -> Bool {
        a.function == b.function && a.source === b.source && a.location == b.location
    }
}

/// An error raised while lexing, parsing or running Tessera code.
///
/// It carries the kind, the message, the place (source and location) and an optional
/// suggestion; `formatted` renders it the way LANGUAGE.md shows:
/// ```
/// NameError: 'trian' is not defined (cell 4, line 2, column 11)
///     model.fit(trian, epochs: 3)
///               ^~~~~
/// did you mean 'train'?
/// ```
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    public var kind: ErrorKind
    public var message: String
    public var source: Source?
    public var location: SourceLocation?
    public var suggestion: String?
    /// The calls the error passed through on its way out, innermost first.
    public var callStack: [CallSite] = []
    /// True when a parse failed only because the input ended early (`is_complete` says
    /// "incomplete" then, rather than "invalid").
    public var atEndOfInput = false

    public init(_ kind: ErrorKind, _ message: String, at location: SourceLocation? = nil,
                in source: Source? = nil, suggestion: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.source = source
        self.suggestion = suggestion
    }

    /// Fills in the place if the thrower did not know it (native code raising from a call).
    /// Records that the error passed out through a call of `function` at `loc`.
    mutating func passedThrough(_ function: String, at loc: SourceLocation, in src: Source) {
        let site = CallSite(function: function, source: src, location: loc)
        if let last = callStack.last, last == site {
            callStack[callStack.count - 1].repeats += 1
        } else if callStack.count < 50 {
            callStack.append(site)
        }
    }

    func located(_ loc: SourceLocation, in src: Source) -> ScriptError {
        var e = self
        if e.location == nil { e.location = loc; e.source = src }
        return e
    }

    /// `NameError: 'x' is not defined (cell 4, line 2, column 11)`, the first line.
    public var headline: String { "\(kind.rawValue): \(messageWithPlace)" }

    /// The message and the place, without the kind: Jupyter's `evalue`.
    public var messageWithPlace: String {
        guard let loc = location else { return message }
        let name = source.map { "\($0.name), " } ?? ""
        return "\(message) (\(name)\(loc))"
    }

    /// Every line of the report: headline, source line, caret, suggestion, call stack.
    public var formattedLines: [String] {
        var out = [headline]
        if let loc = location, let src = source {
            let text = src.line(loc.line)
            if !text.isEmpty {
                out.append("    " + text)
                let scalars = Array(text.unicodeScalars)
                var pad = ""
                for i in 0..<max(0, loc.column - 1) {
                    // A combining mark takes no column of its own on screen.
                    if i < scalars.count && Lexer.isCombiningMark(scalars[i]) { continue }
                    pad += (i < scalars.count && scalars[i] == "\t") ? "\t" : " "
                }
                let room = max(1, min(loc.length, scalars.count - loc.column + 1))
                out.append("    " + pad + "^" + String(repeating: "~", count: max(0, room - 1)))
            }
        }
        if let s = suggestion { out.append(s) }
        for site in callStack {
            out.append("  in '\(site.function)', called at \(site.source.name), \(site.location)")
            let text = site.source.line(site.location.line).trimmingLeadingSpaces()
            if !text.isEmpty { out.append("    " + text) }
            if site.repeats > 0 { out.append("  [the call above repeated \(site.repeats) more times]") }
        }
        return out
    }

    public var formatted: String { formattedLines.joined(separator: "\n") }
    public var description: String { formatted }
}

extension String {
    /// A type name with its article, for messages: "an Array", "a Dict".
    public var withArticle: String {
        ("AEIOU".contains(first ?? "x") ? "an " : "a ") + self
    }

    func trimmingLeadingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }))
    }
}
