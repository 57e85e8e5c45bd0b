import Foundation
import TesseraScript

/// Owns a Kernel on one worker thread (with a large stack) and feeds it requests from a
/// queue, so transports can read on their own threads and still interrupt a running cell.
///
/// Only the worker thread touches the Kernel; other threads use `submit`, `interrupt`
/// and `provideInput`, which are thread-safe.
public final class KernelWorker: @unchecked Sendable {
    private let kernel: Kernel
    private let interruptFlag: InterruptFlag
    private let condition = NSCondition()
    /// Requests in arrival order; those before `head` are taken. (Taken ones are dropped
    /// when the queue empties, or in a batch: `removeFirst` moved every waiting request.)
    private var queue: [KernelMessage] = []
    private var head = 0
    private var closed = false
    private var stopped = false
    private let emit: @Sendable (KernelMessage) -> Void
    /// Called on the worker thread after a shutdown request without restart.
    public var onShutdown: (@Sendable () -> Void)?

    public init(emit: @escaping @Sendable (KernelMessage) -> Void) {
        kernel = Kernel()
        interruptFlag = kernel.interruptFlag
        self.emit = emit
    }

    public func start() {
        LargeStack.detach { [self] in self.loop() }
    }

    /// Queues a request for the worker.
    public func submit(_ message: KernelMessage) {
        condition.lock()
        queue.append(message)
        condition.signal()
        condition.unlock()
    }

    /// Interrupts the running cell, if any (from any thread).
    public func interrupt() { interruptFlag.set() }

    /// Delivers an `input_reply` to a cell waiting in `input(...)` (from any thread).
    public func provideInput(_ value: String) { kernel.provideInput(value) }

    /// No more requests will come: the worker finishes the queue, then stops.
    public func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// The front end has gone: interrupts the running cell, answers every queued execute
    /// `aborted` (nothing more will run), and lets the worker stop.
    public func stopNow() {
        condition.lock()
        closed = true
        let dropped = queue[head...]
        queue.removeAll()
        head = 0
        condition.signal()
        condition.unlock()
        interruptFlag.terminate()
        for r in dropped where r.msgType == "execute_request" { emitAborted(r) }
    }

    /// Blocks until the worker has stopped, or until `deadline`; false when it had not.
    @discardableResult
    public func waitUntilStopped(deadline: Date = .distantFuture) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            if !condition.wait(until: deadline) { return stopped }
        }
        return true
    }

    private func next() -> KernelMessage? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !closed { condition.wait() }
        guard head < queue.count else { return nil }
        let request = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 {
            queue.removeFirst(head)
            head = 0
        }
        return request
    }

    private func loop() {
        while let request = next() {
            // How many requests were queued when this one's reply went out: only those were sent
            // before the front end could know of an error, and only they can be aborted. A front
            // end may send its next cell the moment it sees the reply (before the idle that
            // follows it), and that cell must run.
            let queuedAtIdle = QueuedCount()
            let outcome = kernel.handle(request) { [self] m in
                if m.msgType == "execute_reply", m.parentID == request.msgID {
                    condition.lock()
                    queuedAtIdle.value = queue.count - head
                    condition.unlock()
                }
                emit(m)
            }
            switch outcome {
            case .proceed: break
            case .abortQueued: abortQueuedExecutes(among: queuedAtIdle.value)
            case .shutdown(let restart):
                if !restart {
                    finish()
                    onShutdown?()
                    return
                }
            }
        }
        finish()
    }

    private func finish() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// After an error with `stop_on_error`, executes that were already queued are
    /// answered `aborted` instead of run, as Jupyter kernels do.
    private func abortQueuedExecutes(among first: Int?) {
        condition.lock()
        let waiting = queue[head...]
        let sent = waiting.prefix(min(first ?? waiting.count, waiting.count))
        let aborted = sent.filter { $0.msgType == "execute_request" }
        queue = sent.filter { $0.msgType != "execute_request" } + waiting.dropFirst(sent.count)
        head = 0
        condition.unlock()
        for r in aborted { emitAborted(r) }
    }

    /// The messages of an execute that will not run, as Jupyter kernels send them.
    private func emitAborted(_ r: KernelMessage) {
        emit(KernelMessage("status", parent: r.msgID, content: .obj(["execution_state": .string("busy")])))
        emit(KernelMessage("execute_reply", parent: r.msgID, content: .obj(["status": .string("aborted")])))
        emit(KernelMessage("status", parent: r.msgID, content: .obj(["execution_state": .string("idle")])))
    }
}

/// The queue's length at a moment the worker's emit closure records.
private final class QueuedCount: @unchecked Sendable { var value: Int? }
