import Foundation
import TesseraScript

/// `tessera kernel --stdio`: JSON Lines over stdin/stdout, one message per line each way.
///
/// The main thread reads and parses lines; the worker runs cells. A malformed line gets
/// an `error` message naming the problem and the kernel reads on. `interrupt_request`
/// and SIGINT interrupt the running cell at once. At EOF what was sent runs for half a
/// second more; then the running cell is interrupted, the executes still queued are
/// answered `aborted`, and the process exits, within a second of EOF (a kernel whose
/// parent died must not run on for hours).
public enum StdioTransport {
    public static func run() -> Int32 {
        let writer = LineWriter()
        let worker = KernelWorker(emit: { writer.write($0.json) })
        worker.onShutdown = { exit(0) }
        worker.start()

        let sigint = InterruptSignal.install { worker.interrupt() }
        defer { sigint.cancel() }

        var reader = LineReader(fd: 0)
        var lineNumber = 0
        while let bytes = reader.next() {
            lineNumber += 1
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                guard String(validating: bytes, as: UTF8.self) != nil else {
                    throw ProtocolError("line \(lineNumber) is not valid UTF-8; send one UTF-8 JSON object per line")
                }
                let json: JSON
                do { json = try JSON.parse(bytes) } catch let e as JSON.ParseError {
                    throw ProtocolError("line \(lineNumber) is not valid JSON (\(e)); send one JSON object per line")
                }
                let message = try KernelMessage(json: json)
                switch message.msgType {
                case "interrupt_request":
                    // The reply first: the interrupted cell's own reply follows it, never races it.
                    writer.write(KernelMessage("interrupt_reply", parent: message.msgID, content: .obj(["status": .string("ok")])).json)
                    worker.interrupt()
                case "input_reply":
                    if let problem = RequestFields.problem(message) { throw ProtocolError(problem) }
                    worker.provideInput(message.content["value"]?.stringValue ?? "")
                default:
                    worker.submit(message)
                }
            } catch let e as ProtocolError {
                writer.write(e.line(parent: nil))
            } catch {
                writer.write(ProtocolError("line \(lineNumber): \(error)").message(parent: nil).json)
            }
        }
        // Nothing more will come. What was sent goes on running for half a second, so a
        // program that writes its requests and closes stdin (`subprocess.run(input:)`, a
        // shell pipe) gets their replies; then the running cell is interrupted and the rest
        // answered `aborted`: a kernel whose front end has gone must not run on for hours.
        worker.close()
        if !worker.waitUntilStopped(deadline: Date(timeIntervalSinceNow: 0.5)) {
            worker.stopNow()
            // Native work checks the interrupt between units; one that does not answer in
            // time is not waited for.
            if !worker.waitUntilStopped(deadline: Date(timeIntervalSinceNow: 0.5)) {
                Console.err("tessera kernel: the running cell did not stop within a second of the end of input; exiting\n")
            }
        }
        return 0
    }
}

/// Writes whole lines to stdout, one writer at a time, unbuffered so a front end sees
/// each message as soon as it is sent.
final class LineWriter: @unchecked Sendable {
    private let lock = NSLock()

    func write(_ json: JSON) {
        var line = json.bytes
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        Console.write(line, to: 1)
    }
}

/// Splits a file descriptor's bytes into lines without decoding them, so invalid UTF-8 is
/// reported per line rather than breaking the stream.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline resumes: a long line arriving in many
    /// chunks is scanned once, not once per chunk.
    private var scanned = 0
    private var eof = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> [UInt8]? {
        while true {
            if let nl = buffer[max(start, scanned)...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                scanned = start
                if start > 1 << 20 { buffer.removeFirst(start); start = 0; scanned = 0 }
                return line
            }
            scanned = buffer.count
            if eof {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { eof = true; continue }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
