/// A table of text cells that renders as an HTML table for notebooks and as aligned
/// plain text for terminals and logs.
public struct Table: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String]]
    /// Columns whose cells are right-aligned (numbers).
    public var numericColumns: Set<Int>
    public var caption: String?

    public init(columns: [String], rows: [[String]], numericColumns: Set<Int> = [], caption: String? = nil) {
        self.columns = columns
        self.rows = rows
        self.numericColumns = numericColumns
        self.caption = caption
    }

    public var html: String {
        var out = "<table class=\"tessera-table \(HTML.noMath)\">"
        if let c = caption { out += "<caption>\(HTML.escape(c))</caption>" }
        out += "<thead><tr>" + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                let align = numericColumns.contains(i) ? " style=\"text-align:right\"" : ""
                out += "<td\(align)>\(HTML.escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// Columns padded to their widest cell, with a rule under the header.
    public var plainText: String {
        var widths = columns.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return numericColumns.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingTrailingSpaces()
        }
        var lines: [String] = []
        if let c = caption { lines.append(c) }
        lines.append(line(columns))
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines += rows.map { line($0 + Array(repeating: "", count: max(0, columns.count - $0.count))) }
        return lines.joined(separator: "\n")
    }

    public var bundle: MimeBundle {
        var b = MimeBundle(plain: plainText)
        b.set("text/html", html)
        return b
    }
}

extension String {
    fileprivate func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
