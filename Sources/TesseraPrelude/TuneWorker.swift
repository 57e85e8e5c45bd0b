import Foundation
import TesseraScript
import TesseraTensor
import TesseraTune

/// `tune(parallel: n)` runs trials in n worker processes (`tessera worker`). A worker
/// rebuilds the session by replaying its cells quietly (the cells that ran, then the one
/// running the tune call), as Python's spawn start method re-runs a main module; when the
/// replay reaches the tune call of the shared study, the worker joins it: it asks the
/// study's storage for suggestions and runs trials until the budget is taken, then exits.
/// Running trials are fantasized by the model, so workers never get the same point.
public enum TuneWorker {
    public struct Target: Sendable, Equatable {
        public let storage: String
        public let study: String
        public init(storage: String, study: String) { self.storage = storage; self.study = study }
    }

    /// Set in a worker process: the study it joins.
    nonisolated(unsafe) public static var target: Target?

    /// Ends the replay once the worker's share of the study is done.
    struct Finished: Error {}

    /// The session's cells (the completed ones and the running one) as JSON.
    static func sessionJSON(_ interp: Interpreter) throws -> [UInt8] {
        let cells = (interp.completedCells + [interp.runningCell].compactMap { $0 }).map { ["name": $0.name, "text": $0.text] }
        return [UInt8](try JSONSerialization.data(withJSONObject: ["cells": cells]))
    }

    /// The body of `tessera worker`: replays the session (a file, or `-` for standard
    /// input) and joins the target study. Returns the exit status: 0 when the worker ran
    /// its share, 1 when the session cannot be read or a replayed cell failed, 2 when the
    /// replay never reached the study's tune call.
    /// A study's storage as the session and its workers compare it: a file's absolute
    /// path, or a database URL as written.
    public static func normalizedStorage(_ storage: String) -> String {
        PostgresStorage.isURL(storage) ? storage : URL(fileURLWithPath: storage).standardizedFileURL.path
    }

    public static func run(session path: String, storage: String, study: String) -> Int32 {
        target = Target(storage: normalizedStorage(storage), study: study)
        let cells: [[String: String]]
        let bytes: [UInt8]
        do {
            bytes = path == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : try RegularFile.read(path)
        } catch {
            FileHandle.standardError.write(Data("tessera worker: \(error)\n".utf8))
            return 1
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any], let list = object["cells"] as? [[String: String]] else {
            FileHandle.standardError.write(Data("tessera worker: \(path == "-" ? "standard input" : path) is not a session (JSON with a list of cells)\n".utf8))
            return 1
        }
        cells = list
        let interp = Interpreter(host: WorkerHost())
        Prelude.install(in: interp)
        for cell in cells {
            do {
                try interp.run(Source(name: cell["name"] ?? "cell", text: cell["text"] ?? ""))
            } catch is Finished {
                return 0
            } catch let e as ScriptError {
                FileHandle.standardError.write(Data("tessera worker: replaying the session failed: \(e.headline)\n".utf8))
                return 1
            } catch {
                FileHandle.standardError.write(Data("tessera worker: replaying the session failed: \(error)\n".utf8))
                return 1
            }
        }
        FileHandle.standardError.write(Data("tessera worker: the session never reached tune(name: \"\(study)\", storage: \"\(storage)\")\n".utf8))
        return 2
    }

    /// Starts `count` workers on the study and waits for them, reporting progress after
    /// each finished trial; an interrupt stops them (their running trials are then marked
    /// as stopped).
    ///
    /// The session's cells go to each worker through a pipe (its standard input) and its
    /// log is a file unlinked as soon as it is open: nothing of the session stays on disk,
    /// even when the kernel is killed.
    static func coordinate(_ object: StudyObject, storage: String, count: Int, interp: Interpreter, progress: () -> Void) throws {
        let session = try sessionJSON(interp)
        // A worker that dies before reading its session must not take the kernel with it.
        signal(SIGPIPE, SIG_IGN)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(max(1, ProcessInfo.processInfo.activeProcessorCount / count))"
        environment["OPENBLAS_THREAD_TIMEOUT"] = environment["OPENBLAS_THREAD_TIMEOUT"] ?? "20"
        var workers: [(Process, FileHandle)] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = ["worker", "--session", "-", "--storage", storage, "--study", object.study.name]
            p.environment = environment
            let log = try unlinkedLog()
            let input = Pipe()
            p.standardInput = input
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            p.standardError = log
            try p.run()
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                session.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(writer.fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { break }
                        offset += n
                    }
                }
                try? writer.close()
            }
            workers.append((p, log))
        }
        var lastSeen = -1
        while workers.contains(where: { $0.0.isRunning }) {
            if interp.interrupt.isSet {
                for (p, _) in workers where p.isRunning { kill(p.processIdentifier, SIGKILL) }
                for (p, _) in workers { p.waitUntilExit() }
                break
            }
            Thread.sleep(forTimeInterval: 0.1)
            try ScriptError.converting { try object.study.refresh() }
            if object.study.finishedCount != lastSeen { lastSeen = object.study.finishedCount; progress() }
        }
        _ = try ScriptError.converting { try object.study.recoverOrphans() }
        progress()
        let failed = workers.filter { !$0.0.isRunning && $0.0.terminationStatus != 0 && $0.0.terminationReason == .exit }
        if !interp.interrupt.isSet, failed.count == workers.count, let (_, log) = failed.first {
            try? log.seek(toOffset: 0)
            let text = String(decoding: (try? log.readToEnd()) ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ScriptError(.tuning, "the worker processes of tune(parallel: \(count)) failed: \(text.isEmpty ? "no message" : text)",
                              suggestion: "workers replay the session's cells; a cell that only works once (or reads input) stops them")
        }
    }
}

extension TuneWorker {
    /// A private temporary file (mode 0600) that is unlinked at once: a worker writes its
    /// log into it and the kernel reads it back, and nothing is left on disk however the
    /// processes end.
    static func unlinkedLog() throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/tessera-worker-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ScriptError(.io, "cannot make a log file for tune's worker processes: \(RegularFile.reason(errno))") }
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}

/// What a worker's replayed cells print goes nowhere (warnings to stderr, the worker's log).
final class WorkerHost: ScriptHost {
    func write(_ text: String, to stream: OutputStreamName) {
        if stream == .stderr { FileHandle.standardError.write(Data(text.utf8)) }
    }
    func display(_ value: Value, displayID: String?, update: Bool) throws {}
    func clearOutput(wait: Bool) {}
    func readInput(prompt: String, password: Bool) throws -> String {
        throw ScriptError(.io, "input(\"\(prompt)\") cannot be answered in a tune worker process")
    }
}
