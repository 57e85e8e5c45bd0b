import CZMQ
import Foundation
import TesseraScript
import TesseraTensor

/// `tessera jupyter --connection-file F`: Jupyter's wire protocol over ZeroMQ, spoken by
/// Swift itself (no Python in the loop).
///
/// Threads, each owning its sockets as libzmq requires:
/// - the **I/O thread** owns shell (ROUTER), stdin (ROUTER) and iopub (XPUB). It passes
///   requests to the worker and sends what other threads queue in the outbox; an eventfd
///   wakes it.
/// - the **control thread** owns control (ROUTER) and answers `kernel_info_request`,
///   `interrupt_request` and `shutdown_request` at once, even while a cell runs.
/// - the **heartbeat thread** echoes on its REP socket inside libzmq (`zmq_proxy`).
/// - the **worker** (``KernelWorker``) runs the cells; its messages are signed on the
///   worker and routed by type: replies to the requester's shell identity, `input_request`
///   to stdin, everything else to iopub.
///
/// A message is logged to stderr and dropped, never executed, when its signature does not
/// verify, when its signature was seen before (a replay), when it is larger than
/// `maxMessageBytes`, or when it is truncated or one of its JSON frames is not an object.
public final class JupyterTransport: @unchecked Sendable {
    /// Where an outgoing message goes.
    enum Channel { case shell, stdin, iopub }

    /// What is kept of a request until its `status: idle`: who sent it and its header.
    struct RequestContext {
        var identities: [[UInt8]]
        var header: [UInt8]
    }

    /// The largest message a client may send unless `--max-message-bytes` says otherwise.
    public static let defaultMaxMessageBytes = 256 << 20

    private let connection: ConnectionFile
    private let connectionPath: String
    private let signer: MessageSigner
    private let replays = ReplayGuard()
    private let maxMessageBytes: Int
    private let session = UUID().uuidString.lowercased()
    private let topicPrefix: String
    private let context: ZMQContext
    private var worker: KernelWorker!

    private var shell: ZMQSocket!
    private var control: ZMQSocket!
    private var stdin: ZMQSocket!
    private var iopub: ZMQSocket!
    private var heartbeat: ZMQSocket!

    private let lock = NSLock()
    private var outbox: [(Channel, [[UInt8]])] = []
    private var requests: [String: RequestContext] = [:]
    private var stopping = false
    /// A pipe whose read end the I/O thread polls: a byte written wakes it for the outbox.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let shutdownRequested = DispatchSemaphore(value: 0)
    private let ioStopped = DispatchSemaphore(value: 0)

