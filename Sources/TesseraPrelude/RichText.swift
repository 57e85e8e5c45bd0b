import TesseraDisplay
import TesseraScript

/// A value that shows as rich output: what `html(...)`, `svg(...)` and `markdown(...)`
/// return, and what tables and charts become in the prelude.
public final class RichValue: NativeObject {
    public let bundle: MimeBundle
    public let kind: String

    public init(kind: String, bundle: MimeBundle) {
        self.kind = kind
        self.bundle = bundle
    }

    public var typeName: String { kind }
    public var plainText: String { bundle.plain }
    public var richRepresentations: [(mime: String, data: String)] {
        bundle.entries.filter { $0.mime != "text/plain" }
    }
    public var memberNames: [String] { ["text", "mimeTypes"] }
    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        switch name {
        case "text": return .string(bundle.plain)
        case "mimeTypes": return .array(bundle.entries.map { .string($0.mime) })
        default: return nil
        }
    }
}

enum RichText {
    static func maker(_ name: String, mime: String, doc: String, plain: @escaping (String) -> String) -> NativeFunction {
        NativeFunction(name, doc: doc, parameters: [.positional()]) { a, _ in
            guard case .string(let text) = a[0] else {
                throw ScriptError(.type, "\(name)(_:) needs a String, got \(a[0].typeName)")
            }
            var b = MimeBundle(plain: plain(text))
            b.set(mime, text)
            return .object(RichValue(kind: name == "svg" ? "SVG" : name == "html" ? "HTML" : "Markdown", bundle: b))
        }
    }

    static let functions: [NativeFunction] = [
        maker("html", mime: "text/html", doc: "html(_ text) -> HTML\nA rich value shown as HTML (text/plain: the tags stripped).") { stripTags($0) },
        maker("svg", mime: "image/svg+xml", doc: "svg(_ text) -> SVG\nA rich value shown as an SVG image.") { _ in "<SVG image>" },
        maker("markdown", mime: "text/markdown", doc: "markdown(_ text) -> Markdown\nA rich value shown as Markdown.") { $0 },
    ]

    /// The text of HTML without its tags; table cells are separated by two spaces and
    /// rows, paragraphs and line breaks end lines, so a table still reads as one.
    static func stripTags(_ s: String) -> String {
        var out = ""
        var tag = ""
        var inTag = false
        for c in s {
            if c == "<" {
                inTag = true
                tag = ""
            } else if c == ">" && inTag {
                inTag = false
                let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                let closing = tag.hasPrefix("/")
                if closing && (name == "td" || name == "th") {
                    out += "  "
                } else if (closing && ["tr", "p", "div", "li", "h1", "h2", "h3", "caption"].contains(name)) || name == "br" {
                    while out.hasSuffix(" ") { out.removeLast() }
                    if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
                }
            } else if inTag {
                tag.append(c)
            } else {
                out.append(c)
            }
        }
        while out.hasSuffix(" ") || out.hasSuffix("\n") { out.removeLast() }
        return out
    }
}
