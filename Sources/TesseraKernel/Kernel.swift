import Foundation
import TesseraDisplay
import TesseraPrelude
import TesseraScript

/// The transport-agnostic message core: one session, and `handle(request)` answering
/// Jupyter's request types with Jupyter's message types and content shapes. Transports
/// (stdio JSON Lines, ZeroMQ, the shell, the notebook runner) only move messages.
///
/// All requests run on one thread (the worker that owns the session); only `interrupt`
/// and `provideInput` may be called from other threads.
public final class Kernel {
    public static let version = "0.1.0"
    public static let protocolVersion = "5.3"

    public let interpreter: Interpreter
    /// Set from any thread to interrupt the running cell.
    public let interruptFlag: InterruptFlag
    public internal(set) var executionCount = 0
    /// `(line number, input)` of every cell run with `store_history`, in order.
    public internal(set) var history: [(line: Int, input: String, output: String?)] = []
    let host: KernelHost
    /// The session number history replies use.
    let sessionNumber = 1

    public init() {
        interruptFlag = InterruptFlag()
        host = KernelHost(interrupt: interruptFlag)
        interpreter = Interpreter(host: host, interrupt: interruptFlag)
        Prelude.install(in: interpreter)
    }

    /// What a transport should do after a request.
    public enum Outcome: Equatable {
        case proceed
        /// The execute failed and asked to stop on error: abort queued executes.
        case abortQueued
        case shutdown(restart: Bool)
    }

    /// Interrupts the running cell (from any thread).
    public func interrupt() { interruptFlag.set() }

    /// Hands the front end's answer to a pending `input(...)` (from any thread).
    public func provideInput(_ value: String) { host.inputMailbox.deliver(value) }

    /// Answers one request, sending every resulting message through `emit` in order:
    /// `status: busy`, the request's outputs and reply, `status: idle`.
    @discardableResult
    public func handle(_ request: KernelMessage, emit: @escaping (KernelMessage) -> Void) -> Outcome {
        let parent = request.msgID
        func reply(_ content: JSON) {
            emit(KernelMessage(request.msgType.replacingOccurrences(of: "_request", with: "_reply"), parent: parent, content: content))
        }
        guard request.msgType.hasSuffix("_request") else {
            emit(Kernel.unknownType(request))
            return .proceed
        }
        emit(KernelMessage("status", parent: parent, content: .obj(["execution_state": .string("busy")])))
        defer { emit(KernelMessage("status", parent: parent, content: .obj(["execution_state": .string("idle")]))) }
        if let problem = RequestFields.problem(request) {
            let error = ProtocolError(problem)
            emit(error.message(parent: parent))
            var content: [(String, JSON)] = [("status", .string("error")), ("ename", .string("ProtocolError")),
                                             ("evalue", .string(problem)), ("traceback", .array([.string("ProtocolError: " + problem)]))]
            if request.msgType == "execute_request" { content.append(("execution_count", .number(Double(executionCount)))) }
            reply(.object(content))
            return .proceed
        }
        switch request.msgType {
        case "execute_request":
            return execute(request, emit: emit)
        case "kernel_info_request":
            reply(Kernel.kernelInfo)
        case "complete_request":
            reply(complete(request.content))
        case "inspect_request":
            reply(inspect(request.content))
        case "is_complete_request":
            reply(isComplete(request.content["code"]?.stringValue ?? ""))
        case "history_request":
            reply(historyReply(request.content))
        case "comm_info_request":
            reply(.obj(["status": .string("ok"), "comms": .object([])]))
        case "interrupt_request":
            interrupt()
            reply(.obj(["status": .string("ok")]))
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            reply(.obj(["status": .string("ok"), "restart": .bool(restart)]))
            if restart { restartSession() }
            return .shutdown(restart: restart)
        default:
            // A reply the front end can match, so a client waiting on it does not hang.
            reply(Kernel.unknownTypeReply(request.msgType, channel: "shell"))
        }
        return .proceed
    }

    static func unknownType(_ request: KernelMessage) -> KernelMessage {
        ProtocolError(unknownTypeText(request.msgType)).message(parent: request.msgID)
    }

    static func unknownTypeText(_ type: String) -> String {
        "unknown msg_type '\(type)'; the kernel answers execute, kernel_info, complete, inspect, is_complete, history, comm_info, interrupt and shutdown requests"
    }

    /// The error reply to a request type the kernel does not know.
    static func unknownTypeReply(_ type: String, channel: String) -> JSON {
        let text = unknownTypeText(type) + " (this one came on \(channel))"
        return .obj([
            "status": .string("error"), "ename": .string("ProtocolError"), "evalue": .string(text),
            "traceback": .array([.string("ProtocolError: " + text)]),
        ])
    }

    /// Forgets the session (a restart): variables, history and the execution count; the
    /// prelude's names get their original values back.
    public func restartSession() {
        interpreter.reset()
        executionCount = 0
        history.removeAll()
    }

    static var kernelInfo: JSON {
        .obj([
            "status": .string("ok"),
            "protocol_version": .string(protocolVersion),
            "implementation": .string("tessera"),
            "implementation_version": .string(version),
            "language_info": languageInfo,
            "banner": .string("Tessera \(version): a deep-learning notebook kernel. Type %help for help."),
            "help_links": .array([]),
            "debugger": .bool(false),
        ])
    }

    /// `language_info` as LANGUAGE.md gives it.
    public static var languageInfo: JSON {
        .obj([
            "name": .string("tessera"),
            "version": .string("1"),
            "mimetype": .string("text/x-tessera"),
            "file_extension": .string(".tsr"),
            "codemirror_mode": .string("swift"),
            "pygments_lexer": .string("swift"),
        ])
    }

    /// A value's MIME bundle: always `text/plain`, plus what the value offers.
    static func mimeBundle(_ value: Value) -> JSON {
        var pairs: [(String, JSON)] = [("text/plain", .string(value.debugDescription))]
        if case .object(let o) = value {
            for r in o.richRepresentations where r.mime != "text/plain" { pairs.append((r.mime, .string(r.data))) }
        }
        return .object(pairs)
    }

    static func mimeBundle(_ bundle: MimeBundle) -> JSON {
        .object(bundle.entries.map { ($0.mime, .string($0.data)) })
    }
}