    private init(connectionPath: String, maxMessageBytes: Int) throws {
        self.connectionPath = connectionPath
        self.maxMessageBytes = maxMessageBytes
        connection = try ConnectionFile(path: connectionPath)
        signer = try MessageSigner(key: connection.key, scheme: connection.signatureScheme)
        if !signer.isSigning {
            // Jupyter allows an empty key and warns, as jupyter_client's Session does.
            Self.log("warning: message signing is off (the connection file's key is empty): "
                     + "any process that can reach these ports can run code as you. This is insecure and not recommended!")
        }
        topicPrefix = "kernel.\(session)."
        context = try ZMQContext()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ZMQError(operation: "pipe", code: errno) }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
    }

    /// Runs the kernel until a shutdown request; returns the exit status.
    public static func run(connectionFile: String, maxMessageBytes: Int = defaultMaxMessageBytes) -> Int32 {
        let transport: JupyterTransport
        do {
            transport = try JupyterTransport(connectionPath: connectionFile, maxMessageBytes: maxMessageBytes)
            try transport.bindSockets()
        } catch {
            log("cannot start: \(error)")
            return 2
        }
        return transport.serve()
    }

    /// Creates and binds the five sockets on this thread; each is then handed to the one
    /// thread that uses it (thread creation is the memory barrier libzmq asks for).
    private func bindSockets() throws {
        func make(_ type: Int32, _ port: Int) throws -> ZMQSocket {
            let s = try context.socket(type)
            s.set(ZMQ_LINGER, Int32(1000))
            // One frame over the limit is refused by libzmq before it is read (the peer is
            // disconnected); frames that only pass it together are counted on receipt.
            s.set(ZMQ_MAXMSGSIZE, Int64(maxMessageBytes))
            try s.bind(connection.endpoint(port))
            return s
        }
        shell = try make(ZMQ_ROUTER, connection.shellPort)
        control = try make(ZMQ_ROUTER, connection.controlPort)
        stdin = try make(ZMQ_ROUTER, connection.stdinPort)
        heartbeat = try make(ZMQ_REP, connection.hbPort)
        iopub = try context.socket(ZMQ_XPUB)
        iopub.set(ZMQ_LINGER, Int32(1000))
        iopub.set(ZMQ_MAXMSGSIZE, Int64(maxMessageBytes))
        // Every new subscriber gets its own welcome, not only the first for a topic.
        iopub.set(ZMQ_XPUB_VERBOSE, Int32(1))
        // A slow front end must not lose training progress: queue generously.
        iopub.set(ZMQ_SNDHWM, Int32(100_000))
        try iopub.bind(connection.endpoint(connection.iopubPort))
        try writeBackChosenPorts()
    }

    /// When the connection file asked for port 0, the system chose: write the ports back
    /// so front ends can connect, as ipykernel does.
    private func writeBackChosenPorts() throws {
        guard connection.transport == "tcp" else { return }
        let sockets: [(String, Int, ZMQSocket)] = [
            ("shell_port", connection.shellPort, shell), ("iopub_port", connection.iopubPort, iopub),
            ("stdin_port", connection.stdinPort, stdin), ("control_port", connection.controlPort, control),
            ("hb_port", connection.hbPort, heartbeat),
        ]
        var chosen: [String: Int] = [:]
        for (name, port, socket) in sockets where port == 0 {
            chosen[name] = ConnectionFile.port(ofEndpoint: socket.lastEndpoint)
        }
        guard !chosen.isEmpty else { return }
        let text = connection.withPorts(chosen).serialized
        do { try AtomicFile.write(text.utf8, to: connectionPath) } catch {
            throw ConnectionFile.Error("bound ports \(chosen) but cannot write them to '\(connectionPath)': \(error.reason)")
        }
    }

    private func serve() -> Int32 {
        worker = KernelWorker(emit: { [self] in self.route($0) })
        worker.start()
        let sigint = InterruptSignal.install { [self] in self.worker.interrupt() }
        defer { sigint.cancel() }

        let hb = heartbeat!
        Thread.detachNewThread {
            // Echoes every ping inside libzmq; returns when the context shuts down.
            zmq_proxy(hb.handle, hb.handle, nil)
            hb.close()
        }
        Thread.detachNewThread { [self] in self.controlLoop() }
        publish("status", content: .obj(["execution_state": .string("starting")]), parent: nil)
        Thread.detachNewThread { [self] in self.ioLoop() }

        let parentWatch = watchParent()
        defer { parentWatch?.cancel() }

        shutdownRequested.wait()
        worker.interrupt()
        // However the threads fare, the process ends: a stuck cell must not keep it.
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { _exit(0) }
        _ = ioStopped.wait(timeout: .now() + 2)
        context.shutdown()
        context.terminate()
        return 0
    }

    /// jupyter_client sets `JPY_PARENT_PID` when it launches a kernel. If that process dies
    /// (a Jupyter server killed with -9), the kernel is reparented; it then shuts down
    /// rather than live on as an orphan, as ipykernel's parent poller does.
    private func watchParent() -> DispatchSourceTimer? {
        guard let text = ProcessInfo.processInfo.environment["JPY_PARENT_PID"], let expected = Int32(text), expected > 0 else {
            return nil
        }
        let parent = getppid()
        guard parent == expected else { return nil }  // started through a wrapper: nothing reliable to watch
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [self] in
            guard getppid() != parent else { return }
            Self.log("the process that started this kernel (pid \(parent)) is gone; shutting down")
            timer.cancel()
            beginShutdown()
        }
        timer.resume()
        return timer
    }

    // MARK: Routing (any thread)

    /// Sends a message of the session: called by the worker for every message it emits.
    private func route(_ message: KernelMessage) {
        lock.lock()
        let ctx = message.parentID.flatMap { requests[$0] }
        if message.msgType == "status", message.content["execution_state"]?.stringValue == "idle", let p = message.parentID {
            requests[p] = nil
        }
        lock.unlock()
        let channel: Channel
        if message.msgType.hasSuffix("_reply") {
            channel = .shell
        } else if message.msgType == "input_request" {
            channel = .stdin
        } else {
            channel = .iopub
        }
        if channel != .iopub && ctx == nil {
            Self.log("no requester for \(message.msgType) (parent \(message.parentID ?? "none")); dropped")
            return
        }
        let identities = channel == .iopub ? [topic(message.msgType)] : ctx!.identities
        let wire = WireMessage(
            identities: identities,
            header: WireMessage.header(msgID: message.msgID, msgType: message.msgType, session: session),
            parentHeader: ctx?.header ?? Self.emptyObject,
            metadata: message.metadata?.bytes ?? Self.emptyObject,
            content: message.content.bytes)
        enqueue(channel, wire.frames(signer: signer))
    }

    /// Queues an iopub message with the given parent header.
    private func publish(_ type: String, content: JSON, parent: [UInt8]?) {
        enqueue(.iopub, signedFrames(type, content: content, parent: parent ?? Self.emptyObject, identities: [topic(type)]))
    }

    private func signedFrames(_ type: String, content: JSON, parent: [UInt8], identities: [[UInt8]]) -> [[UInt8]] {
        WireMessage(
            identities: identities,
            header: WireMessage.header(msgID: MessageID.next(), msgType: type, session: session),
            parentHeader: parent, metadata: Self.emptyObject,
            content: content.bytes
        ).frames(signer: signer)
    }

    private func enqueue(_ channel: Channel, _ frames: [[UInt8]]) {
        lock.lock()
        let wasEmpty = outbox.isEmpty
        outbox.append((channel, frames))
        lock.unlock()
        if wasEmpty { wake() }
    }

    private func wake() {
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    private func topic(_ type: String) -> [UInt8] { Array((topicPrefix + type).utf8) }

    private static let emptyObject = Array("{}".utf8)

    static func log(_ text: String) {
        Console.err("tessera jupyter: \(text)\n")
    }

    // MARK: The I/O thread

    private func ioLoop() {
        var poller = ZMQPoller()
        let wakeIndex = poller.add(fd: wakeRead)
        let shellIndex = poller.add(shell)
        let stdinIndex = poller.add(stdin)
        let iopubIndex = poller.add(iopub)
        loop: while true {
            do {
                try poller.poll()
                if poller.isReadable(wakeIndex) {
                    var bytes = [UInt8](repeating: 0, count: 256)
                    while read(wakeRead, &bytes, bytes.count) > 0 {}
                }
                // New subscribers first, so each gets its welcome before any other message
                // (receiving is also when libzmq registers a subscription); then the outbox,
                // so replies and outputs already produced go out before new work.
                while let frames = try receive(iopub, "iopub") { try welcome(frames) }
                if try drainOutbox() { break loop }
                if poller.isReadable(shellIndex) {
                    while let frames = try receive(shell, "shell") { receiveShell(frames) }
                }
                if poller.isReadable(stdinIndex) {
                    while let frames = try receive(stdin, "stdin") { receiveStdin(frames) }
                }
                if poller.isReadable(iopubIndex) {
                    while let frames = try receive(iopub, "iopub") { try welcome(frames) }
                }
            } catch let e as ZMQError where e.isTerminated {
                break
            } catch {
                Self.log("I/O thread: \(error)")
            }
        }
        shell.close()
        stdin.close()
        iopub.close()
        ioStopped.signal()
    }

    /// Sends what is queued; true when the kernel is stopping and everything is sent.
    private func drainOutbox() throws -> Bool {
        lock.lock()
        let batch = outbox
        outbox.removeAll(keepingCapacity: true)
        let stop = stopping
        lock.unlock()
        for (channel, frames) in batch {
            switch channel {
            case .shell: try shell.send(frames)
            case .stdin: try stdin.send(frames)
            case .iopub: try iopub.send(frames)
            }
        }
        return stop
    }

    /// The next message waiting on `socket` (nil when none is); one over the size limit
    /// is logged and skipped, so the caller only sees messages it may parse.
    private func receive(_ socket: ZMQSocket, _ channel: String, wait: Bool = false) throws -> [[UInt8]]? {
        while let incoming = try socket.receive(dontWait: !wait, maxBytes: maxMessageBytes) {
            switch incoming {
            case .frames(let frames): return frames
            case .oversized(let bytes):
                Self.log("dropped a message on \(channel): \(WireMessage.Failure.tooLarge(bytes: bytes, limit: maxMessageBytes))")
            }
        }
        return nil
    }

    /// The verified message and the request it carries; nil (and a line on stderr) for a
    /// message that must be dropped.
    private func decode(_ frames: [[UInt8]], on channel: String) -> (wire: WireMessage, request: KernelMessage)? {
        do {
            let wire = try WireMessage(frames: frames, signer: signer)
            // Recorded once the signature verifies, before anything is parsed, as
            // jupyter_client does: a replay of even a malformed message is refused.
            guard replays.admit(wire.signature) else { throw WireMessage.Failure.replayed }
            return (wire, try wire.request())
        } catch {
            Self.log("dropped a message on \(channel): \(error)")
            return nil
        }
    }

    private func receiveShell(_ frames: [[UInt8]]) {
        guard let (wire, request) = decode(frames, on: "shell") else { return }
        switch request.msgType {
        case "comm_open", "comm_msg", "comm_close":
            // No comm targets (widgets) are registered: as a kernel without them, ignore.
            Self.log("ignored \(request.msgType): this kernel has no comm targets")
        case let type where !type.hasSuffix("_request"):
            // Only requests are answered on shell; anything else would wait for a reply forever.
            Self.log("dropped a message on shell: '\(type)' is not a request")
        case "shutdown_request", "interrupt_request":
            // Older front ends send these on shell; answer them at once as on control.
            let reply = answerControl(request, parent: wire.header)
            enqueue(.shell, signedFrames(reply.type, content: reply.content, parent: wire.header, identities: wire.identities))
            publish("status", content: .obj(["execution_state": .string("idle")]), parent: wire.header)
            if request.msgType == "shutdown_request" { beginShutdown() }
        default:
            lock.lock()
            requests[request.msgID] = RequestContext(identities: wire.identities, header: wire.header)
            lock.unlock()
            worker.submit(request)
        }
    }

    private func receiveStdin(_ frames: [[UInt8]]) {
        guard let (_, reply) = decode(frames, on: "stdin") else { return }
        guard reply.msgType == "input_reply" else {
            Self.log("ignored \(reply.msgType) on stdin: only input_reply belongs there")
            return
        }
        if let problem = RequestFields.problem(reply) {
            Self.log("dropped a message on stdin: \(problem)")
            return
        }
        worker.provideInput(reply.content["value"]?.stringValue ?? "")
    }

    /// An XPUB subscription (`\u{1}` + topic): welcome the new subscriber, so a front end
    /// knows its iopub connection is live before it sends its first request.
    private func welcome(_ frames: [[UInt8]]) throws {
        for f in frames where f.first == 1 {
            let subscription = Array(f.dropFirst())
            let text = String(decoding: subscription, as: UTF8.self)
            let identity = subscription.isEmpty ? topic("iopub_welcome") : subscription
            try iopub.send(signedFrames("iopub_welcome", content: .obj(["subscription": .string(text)]),
                                        parent: Self.emptyObject, identities: [identity]))
        }
    }

    // MARK: The control thread

    private func controlLoop() {
        while true {
            let frames: [[UInt8]]
            do {
                guard let f = try receive(control, "control", wait: true) else { continue }
                frames = f
            } catch let e as ZMQError where e.isTerminated {
                break
            } catch {
                Self.log("control: \(error)")
                continue
            }
            guard let (wire, request) = decode(frames, on: "control") else { continue }
            let reply = answerControl(request, parent: wire.header)
            do {
                try control.send(signedFrames(reply.type, content: reply.content, parent: wire.header, identities: wire.identities))
            } catch {
                Self.log("control: \(error)")
            }
            publish("status", content: .obj(["execution_state": .string("idle")]), parent: wire.header)
            if request.msgType == "shutdown_request" { beginShutdown() }
        }
        control.close()
    }

    /// Answers a control request without waiting for the worker; publishes `busy` (the
    /// caller publishes `idle` after sending the reply).
    private func answerControl(_ request: KernelMessage, parent: [UInt8]) -> (type: String, content: JSON) {
        publish("status", content: .obj(["execution_state": .string("busy")]), parent: parent)
        let replyType = request.msgType.hasSuffix("_request")
            ? String(request.msgType.dropLast("_request".count)) + "_reply" : request.msgType + "_reply"
        switch request.msgType {
        case "kernel_info_request":
            return (replyType, Kernel.kernelInfo)
        case "interrupt_request":
            worker.interrupt()
            return (replyType, .obj(["status": .string("ok")]))
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            return (replyType, .obj(["status": .string("ok"), "restart": .bool(restart)]))
        default:
            Self.log("unknown msg_type '\(request.msgType)' on control")
            return (replyType, Kernel.unknownTypeReply(request.msgType, channel: "control"))
        }
    }

    /// Stops taking requests: the I/O thread sends what is queued, then the main thread
    /// ends the process. A restart is the front end's to do (it starts a new process, as
    /// with every Jupyter kernel).
    private func beginShutdown() {
        lock.lock()
        stopping = true
        lock.unlock()
        wake()
        shutdownRequested.signal()
    }
}
