import Foundation
import TesseraTensor
import TesseraDisplay

/// `tessera convert NOTEBOOK.ipynb --to tsr | html`: a notebook as a script, or as a
/// standalone HTML page with its outputs (SVG inline, HTML as rendered, images embedded)
/// for sharing with people who do not run Jupyter.
public enum NotebookExport {
    public enum Format: String, CaseIterable, Sendable {
        case tsr, html
    }

    /// Converts and writes; returns the path written.
    public static func convert(_ path: String, to format: Format, output: String? = nil) throws -> String {
        let notebook = try Notebook(path: path)
        let target = output ?? URL(fileURLWithPath: path).deletingPathExtension().path + "." + format.rawValue
        let text = format == .tsr ? script(notebook) : html(notebook)
        do { try AtomicFile.write(text.utf8, to: target) } catch {
            throw Notebook.Error("cannot write '\(target)': \(error.reason)")
        }
        return target
    }

    /// The notebook as a Tessera script: code cells in order, markdown as `//` comments,
    /// session commands (which only a session runs) commented out.
    public static func script(_ notebook: Notebook) -> String {
        var parts = ["// Converted from \(URL(fileURLWithPath: notebook.path).lastPathComponent) by `tessera convert`."]
        for cell in notebook.cells {
            let source = Notebook.source(cell).trimmingCharacters(in: .newlines)
            guard !source.isEmpty else { continue }
            switch cell["cell_type"]?.stringValue {
            case "code":
                var lines = source.components(separatedBy: "\n")
                if lines[0].hasPrefix("%") {
                    lines[0] = "// \(lines[0])  (a session command: run it in the shell or a notebook)"
                }
                if Notebook.tags(cell).contains("raises-exception") {
                    lines.insert("// This cell raises an error on purpose; the script stops here when it does.", at: 0)
                }
                parts.append(lines.joined(separator: "\n"))
            default:
                parts.append(source.components(separatedBy: "\n").map { $0.isEmpty ? "//" : "// " + $0 }.joined(separator: "\n"))
            }
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// The notebook as one HTML page, outputs included, with no external resources.
    public static func html(_ notebook: Notebook) -> String {
        let name = URL(fileURLWithPath: notebook.path).lastPathComponent
        let title = notebook.cells.lazy.compactMap { cell -> String? in
            guard cell["cell_type"]?.stringValue == "markdown" else { return nil }
            return Notebook.source(cell).components(separatedBy: "\n").first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) }
        }.first ?? name
        var body = ""
        for cell in notebook.cells {
            let source = Notebook.source(cell)
            switch cell["cell_type"]?.stringValue {
            case "markdown":
                body += "<div class=\"cell markdown\">\n" + Markdown.html(source) + "</div>\n"
            case "code":
                let count = cell["execution_count"]?.intValue.map(String.init) ?? " "
                body += "<div class=\"cell code\">\n<div class=\"input\"><span class=\"prompt\">In [\(count)]:</span>"
                body += "<pre><code>" + HTML.escape(source) + "</code></pre></div>\n"
                for output in cell["outputs"]?.arrayValue ?? [] { body += outputHTML(output) }
                body += "</div>\n"
            default:
                body += "<div class=\"cell raw\"><pre>" + HTML.escape(source) + "</pre></div>\n"
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="tessera convert \(Kernel.version)">
            <title>\(HTML.escape(title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    static let style = """
        body { margin: 0; background: #fafafa; color: #1b1b1b; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        main { max-width: 960px; margin: 0 auto; padding: 24px; }
        .cell { margin: 14px 0; }
        .input { display: flex; gap: 8px; }
        .prompt { color: #2a7d2a; font: 13px ui-monospace, monospace; min-width: 64px; padding-top: 9px; }
        pre { margin: 0; overflow-x: auto; }
        .input pre { flex: 1; background: #f0f3f5; border: 1px solid #dde3e8; border-radius: 4px; padding: 8px; font: 13px/1.45 ui-monospace, monospace; }
        .output { margin: 6px 0 0 72px; overflow-x: auto; }
        .output pre { font: 13px/1.45 ui-monospace, monospace; }
        .output.stderr pre { background: #fff5e6; }
        .output.error pre { background: #fdecea; color: #a31515; padding: 6px; }
        .output table { border-collapse: collapse; font-size: 13px; }
        .output th, .output td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
        .output th { background: #f0f3f5; }
        .markdown code { background: #f0f3f5; padding: 1px 4px; border-radius: 3px; }
        """

    /// One output, best representation first: HTML and SVG inline, images embedded,
    /// markdown rendered, text escaped.
    static func outputHTML(_ output: JSON) -> String {
        switch output["output_type"]?.stringValue {
        case "stream":
            let name = output["name"]?.stringValue == "stderr" ? "stderr" : "stdout"
            let text = output["text"].flatMap(Notebook.text) ?? ""
            return "<div class=\"output \(name)\"><pre>" + HTML.escape(withoutANSI(text)) + "</pre></div>\n"
        case "error":
            let lines = output["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return "<div class=\"output error\"><pre>" + HTML.escape(withoutANSI(lines.joined(separator: "\n"))) + "</pre></div>\n"
        case "execute_result", "display_data":
            let data = output["data"] ?? .object([])
            func text(_ mime: String) -> String? { data[mime].flatMap(Notebook.text) }
            let inner: String
            if let h = text("text/html") {
                inner = h
            } else if let s = text("image/svg+xml") {
                inner = s
            } else if let png = text("image/png") {
                inner = "<img src=\"data:image/png;base64,\(png.filter { !$0.isWhitespace })\" alt=\"output\">"
            } else if let md = text("text/markdown") {
                inner = Markdown.html(md)
            } else {
                inner = "<pre>" + HTML.escape(text("text/plain") ?? "") + "</pre>"
            }
            return "<div class=\"output result\">" + inner + "</div>\n"
        default:
            return ""
        }
    }

    /// Text without terminal colour codes (tracebacks from other kernels carry them).
    static func withoutANSI(_ s: String) -> String {
        guard s.contains("\u{1B}[") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "\u{1B}", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "[" {
                var j = s.index(i, offsetBy: 2)
                while j < s.endIndex, !s[j].isLetter { j = s.index(after: j) }
                i = j < s.endIndex ? s.index(after: j) : j
            } else {
                out.append(s[i])
                i = s.index(after: i)
            }
        }
        return out
    }
}
