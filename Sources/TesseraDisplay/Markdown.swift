import Foundation

/// Markdown to HTML for notebook exports: the subset notebooks use in practice (ATX
/// headings, paragraphs, bullet and numbered lists, fenced code, block quotes, rules,
/// inline code, bold, italics, links, images). Everything else is escaped text, so the
/// output is always safe HTML.
public enum Markdown {
    public static func html(_ text: String) -> String {
        var out = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var fence: [String]?
        var quote: [String] = []

        func flushParagraph() {
            if !paragraph.isEmpty { out += "<p>" + inline(paragraph.joined(separator: "\n")) + "</p>\n" }
            paragraph = []
        }
        func flushList() {
            if let l = list {
                let tag = l.ordered ? "ol" : "ul"
                out += "<\(tag)>" + l.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>\n"
            }
            list = nil
        }
        func flushQuote() {
            if !quote.isEmpty { out += "<blockquote>" + html(quote.joined(separator: "\n")) + "</blockquote>\n" }
            quote = []
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote() }

        for raw in text.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var code = fence {
                if line.hasPrefix("```") {
                    out += "<pre><code>" + HTML.escape(code.joined(separator: "\n")) + "</code></pre>\n"
                    fence = nil
                } else {
                    code.append(raw)
                    fence = code
                }
                continue
            }
            if line.hasPrefix("```") { flushAll(); fence = []; continue }
            if line.hasPrefix(">") {
                flushParagraph(); flushList()
                quote.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
                continue
            }
            flushQuote()
            if line.isEmpty { flushParagraph(); flushList(); continue }
            if let level = headingLevel(line) {
                flushAll()
                let title = line.dropFirst(level).trimmingCharacters(in: .whitespaces)
                out += "<h\(level)>" + inline(title) + "</h\(level)>\n"
                continue
            }
            if line == "---" || line == "***" || line == "___" { flushAll(); out += "<hr>\n"; continue }
            if let item = bullet(line) {
                flushParagraph()
                if list?.ordered == true { flushList() }
                list = (false, (list?.items ?? []) + [item])
                continue
            }
            if let item = numbered(line) {
                flushParagraph()
                if list?.ordered == false { flushList() }
                list = (true, (list?.items ?? []) + [item])
                continue
            }
            if list != nil, raw.hasPrefix("  ") {
                list!.items[list!.items.count - 1] += " " + line
                continue
            }
            flushList()
            paragraph.append(line)
        }
        if let code = fence { out += "<pre><code>" + HTML.escape(code.joined(separator: "\n")) + "</code></pre>\n" }
        flushAll()
        return out
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    static func bullet(_ line: String) -> String? {
        for marker in ["- ", "* ", "+ "] where line.hasPrefix(marker) { return String(line.dropFirst(2)) }
        return nil
    }

    static func numbered(_ line: String) -> String? {
        let digits = line.prefix { $0.isNumber }
        guard !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") else { return nil }
        return String(line.dropFirst(digits.count + 2))
    }

    /// Inline markup: `code`, **bold**, *italic* / _italic_, [text](url), ![alt](src).
    static func inline(_ text: String) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        func find(_ s: String, from: Int) -> Int? {
            let target = Array(s)
            var j = from
            while j + target.count <= chars.count {
                if Array(chars[j..<(j + target.count)]) == target { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            let c = chars[i]
            if c == "`", let end = find("`", from: i + 1) {
                out += "<code>" + HTML.escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1
            } else if c == "*" && i + 1 < chars.count && chars[i + 1] == "*", let end = find("**", from: i + 2), end > i + 2 {
                out += "<strong>" + inline(String(chars[(i + 2)..<end])) + "</strong>"
                i = end + 2
            } else if (c == "*" || c == "_"), i + 1 < chars.count, chars[i + 1] != " ", let end = find(String(c), from: i + 1), end > i + 1 {
                out += "<em>" + inline(String(chars[(i + 1)..<end])) + "</em>"
                i = end + 1
            } else if (c == "[" || (c == "!" && i + 1 < chars.count && chars[i + 1] == "[")),
                      let close = find("](", from: i), let end = find(")", from: close + 2) {
                let image = c == "!"
                let label = String(chars[(i + (image ? 2 : 1))..<close])
                let url = String(chars[(close + 2)..<end])
                let safe = url.hasPrefix("javascript:") ? "#" : url
                out += image ? "<img src=\"\(HTML.escape(safe))\" alt=\"\(HTML.escape(label))\">"
                             : "<a href=\"\(HTML.escape(safe))\">" + inline(label) + "</a>"
                i = end + 1
            } else {
                out += HTML.escape(String(c))
                i += 1
            }
        }
        return out
    }
}
