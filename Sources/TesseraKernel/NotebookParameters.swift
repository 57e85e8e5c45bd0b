import Foundation
import TesseraScript

/// `tessera run NOTEBOOK -p NAME VALUE`: parameters injected as papermill injects them,
/// in a new code cell tagged `injected-parameters` right after the cell tagged
/// `parameters` (at the top when no cell is), replacing a cell injected by an earlier run.
public struct NotebookParameters {
    public var values: [(name: String, value: String)]

    public init(_ values: [(name: String, value: String)]) { self.values = values }

    public var isEmpty: Bool { values.isEmpty }

    /// A value as Tessera source: a literal stays as written (`0.01`, `5`, `true`, `nil`,
    /// `"text"`, `[1, 2]`, `["a": 1]`, `.relu`), anything else becomes a string literal
    /// (`fraud` → `"fraud"`), as papermill types its `-p` values.
    public static func literal(_ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        return isLiteral(text) ? text : Value.quote(raw)
    }

    /// Whether the text is one literal expression: only literal tokens and the brackets,
    /// commas, colons, minus signs and dots of array, dict and symbol literals.
    static func isLiteral(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        var lexer = Lexer(text, source: Source(name: "parameter", text: text))
        guard let tokens = try? lexer.tokenize() else { return false }
        var previousDot = false
        for t in tokens {
            switch t.kind {
            case .int, .double, .end: break
            case .keyword(let k) where [.true, .false, .nil].contains(k): break
            case .string(let parts):
                if parts.contains(where: { if case .code = $0 { return true }; return false }) { return false }
            case .identifier: if !previousDot { return false }
            case .punct(let p) where ["[", "]", ",", ":", "-", "."].contains(p): break
            default: return false
            }
            previousDot = t.kind == .punct(".")
        }
        return (try? Interpreter.parse(Source(name: "parameter", text: text))) != nil
    }

    /// The injected cell's source: `// Parameters` then one declaration per value, `var`
    /// where the parameters cell declared the name with `var` (so later code may still
    /// change it), `let` otherwise.
    func source(parametersCell: String?) -> String {
        var lines = ["// Parameters"]
        for (name, value) in values {
            let keyword = parametersCell.map { Self.declaresVar(name, in: $0) } == true ? "var" : "let"
            lines.append("\(keyword) \(name) = \(Self.literal(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func declaresVar(_ name: String, in source: String) -> Bool {
        source.split(separator: "\n").contains { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == ":" })
            return words.count >= 2 && words[0] == "var" && words[1] == name
        }
    }

    /// Inserts (or replaces) the injected-parameters cell.
    public func inject(into notebook: inout Notebook) {
        guard !isEmpty else { return }
        var cells = notebook.cells
        cells.removeAll { Notebook.tags($0).contains("injected-parameters") }
        let index = cells.firstIndex { Notebook.tags($0).contains("parameters") }
        let cell = Notebook.codeCell(source(parametersCell: index.map { Notebook.source(cells[$0]) }), tags: ["injected-parameters"])
        cells.insert(cell, at: index.map { $0 + 1 } ?? 0)
        notebook.cells = cells
        // papermill records the parameters in the notebook's metadata too.
        var metadata = notebook.json["metadata"] ?? .object([])
        let recorded = values.map { ($0.name, JSON.string(Self.literal($0.value))) }
        metadata = metadata.setting("tessera", (metadata["tessera"] ?? .object([])).setting("parameters", .object(recorded)))
        notebook.json = notebook.json.setting("metadata", metadata)
    }

    /// A parameter name must be a Tessera identifier.
    public static func checkName(_ name: String) throws {
        guard let first = name.first, first.isLetter || first == "_",
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
              Keyword(rawValue: name) == nil else {
            throw Notebook.Error("-p \(name): a parameter name must be a Tessera identifier (letters, digits, _; not a keyword)")
        }
    }
}
