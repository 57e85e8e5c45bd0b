import Foundation
import TesseraTensor

/// A Jupyter notebook (nbformat 4) as Tessera reads and writes it: the JSON is kept
/// whole, so fields Tessera does not know survive a run, and cells are read and written
/// through accessors. Written as nbformat writes it (indent 1, sorted keys, multi-line
/// text as lists of lines), at nbformat 4.5 with a cell id on every cell.
public struct Notebook {
    /// A notebook that cannot be run, with the file and cell it is about.
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
        init(_ text: String) { description = text }
    }

    public var json: JSON
    public let path: String

    /// Reads and checks a notebook: nbformat 4, a list of well-formed cells, in Tessera.
    public init(path: String) throws {
        self.path = path
        let data: [UInt8]
        do { data = try RegularFile.read(path) } catch {
            throw Error("\(path): cannot read the notebook (\(error.reason))")
        }
        do { json = try JSON.parse(data) } catch {
            throw Error("\(path) is not a notebook: not valid JSON (\(error))")
        }
        try check()
    }

    public init(json: JSON, path: String) throws {
        self.json = json
        self.path = path
        try check()
    }

    private func check() throws {
        guard case .object = json else { throw Error("\(path) is not a notebook: it holds no JSON object") }
        guard let major = json["nbformat"]?.intValue else {
            throw Error("\(path) is not a notebook: it has no \"nbformat\" version")
        }
        guard major == 4 else {
            throw Error("\(path) is nbformat \(major); Tessera runs nbformat 4 notebooks "
                        + "(convert with `jupyter nbconvert --to notebook --nbformat 4 \(path)`)")
        }
        guard let cells = json["cells"]?.arrayValue else {
            throw Error("\(path) is not a notebook: \"cells\" is missing or not a list")
        }
        for (language, field) in [(json["metadata"]?["kernelspec"]?["language"]?.stringValue, "metadata.kernelspec.language"),
                                  (json["metadata"]?["language_info"]?["name"]?.stringValue, "metadata.language_info.name")] {
            if let language, language.lowercased() != "tessera" {
                throw Error("\(path) is a \(language) notebook (\(field)), not a Tessera one")
            }
        }
        for (i, cell) in cells.enumerated() {
            let name = "\(path), cell \(i + 1)"
            guard case .object = cell else { throw Error("\(name) is malformed: not a JSON object") }
            guard let type = cell["cell_type"]?.stringValue else { throw Error("\(name) is malformed: it has no \"cell_type\"") }
            guard ["code", "markdown", "raw"].contains(type) else {
                throw Error("\(name) is malformed: unknown cell_type '\(type)'")
            }
            guard cell["source"].map(Self.text) ?? nil != nil else {
                throw Error("\(name) is malformed: \"source\" must be a string or a list of strings")
            }
            if type == "code", let language = Self.foreignLanguage(cell) {
                throw Error("\(name) is in \(language), not Tessera; Tessera runs only Tessera cells")
            }
        }
    }

    /// The language a code cell declares other than Tessera: a cell magic such as `%%bash`,
    /// or the per-cell language VS Code and polyglot notebooks record.
    static func foreignLanguage(_ cell: JSON) -> String? {
        let source = cell["source"].flatMap(text) ?? ""
        if source.hasPrefix("%%") {
            return String(source.dropFirst(2).prefix { !$0.isWhitespace })
        }
        for declared in [cell["metadata"]?["vscode"]?["languageId"], cell["metadata"]?["language"],
                         cell["metadata"]?["dotnet_interactive"]?["language"], cell["metadata"]?["polyglot_notebook"]?["kernelName"]] {
            if let l = declared?.stringValue, !["tessera", "swift"].contains(l.lowercased()) { return l }
        }
        return nil
    }

    /// Multi-line text as nbformat stores it: a string, or a list of strings to join.
    static func text(_ value: JSON) -> String? {
        switch value {
        case .string(let s): return s
        case .array(let parts):
            var out = ""
            for p in parts {
                guard let s = p.stringValue else { return nil }
                out += s
            }
            return out
        default: return nil
        }
    }

    /// Text as nbformat writes it: a list of lines, each but the last ending in "\n".
    static func lines(_ text: String) -> JSON {
        var out: [JSON] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == "\n" { out.append(.string(current)); current = "" }
        }
        if !current.isEmpty { out.append(.string(current)) }
        return .array(out)
    }

    // MARK: Cells

    public var cells: [JSON] {
        get { json["cells"]?.arrayValue ?? [] }
        set { json = json.setting("cells", .array(newValue)) }
    }

    /// A cell's source as one string.
    public static func source(_ cell: JSON) -> String { cell["source"].flatMap(text) ?? "" }

    /// A cell's tags (`metadata.tags`).
    public static func tags(_ cell: JSON) -> [String] {
        cell["metadata"]?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A new code cell, with an id and the given tags.
    static func codeCell(_ source: String, tags: [String] = []) -> JSON {
        .obj([
            "cell_type": .string("code"), "execution_count": .null, "id": .string(newCellID()),
            "metadata": tags.isEmpty ? .object([]) : .obj(["tags": .array(tags.map { .string($0) })]),
            "outputs": .array([]), "source": lines(source),
        ])
    }

    static func newCellID() -> String { String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)) }

    // MARK: Writing

    /// The notebook as nbformat 4.5 with Tessera's kernelspec and language_info: every
    /// cell has an id, multi-line text is split into lines.
    public var normalized: JSON {
        var nb = json
        var metadata = nb["metadata"] ?? .object([])
        metadata = metadata.setting("kernelspec", .obj([
            "display_name": .string("Tessera"), "language": .string("tessera"), "name": .string("tessera"),
        ]))
        metadata = metadata.setting("language_info", Kernel.languageInfo)
        nb = nb.setting("metadata", metadata)
        nb = nb.setting("nbformat", .number(4)).setting("nbformat_minor", .number(Double(max(5, json["nbformat_minor"]?.intValue ?? 5))))
        var seen = Set<String>()
        nb = nb.setting("cells", .array(cells.map { cell in
            var c = cell
            if let id = c["id"]?.stringValue, Self.isValidID(id), seen.insert(id).inserted {} else {
                let id = Self.newCellID()
                seen.insert(id)
                c = c.setting("id", .string(id))
            }
            c = c.setting("source", Self.lines(Self.source(c)))
            if c["metadata"] == nil { c = c.setting("metadata", .object([])) }
            if let outputs = c["outputs"]?.arrayValue { c = c.setting("outputs", .array(outputs.map(Self.splitOutput))) }
            return c
        }))
        return nb
    }

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Splits an output's multi-line text fields into lines, as nbformat does (JSON data stays whole).
    static func splitOutput(_ output: JSON) -> JSON {
        var o = output
        if let t = o["text"].flatMap(text) { o = o.setting("text", lines(t)) }
        if case .object(let pairs)? = o["data"] {
            o = o.setting("data", .object(pairs.map { mime, value in
                let isJSON = mime == "application/json" || mime.hasSuffix("+json")
                guard !isJSON, let t = text(value) else { return (mime, value) }
                return (mime, lines(t))
            }))
        }
        return o
    }

    /// Writes the notebook atomically (a temporary file renamed over the target), so a
    /// reader never sees half a notebook and a failed write leaves the old file whole.
    public func write(to path: String) throws {
        let text = normalized.pretty(indent: 1, sortKeys: true) + "\n"
        do { try AtomicFile.write(text.utf8, to: path) } catch { throw Error("cannot write the notebook '\(path)': \(error.reason)") }
    }
}

extension JSON {
    /// This object with `key` set (replaced in place, or added at the end).
    func setting(_ key: String, _ value: JSON) -> JSON {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }
}
