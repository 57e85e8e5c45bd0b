import Foundation
import TesseraScript

/// An in-process client of the kernel core, for the front ends that live in the same
/// process: the terminal shell and the notebook runner. The session runs on the worker
/// thread (with its large stack); the caller's thread receives the messages as they
/// come, so it can render them live, answer `input()`, and interrupt on Ctrl-C or a
/// timeout.
public final class LocalClient: @unchecked Sendable {
    private let worker: KernelWorker
    private let inbox = Inbox()
    private var counter = 0

    public init() {
        let inbox = self.inbox
        worker = KernelWorker(emit: { inbox.put($0) })
        worker.start()
    }

    deinit { worker.close() }

    /// Interrupts the running cell (from any thread, e.g. a signal handler's queue).
    public func interrupt() { worker.interrupt() }

    /// Answers a pending `input(...)`.
    public func provideInput(_ text: String) { worker.provideInput(text) }

    /// What one execute produced: the reply's content, whether the timeout fired or `stop`
    /// asked for an interrupt, and whether the cell went on past the grace period after
    /// it (native work that does not check for interrupts): then it was abandoned.
    public struct Execution {
        public var reply: JSON
        public var timedOut: Bool
        public var stopped = false
        public var abandoned = false
        public var ok: Bool { reply["status"]?.stringValue == "ok" && !abandoned }
    }

    /// How long an interrupted cell may take to stop before `execute` gives up on it.
    public static let grace: TimeInterval = 5

    /// Runs a cell, handing every message of it to `onMessage` in order (on this thread),
    /// up to and including `status: idle`. With a timeout, the cell is interrupted when
    /// it runs longer (however much output it writes meanwhile); `stop` is asked as often
    /// (a signal arrived) and interrupts the cell when it returns true.
    public func execute(_ code: String, sourceName: String? = nil, allowStdin: Bool = true, storeHistory: Bool = true,
                        timeout: TimeInterval? = nil, stop: () -> Bool = { false }, onMessage: (KernelMessage) -> Void) -> Execution {
        var content: [(String, JSON)] = [
            ("code", .string(code)), ("silent", .bool(false)), ("store_history", .bool(storeHistory)),
            ("allow_stdin", .bool(allowStdin)), ("stop_on_error", .bool(false)),
        ]
        if let sourceName { content.append(("source_name", .string(sourceName))) }
        var reply: JSON = .object([])
        var timedOut = false, stopped = false
        var interruptedAt: Date?
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        let finished = send("execute_request", .object(content)) { m in
            if m.msgType == "execute_reply" { reply = m.content }
            onMessage(m)
        } poll: {
            let now = Date()
            if interruptedAt == nil {
                if let deadline, now >= deadline { timedOut = true }
                if stop() { stopped = true }
                if timedOut || stopped {
                    interruptedAt = now
                    worker.interrupt()
                }
            }
            // Keep waiting unless an interrupted cell has had its grace period.
            return interruptedAt.map { now.timeIntervalSince($0) < Self.grace } ?? true
        }
        return Execution(reply: reply, timedOut: timedOut, stopped: stopped, abandoned: !finished)
    }

    /// Sends a request and returns its reply's content (complete, is_complete, inspect...).
    public func request(_ type: String, _ content: JSON) -> JSON {
        var reply: JSON = .object([])
        send(type, content) { m in if m.msgType.hasSuffix("_reply") { reply = m.content } } poll: { true }
        return reply
    }

    /// Sends a request and hands its messages to `onMessage` until its `status: idle`
    /// (true), or until `poll`, asked after every message and every 50 ms of quiet,
    /// returns false (false).
    @discardableResult
    private func send(_ type: String, _ content: JSON, onMessage: (KernelMessage) -> Void, poll: () -> Bool) -> Bool {
        counter += 1
        let id = "local-\(counter)"
        worker.submit(KernelMessage(type, parent: nil, content: content, msgID: id))
        while true {
            if let m = inbox.take(timeout: 0.05), m.parentID == id {
                onMessage(m)
                if m.msgType == "status", m.content["execution_state"]?.stringValue == "idle" { return true }
            }
            if !poll() { return false }
        }
    }

    /// Messages from the worker, waiting for the caller's thread.
    private final class Inbox: @unchecked Sendable {
        private let condition = NSCondition()
        private var messages: [KernelMessage] = []
        private var head = 0

        func put(_ m: KernelMessage) {
            condition.lock()
            messages.append(m)
            condition.signal()
            condition.unlock()
        }

        func take(timeout: TimeInterval) -> KernelMessage? {
            condition.lock()
            defer { condition.unlock() }
            if head == messages.count {
                _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
                if head == messages.count { return nil }
            }
            let m = messages[head]
            head += 1
            if head > 1024 { messages.removeFirst(head); head = 0 }
            return m
        }
    }
}
