import Foundation
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
        barChart,
        displayOptions,
    ]

    /// `displayOptions(maxRows: 20)`: pandas' `set_option("display.max_rows", 20)` and numpy's
    /// `set_printoptions` in one call; with no arguments, the options in effect.
    static let displayOptions = NativeFunction(
        "displayOptions",
        doc: "displayOptions(maxRows: nil, maxColumns: nil, precision: nil, maxItems: nil, maxCharacters: nil) -> Dict\nHow much of a large value results show: Frame rows (10) and columns (20), significant digits of floats in tables (6), Array elements (1000) and String characters (2000) before the middle is elided. Returns the options now in effect; %reset restores the defaults.",
        parameters: ["maxRows", "maxColumns", "precision", "maxItems", "maxCharacters"].map { .labelled($0) }
    ) { a, _ in
        var options = DisplayOptions.current
        let fields: [(String, WritableKeyPath<DisplayOptions, Int>, ClosedRange<Int>)] = [
            ("maxRows", \.maxRows, 1...1_000_000), ("maxColumns", \.maxColumns, 1...100_000), ("precision", \.precision, 1...17),
            ("maxItems", \.maxItems, 10...100_000_000), ("maxCharacters", \.maxCharacters, 10...1_000_000_000),
        ]
        for (i, (name, path, range)) in fields.enumerated() where !a[i].isNil {
            let n = try Convert.int(a[i], "displayOptions(\(name):)")
            guard range.contains(n) else {
                throw ScriptError(.value, "displayOptions(\(name):) must be in \(range.lowerBound)...\(range.upperBound); got \(n)")
            }
            options[keyPath: path] = n
        }
        DisplayOptions.current = options
        return Convert.dict(fields.map { ($0.0, .int(options[keyPath: $0.1])) })
    }

    /// `barChart(["matmul 512": ["reference": 90.0, "openblas": 0.4]], title:, unit:, log:)`.
    static let barChart = NativeFunction(
        "barChart", doc: "barChart(_ groups, title: \"\", unit: \"\", log: false) -> Chart\nGrouped bars from a Dict of group → Dict of series → number (timings per backend, say).",
        parameters: [.positional(), .labelled("title", default: .string("")), .labelled("unit", default: .string("")), .labelled("log", default: .bool(false))]
    ) { a, _ in
        guard case .dict(let groups) = a[0] else { throw ScriptError(.type, "barChart(_:) needs a Dict of group → Dict of series → number") }
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
        let chart = BarChart(title: try Convert.string(a[1], "barChart(title:)"), unit: try Convert.string(a[2], "barChart(unit:)"), groups: names,
                             series: seriesNames.map { n in (n, rows.map { $0[n] }) }, logarithmic: try Convert.bool(a[3], "barChart(log:)"))
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
