import Foundation
import TesseraScript

extension Kernel {
    /// Runs an `execute_request`: `execute_input`, outputs, `execute_result` or `error`,
    /// then `execute_reply`. An error ends the cell and keeps the session.
    func execute(_ request: KernelMessage, emit: @escaping (KernelMessage) -> Void) -> Outcome {
        let parent = request.msgID
        let c = request.content
        // RequestFields has checked every field's type before this runs.
        let code = c["code"]?.stringValue ?? ""
        let silent = c["silent"]?.boolValue ?? false
        let storeHistory = silent ? false : (c["store_history"]?.boolValue ?? true)
        let stopOnError = c["stop_on_error"]?.boolValue ?? true
        let allowStdin = c["allow_stdin"]?.boolValue ?? false
        if storeHistory { executionCount += 1 }
        let count = executionCount
        // A front end may name the code for error messages (`tessera run` gives the file name).
        let cellName = c["source_name"]?.stringValue ?? (storeHistory ? "cell \(count)" : "cell")

        // Cleared before execute_input goes out: an interrupt a front end sends once it has
        // seen this cell start must reach this cell, however late this thread runs.
        interruptFlag.clear()
        if !silent {
            emit(KernelMessage("execute_input", parent: parent, content: .obj([
                "code": .string(code), "execution_count": .number(Double(count)),
            ])))
        }
        host.begin(parent: parent, silent: silent, allowStdin: allowStdin, emit: emit)
        var payload: [JSON] = []
        var resultText: String? = nil
        let outcome: Result<MimeOutput?, ScriptError>
        do {
            let out = try runCell(code, name: cellName, payload: &payload)
            outcome = .success(out)
        } catch let e as ScriptError {
            outcome = .failure(e)
        } catch {
            outcome = .failure(ScriptError(.value, "\(error)"))
        }
        interruptFlag.clear()

        var errorFields: [(String, JSON)] = []
        switch outcome {
        case .success(let out):
            if let out, !silent {
                resultText = out.plain
                host.send(KernelMessage("execute_result", parent: parent, content: .obj([
                    "execution_count": .number(Double(count)), "data": out.data, "metadata": .object([]),
                ])))
            }
        case .failure(let err):
            errorFields = [
                ("ename", .string(err.kind.rawValue)),
                ("evalue", .string(err.messageWithPlace + (err.suggestion.map { "\n" + $0 } ?? ""))),
                ("traceback", .array(err.formattedLines.map { .string($0) })),
            ]
            if !silent { host.send(KernelMessage("error", parent: parent, content: .object(errorFields))) }
            payload = []
        }
        // As in ipykernel, user_expressions are evaluated only after a cell that succeeded.
        let userExpressions = errorFields.isEmpty ? evaluateUserExpressions(c["user_expressions"]) : .object([])
        host.end()
        let reply: [(String, JSON)] = [
            ("status", .string(errorFields.isEmpty ? "ok" : "error")),
            ("execution_count", .number(Double(count))),
        ] + errorFields + [("payload", .array(payload)), ("user_expressions", userExpressions)]
        if storeHistory { history.append((count, code, resultText)) }
        emit(KernelMessage("execute_reply", parent: parent, content: .object(reply)))
        if case .failure = outcome, stopOnError { return .abortQueued }
        return .proceed
    }

    /// `user_expressions` of an execute_request (name → code), each evaluated after the
    /// cell into a MIME bundle or the error it raised, as the messaging spec describes.
    func evaluateUserExpressions(_ expressions: JSON?) -> JSON {
        guard case .object(let pairs)? = expressions else { return .object([]) }
        return .object(pairs.map { name, code in
            guard let text = code.stringValue else {
                return (name, Kernel.errorContent(ScriptError(.type, "user expression '\(name)' must be a String of code")))
            }
            do {
                let value = try interpreter.run(Source(name: "user expression '\(name)'", text: text), asCell: false) ?? .nil
                return (name, .obj(["status": .string("ok"), "data": Kernel.mimeBundle(value), "metadata": .object([])]))
            } catch let e as ScriptError {
                return (name, Kernel.errorContent(e))
            } catch {
                return (name, Kernel.errorContent(ScriptError(.value, "\(error)")))
            }
        })
    }

    static func errorContent(_ e: ScriptError) -> JSON {
        .obj([
            "status": .string("error"), "ename": .string(e.kind.rawValue),
            "evalue": .string(e.messageWithPlace), "traceback": .array(e.formattedLines.map { .string($0) }),
        ])
    }

    /// A result ready to send: its MIME bundle and the plain text kept in history.
    struct MimeOutput {
        let data: JSON
        let plain: String
    }

    /// Runs a cell's code, or the session command it starts with.
    func runCell(_ code: String, name: String, payload: inout [JSON]) throws -> MimeOutput? {
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("%") {
            return try runCommand(trimmed, name: name, payload: &payload)
        }
        if let topic = helpTopic(trimmed) {
            payload.append(helpPayload(topic))
            return nil
        }
        return try evaluate(code, name: name)
    }

    func evaluate(_ code: String, name: String) throws -> MimeOutput? {
        guard let value = try interpreter.run(Source(name: name, text: code)) else { return nil }
        return MimeOutput(data: Kernel.mimeBundle(value), plain: value.debugDescription)
    }
}
