import Foundation
import TesseraScript

/// The ScriptHost of a running cell: turns `print`, `warn`, `display`, `clear` and
/// `input` into protocol messages.
///
/// Stream text is batched (as ipykernel does) so that a loop printing 100,000 lines sends
/// a few hundred messages, not 100,000: a buffer is flushed when another message must go
/// out, when it grows past 64 KiB, by a timer every 50 ms, and when the cell ends.
final class KernelHost: ScriptHost, @unchecked Sendable {
    private let lock = NSLock()
    private var buffers: [(name: OutputStreamName, text: String)] = []
    private var bufferedBytes = 0
    private var emit: (KernelMessage) -> Void = { _ in }
    private var parent: String?
    private var timer: DispatchSourceTimer?
    /// Set per cell: whether the front end answers input requests.
    var allowStdin = false
    var silent = false
    /// Waits for the front end's `input_reply`.
    let inputMailbox = InputMailbox()
    let interrupt: InterruptFlag

    init(interrupt: InterruptFlag) { self.interrupt = interrupt }

    /// Starts a cell's output: messages go to `emit`, as children of `parent`.
    func begin(parent: String?, silent: Bool, allowStdin: Bool, emit: @escaping (KernelMessage) -> Void) {
        lock.lock()
        self.parent = parent
        self.emit = emit
        self.silent = silent
        self.allowStdin = allowStdin
        lock.unlock()
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        t.schedule(deadline: .now() + .milliseconds(50), repeating: .milliseconds(50))
        t.setEventHandler { [weak self] in self?.flush() }
        t.resume()
        timer = t
    }

    /// Ends the cell's output: flushes what is buffered and stops the timer.
    func end() {
        timer?.cancel()
        timer = nil
        flush()
    }

    func flush() {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        for b in buffers {
            emit(KernelMessage("stream", parent: parent, content: .obj(["name": .string(b.name.rawValue), "text": .string(b.text)])))
        }
        buffers.removeAll()
        bufferedBytes = 0
    }

    /// Sends a message after whatever text is buffered, keeping output in order.
    func send(_ message: KernelMessage) {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
        emit(message)
    }

    func write(_ text: String, to stream: OutputStreamName) {
        if silent { return }
        lock.lock()
        defer { lock.unlock() }
        if let last = buffers.last, last.name == stream {
            buffers[buffers.count - 1].text += text
        } else {
            buffers.append((stream, text))
        }
        bufferedBytes += text.utf8.count
        if bufferedBytes > 65_536 { flushLocked() }
    }

    func display(_ value: Value, displayID: String?, update: Bool) throws {
        if silent { return }
        if update && displayID == nil {
            throw ScriptError(.value, "display(update: true) needs the id: of the display to update")
        }
        show(Kernel.mimeBundle(value), displayID: displayID, update: update)
    }

    /// Sends a MIME bundle as display_data (or update_display_data for `displayID`).
    func show(_ data: JSON, displayID: String? = nil, update: Bool = false) {
        var content: [(String, JSON)] = [("data", data), ("metadata", .object([]))]
        if let id = displayID { content.append(("transient", .obj(["display_id": .string(id)]))) }
        send(KernelMessage(update ? "update_display_data" : "display_data", parent: parent, content: .object(content)))
    }

    func clearOutput(wait: Bool) {
        if silent { return }
        send(KernelMessage("clear_output", parent: parent, content: .obj(["wait": .bool(wait)])))
    }

    func readInput(prompt: String, password: Bool) throws -> String {
        guard allowStdin else {
            throw ScriptError(.io, "input() is not available: this front end does not accept input (allow_stdin is false)",
                              suggestion: "pass the value in a variable instead")
        }
        inputMailbox.reset()
        send(KernelMessage("input_request", parent: parent, content: .obj(["prompt": .string(prompt), "password": .bool(password)])))
        return try inputMailbox.wait(interrupt: interrupt)
    }
}

/// Hands an `input_reply` from the transport's reader thread to the waiting cell.
final class InputMailbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: String?

    func reset() {
        condition.lock(); value = nil; condition.unlock()
    }

    func deliver(_ v: String) {
        condition.lock()
        value = v
        condition.signal()
        condition.unlock()
    }

    func wait(interrupt: InterruptFlag) throws -> String {
        condition.lock()
        defer { condition.unlock() }
        while value == nil {
            if interrupt.isSet { throw ScriptError(.interrupted, "interrupted while waiting for input") }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
        let v = value!
        value = nil
        return v
    }
}
