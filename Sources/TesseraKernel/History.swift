import Foundation

/// `history_request`: the session's cells by tail, range or glob search.
extension Kernel {
    func historyReply(_ content: JSON) -> JSON {
        let withOutput = content["output"]?.boolValue ?? false
        let kind = content["hist_access_type"]?.stringValue ?? "tail"
        var entries = history
        switch kind {
        case "range":
            let start = content["start"]?.intValue ?? 1
            let stop = content["stop"]?.intValue
            entries = entries.filter { $0.line >= start && (stop == nil || $0.line < stop!) }
        case "search":
            let pattern = content["pattern"]?.stringValue ?? "*"
            entries = entries.filter { Kernel.glob(pattern, matches: $0.input) }
            if content["unique"]?.boolValue ?? false {
                var seen = Set<String>()
                entries = entries.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            if let n = content["n"]?.intValue, n > 0 { entries = Array(entries.suffix(n)) }
        default:
            if let n = content["n"]?.intValue, n >= 0 { entries = Array(entries.suffix(n)) }
        }
        let rows: [JSON] = entries.map { e in
            let input: JSON = .string(e.input)
            let item: JSON = withOutput ? .array([input, e.output.map { .string($0) } ?? .null]) : input
            return .array([.number(Double(sessionNumber)), .number(Double(e.line)), item])
        }
        return .obj(["status": .string("ok"), "history": .array(rows)])
    }

    /// Shell-style matching with `*` and `?`, over the whole text (as IPython's history
    /// search, SQLite's GLOB). A `*` in the pattern is always the wildcard, also where the
    /// text has a `*` (the pattern `6 *` matches `6 * 7`).
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if pi < p.count, p[pi] == "?" || p[pi] == t[ti] { pi += 1; ti += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
