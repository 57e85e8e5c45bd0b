/// What a notebook front end renders: the same content in several MIME types, best
/// first, always with a `text/plain` fallback.
public struct MimeBundle: Sendable, Equatable {
    /// `(mime type, data)` pairs in the order they were added.
    public private(set) var entries: [(mime: String, data: String)]

    public init(plain: String) { entries = [("text/plain", plain)] }

    /// Adds (or replaces) one representation.
    public mutating func set(_ mime: String, _ data: String) {
        if let i = entries.firstIndex(where: { $0.mime == mime }) { entries[i].data = data }
        else { entries.append((mime, data)) }
    }

    public subscript(mime: String) -> String? { entries.first { $0.mime == mime }?.data }

    public var plain: String { self["text/plain"] ?? "" }

    public static func == (a: MimeBundle, b: MimeBundle) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.mime == $1.mime && $0.data == $1.data }
    }
}

/// Escaping for text placed in HTML or SVG.
public enum HTML {
    /// Classes that tell MathJax (versions 2 and 3) to leave an element's text alone: a
    /// notebook typesets `$...$` in HTML outputs, and tables of dollar amounts
    /// ("$1,234 ... $56") would read as formulas.
    public static let noMath = "tex2jax_ignore mathjax_ignore"

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
