import CZMQ
import Foundation

/// A libzmq failure: the call that failed and libzmq's reason.
struct ZMQError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    static func last(_ operation: String) -> ZMQError { ZMQError(operation: operation, code: zmq_errno()) }

    /// The context was shut down: a blocking call returns this so its thread can end.
    var isTerminated: Bool { code == ETERM }
    var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }
}

/// One libzmq context for the process; sockets are made from it.
final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init() throws {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = h
    }

    func socket(_ type: Int32) throws -> ZMQSocket {
        guard let s = zmq_socket(handle, type) else { throw ZMQError.last("zmq_socket") }
        return ZMQSocket(s)
    }

    /// Makes every blocking call on this context's sockets return ETERM.
    func shutdown() { zmq_ctx_shutdown(handle) }

    /// Waits until every socket is closed and its lingering messages are sent.
    func terminate() {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// A ZeroMQ socket. Like libzmq's, it belongs to one thread at a time: each socket of
/// the Jupyter transport is created, used and closed by the thread that owns it.
final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init(_ handle: UnsafeMutableRawPointer) { self.handle = handle }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else {
            throw ZMQError(operation: "bind \(endpoint)", code: zmq_errno())
        }
    }

    /// The endpoint actually bound (after binding port 0, the port the system chose).
    var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func set(_ option: Int32, _ value: Int32) {
        var v = value
        zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size)
    }

    func set(_ option: Int32, _ value: Int64) {
        var v = value
        zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size)
    }

    /// Sends the frames as one multipart message. A peer that has gone is not an error
    /// (ROUTER and PUB sockets drop what they cannot deliver).
    func send(_ frames: [[UInt8]]) throws {
        for (i, frame) in frames.enumerated() {
            let flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                if zmq_errno() == EINTR { continue }
                throw ZMQError.last("zmq_send")
            }
        }
    }

    /// What one receive took off a socket.
    enum Incoming {
        case frames([[UInt8]])
        /// A message whose frames together passed `maxBytes`: read to its end (so the next
        /// message starts clean) but not kept.
        case oversized(bytes: Int)
    }

    /// Receives one multipart message, blocking until it arrives; nil when `dontWait`
    /// and nothing is waiting. Frames past `maxBytes` in total are read and dropped
    /// rather than copied (libzmq itself refuses one frame over ZMQ_MAXMSGSIZE).
    func receive(dontWait: Bool = false, maxBytes: Int = .max) throws -> Incoming? {
        var frames: [[UInt8]] = []
        var total = 0
        var first = true
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        while true {
            let rc = zmq_msg_recv(&msg, handle, dontWait && first ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && first { return nil }
                throw ZMQError(operation: "zmq_msg_recv", code: code)
            }
            first = false
            let size = zmq_msg_size(&msg)
            let (sum, overflow) = total.addingReportingOverflow(size)
            total = overflow ? .max : sum
            if total > maxBytes {
                frames = []
            } else if size == 0 {
                frames.append([])
            } else {
                let data = zmq_msg_data(&msg)!.assumingMemoryBound(to: UInt8.self)
                frames.append(Array(UnsafeBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(&msg) == 0 { return total > maxBytes ? .oversized(bytes: total) : .frames(frames) }
        }
    }

    func close() { zmq_close(handle) }
}

/// Waits on several sockets (and plain file descriptors) at once.
struct ZMQPoller {
    private(set) var items: [zmq_pollitem_t] = []

    /// Adds a socket to watch for input; returns its index.
    @discardableResult
    mutating func add(_ socket: ZMQSocket) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Adds a file descriptor to watch for input; returns its index.
    @discardableResult
    mutating func add(fd: Int32) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Blocks until something is readable (or `timeoutMilliseconds` pass; -1 waits forever).
    mutating func poll(timeoutMilliseconds: Int = -1) throws {
        while true {
            let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
            if rc >= 0 { return }
            if zmq_errno() == EINTR { continue }
            throw ZMQError.last("zmq_poll")
        }
    }

    func isReadable(_ index: Int) -> Bool { items[index].revents & Int16(ZMQ_POLLIN) != 0 }
}
