import Foundation
import TesseraDisplay
import TesseraScript

/// A value that shows as rich output: what `html(...)`, `svg(...)` and `markdown(...)`
/// return, and what tables and charts become in the prelude.
public final class RichValue: DeclaredMembers {
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
    public static let nativeMembers = NativeMembers<RichValue>([
        .property(name: "text", doc: "The plain-text form a terminal shows.") { o in .string(o.bundle.plain) },
        .property(name: "mimeTypes", doc: "The forms it carries (text/plain, text/html, image/svg+xml, ...).") { o in .array(o.bundle.entries.map { .string($0.mime) }) },
    ])
}

enum RichText {
    static func maker(_ name: String, mime: String, summary: String, example: String, plain: @escaping (String) -> String) -> NativeFunction {
        let kind = name == "svg" ? "SVG" : name == "html" ? "HTML" : "Markdown"
        return NativeFunction(Declaration(name, [.positional("text", .string, "the \(kind) source")], returns: kind, summary: summary, example: example)) { a, _ in
            let text = try a.string("text")
            var b = MimeBundle(plain: plain(text))
            b.set(mime, text)
            return .object(RichValue(kind: kind, bundle: b))
        }
    }

    static let functions: [NativeFunction] = [
        maker("html", mime: "text/html", summary: "A rich value shown as HTML (its text/plain: the text without the tags).",
              example: "html(\"<b>fraud</b> rate: 0.8%\")") { stripTags($0) },
        maker("svg", mime: "image/svg+xml", summary: "A rich value shown as an SVG image.",
              example: "svg(\"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'><circle cx='10' cy='10' r='8'/></svg>\")") { _ in "<SVG image>" },
        maker("markdown", mime: "text/markdown", summary: "A rich value shown as Markdown.", example: "markdown(\"# Results\\n*precision* first\")") { $0 },
        barChart,
        displayOptions,
    ]

    /// `displayOptions(maxRows: 20)`: pandas' `set_option("display.max_rows", 20)` and numpy's
    /// `set_printoptions` in one call; with no arguments, the options in effect.
    static var displayOptionFields: [(name: String, path: WritableKeyPath<DisplayOptions, Int>, range: ClosedRange<Int>, doc: String)] { [
        ("maxRows", \.maxRows, 1...1_000_000, "Frame rows shown (10)"), ("maxColumns", \.maxColumns, 1...100_000, "Frame columns shown (20)"),
        ("precision", \.precision, 1...17, "significant digits of floats in tables (6)"),
        ("maxItems", \.maxItems, 10...100_000_000, "Array elements shown before the middle is elided (1000)"),
        ("maxCharacters", \.maxCharacters, 10...1_000_000_000, "String characters shown before the middle is elided (2000)"),
    ] }

    static let displayOptions = NativeFunction(Declaration(
        "displayOptions",
        displayOptionFields.map { .labelled($0.name, .int, default: .nil, range: .from(Double($0.range.lowerBound), through: Double($0.range.upperBound)), $0.doc) },
        returns: "Dict", summary: "How much of a large value results show; returns the options now in effect.",
        discussion: "As pandas' set_option(\"display.max_rows\", ...) and numpy's set_printoptions in one call; %reset restores the defaults.",
        example: "displayOptions(maxRows: 20, precision: 3)", errors: [(.value, "a value is outside its range")])) { a, _ in
        var options = DisplayOptions.current
        for f in displayOptionFields where !a.isNil(f.name) {
            let n = try a.int(f.name)
            guard f.range.contains(n) else {
                throw ScriptError(.value, "displayOptions(\(f.name):) must be in \(f.range.lowerBound)...\(f.range.upperBound); got \(n)")
            }
            options[keyPath: f.path] = n
        }
        DisplayOptions.current = options
        return Convert.dict(displayOptionFields.map { ($0.name, .int(options[keyPath: $0.path])) })
    }

    /// `barChart(["matmul 512": ["reference": 90.0, "openblas": 0.4]], title:, unit:, log:)`.
    static let barChart = NativeFunction(Declaration(
        "barChart", [.positional("groups", .dict, "group → (series → number)"), .labelled("title", .string, default: .string(""), "the chart's title"),
                     .labelled("unit", .string, default: .string(""), "the values' unit, on the axis"),
                     .labelled("log", .bool, default: .bool(false), "a logarithmic axis")],
        returns: "Chart", summary: "Grouped bars from a Dict of group → Dict of series → number (timings per backend, say).",
        example: "barChart([\"matmul 512\": [\"reference\": 90.0, \"openblas\": 0.4]], title: \"ms per product\", unit: \"ms\", log: true)")) { a, _ in
        guard case .dict(let groups) = a["groups"] else { throw ScriptError(.type, "barChart(_:) needs a Dict of group → Dict of series → number") }
        var names: [String] = [], rows: [[String: Double]] = [], seriesNames: [String] = []
        for (key, value) in groups.entries {
            guard case .dict(let inner) = value else { throw ScriptError(.type, "barChart(_:): the value for \(key) must be a Dict of series → number") }
            var row: [String: Double] = [:]
            for (k, v) in inner.entries {
                let name = k.description
                row[name] = try Convert.double(v, "barChart(_:) value of \(name)")
                if !seriesNames.contains(name) { seriesNames.append(name) }
            }
            names.append(key.description)
            rows.append(row)
        }
        let chart = BarChart(title: try a.string("title"), unit: try a.string("unit"), groups: names,
                             series: seriesNames.map { n in (n, rows.map { $0[n] }) }, logarithmic: try a.bool("log"))
        return .object(RichValue(kind: "Chart", bundle: chart.bundle))
    }

    /// The text of HTML without its tags, for text/plain: tables become aligned columns,
    /// rows, paragraphs and line breaks end lines, and the common entities are decoded.
    static func stripTags(_ s: String) -> String {
        var out = ""
        var rows: [[String]] = []
        var cell: String?
        var tag = ""
        var inTag = false
        func newline() {
            while out.hasSuffix(" ") { out.removeLast() }
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        }
        for c in s {
            if c == "<" {
                inTag = true
                tag = ""
                continue
            }
            if !inTag {
                if cell != nil { cell!.append(c) } else { out.append(c) }
                continue
            }
            if c != ">" { tag.append(c); continue }
            inTag = false
            let closing = tag.hasPrefix("/")
            let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
            switch (name, closing) {
            case ("table", false): newline(); rows = []
            case ("tr", false): rows.append([])
            case ("td", false), ("th", false): cell = ""
            case ("td", true), ("th", true):
                if rows.isEmpty { rows.append([]) }
                rows[rows.count - 1].append(decodeEntities(cell ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
                cell = nil
            case ("table", true):
                out += alignedRows(rows.filter { !$0.isEmpty })
                rows = []
                newline()
            case ("caption", true), ("p", true), ("div", true), ("li", true), ("h1", true), ("h2", true), ("h3", true), ("br", _):
                if cell == nil { newline() }
            case ("tr", true) where rows.isEmpty:
                if cell == nil { newline() }
            default: break
            }
        }
        if !rows.isEmpty { out += alignedRows(rows) }
        out = decodeEntities(out)
        while out.hasSuffix(" ") || out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    /// Rows as columns padded to their widest cell, two spaces apart.
    static func alignedRows(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
    }

}
