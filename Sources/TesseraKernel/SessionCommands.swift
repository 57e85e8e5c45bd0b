import Foundation
import TesseraDisplay
import TesseraScript

/// Lines starting with `%` talk to the kernel, not the language; `name?` asks for help.
extension Kernel {
    static let commands: [(name: String, usage: String)] = [
        ("%vars", "%vars: a table of the session's variables"),
        ("%reset", "%reset: forget every session variable"),
        ("%time", "%time <code>: run the code and say how long it took"),
        ("%help", "%help <name>: the documentation of a prelude name or a variable (also: name?)"),
        ("%history", "%history: the cells run so far"),
        ("%backend", "%backend [name]: the backend tensors run on (reference, openblas, cuda); with a name, switch to it"),
    ]

    /// Runs the command on the cell's first line. Code on the lines after it runs next, as
    /// the rest of the cell (its result is the cell's; the command's own result is shown
    /// as display_data), except after `%time`, which times those lines.
    func runCommand(_ text: String, name: String, payload: inout [JSON]) throws -> MimeOutput? {
        let firstLine = text.prefix { $0 != "\n" }
        // Keep the newline so that errors in the code below report the cell's line numbers.
        let rest = String(text.dropFirst(firstLine.count))
        let parts = firstLine.split(separator: " ", maxSplits: 1)
        let command = String(parts[0])
        let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        let hasCode = !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if command == "%time" || !hasCode {
            return try runCommand(command, argument: argument, code: rest, text: text, name: name, payload: &payload)
        }
        if let shown = try runCommand(command, argument: argument, code: "", text: text, name: name, payload: &payload) {
            host.show(shown.data)
        }
        return try evaluate(rest, name: name)
    }

    private func runCommand(_ command: String, argument: String, code rest: String, text: String, name: String,
                            payload: inout [JSON]) throws -> MimeOutput? {
        let here = SourceLocation(line: 1, column: 1, length: command.count)
        let src = Source(name: name, text: text)
        switch command {
        case "%vars":
            let vars = interpreter.userVariables
            if vars.isEmpty {
                host.write("No session variables yet.\n", to: .stdout)
                return nil
            }
            let table = Table(columns: ["name", "type", "value"], rows: vars.map { v in
                var shown = v.value.debugDescription
                if shown.count > 80 { shown = String(shown.prefix(77)) + "..." }
                return [v.name + (v.constant ? "" : " (var)"), v.value.typeName, shown]
            }, caption: "\(vars.count) session variable\(vars.count == 1 ? "" : "s")")
            return MimeOutput(data: Kernel.mimeBundle(table.bundle), plain: table.plainText)
        case "%backend":
            // The prelude's backend(_:) does the work, so the command and the function agree.
            guard let function = interpreter.lookup("backend") else { throw ScriptError(.name, "backend is not defined", at: here, in: src) }
            let chosen = try interpreter.call(function, argument.isEmpty ? [] : [.string(argument)])
            host.write("backend: \(chosen.description)\n", to: .stdout)
            return nil
        case "%reset":
            interpreter.reset()
            host.write("Session variables cleared.\n", to: .stdout)
            return nil
        case "%time":
            let code = argument + rest
            guard !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ScriptError(.syntax, "%time needs code to run: %time fib(20)", at: here, in: src)
            }
            let start = DispatchTime.now().uptimeNanoseconds
            defer {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                host.write("time: \(Kernel.formatDuration(seconds))\n", to: .stdout)
            }
            return try evaluate(code, name: name)
        case "%help":
            guard !argument.isEmpty else {
                let text = "Tessera \(Kernel.version). Session commands:\n" + Kernel.commands.map { "  " + $0.usage }.joined(separator: "\n")
                    + "\n\nPrelude names:\n  " + interpreter.preludeNames.joined(separator: " ")
                payload.append(pagePayload(text))
                return nil
            }
            payload.append(helpPayload(argument))
            return nil
        case "%history":
            let lines = history.map { "\($0.line): \($0.input.replacingOccurrences(of: "\n", with: "\n    "))" }
            host.write((lines.isEmpty ? "No history yet." : lines.joined(separator: "\n")) + "\n", to: .stdout)
            return nil
        default:
            let known = Kernel.commands.map(\.name)
            throw ScriptError(.name, "unknown session command '\(command)'; the commands are \(known.joined(separator: " "))",
                              at: here, in: src,
                              suggestion: Suggest.closest(to: command, in: known).map { "did you mean '\($0)'?" })
        }
    }

    /// `name?` or `a.b?`: the name to document, if the cell is just that.
    func helpTopic(_ text: String) -> String? {
        guard text.hasSuffix("?"), !text.hasSuffix("??") else { return nil }
        let name = text.dropLast()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }),
              !(name.first!.isNumber) else { return nil }
        return String(name)
    }

    func pagePayload(_ text: String) -> JSON {
        .obj(["source": .string("page"), "data": .obj(["text/plain": .string(text)]), "start": .number(0)])
    }

    func helpPayload(_ name: String) -> JSON {
        pagePayload(documentation(for: name) ?? "No documentation for '\(name)': it is not a prelude name or a session variable.")
    }

    /// The documentation of a prelude name, or a variable's type and value.
    func documentation(for name: String) -> String? {
        if let doc = interpreter.documentation(of: name) { return doc }
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first, var value = interpreter.lookup(first) else { return nil }
        for member in parts.dropFirst() {
            guard let v = try? Members.get(value, member, interpreter) else { return nil }
            value = v
        }
        return documentation(of: value, named: name, sample: false)
    }

    /// What `%help` and inspection show for a value: a function's signature and doc, else its
    /// type and value (only the type for a `sample` that stands for a call's result), and
    /// its members.
    func documentation(of value: Value, named name: String, sample: Bool) -> String {
        var text = sample ? "\(name): \(value.typeName)" : "\(name): \(value.typeName)\n\(value.debugDescription)"
        if case .function(let f) = value, let nf = f as? NativeFunction, !nf.doc.isEmpty { text = nf.doc }
        let members = Members.names(of: value)
        if !members.isEmpty { text += "\n\nmembers: " + members.joined(separator: " ") }
        return text
    }

    static func formatDuration(_ s: Double) -> String {
        if s < 1e-3 { return String(format: "%.1f µs", s * 1e6) }
        if s < 1 { return String(format: "%.2f ms", s * 1e3) }
        return String(format: "%.3f s", s)
    }
}
