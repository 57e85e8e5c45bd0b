import Crypto
import Foundation
import TesseraScript
import TesseraTensor
import TesseraTune

/// The worker processes of a study. `tune(parallel: n)` starts n of them here (`tessera
/// worker --session -`), and `tessera worker --storage URL --study NAME` joins a study from
/// any host. A worker rebuilds the session by replaying its cells quietly (the cells that
/// ran, then the one running the tune call), as Python's spawn start method re-runs a main
/// module; when the replay reaches the tune call of the shared study, the worker joins it:
/// it asks the study's storage for suggestions and runs trials until the budget is taken
/// and no trial runs anywhere, then exits. Running trials are fantasized by the model, so
/// workers never get the same point.
///
/// The session that runs `tune` with a storage stores its cells in the study with their
/// hash (`StudySession`): a worker on another host takes its code from there, and a worker
/// that brings other code is refused.
public enum TuneWorker {
    public struct Target: Sendable, Equatable {
        public let storage: String
        public let study: String
        /// The hash of the code this worker replays.
        public let hash: String
        public init(storage: String, study: String, hash: String) { self.storage = storage; self.study = study; self.hash = hash }
    }

    /// Set in a worker process: the study it joins.
    nonisolated(unsafe) public static var target: Target?

    /// Ends the replay once the worker's share of the study is done.
    struct Finished: Error {}

    /// Why a worker leaves its study before the budget is spent.
    enum Leave: Error, CustomStringConvertible {
        /// The session that started the study was interrupted.
        case stopped(host: String)
        /// The study's code is not the code this worker replays.
        case otherCode(study: String, stored: String, replayed: String, joining: Bool)

        var description: String {
            switch self {
            case .stopped(let host):
                return "the study was stopped from its session on \(host) (an interrupt)"
            case .otherCode(let study, let stored, let replayed, let joining):
                let what = joining ? "refused: the study '\(study)' runs other code than this worker's session"
                                   : "the code of the study '\(study)' changed under this worker (its tune cell ran again with other code)"
                return "\(what): the study's session has hash \(stored.prefix(12)), this worker replays \(replayed.prefix(12)); "
                    + "start the worker again without --session to take the study's own code"
            }
        }
    }

    /// Exit statuses of `tessera worker`.
    public enum Status: Int32, Error {
        /// Its share of the study is done, or the study was stopped.
        case done = 0
        /// The session cannot be read, a replayed cell failed, or the storage cannot be reached.
        case failed = 1
        /// The replay never reached the study's tune call.
        case neverReached = 2
        /// The study runs other code than this worker's.
        case otherCode = 3
    }

    /// The session's cells (the completed ones and the running one).
    static func sessionCells(_ interp: Interpreter) -> [[String: String]] {
        (interp.completedCells + [interp.runningCell].compactMap { $0 }).map { ["name": $0.name, "text": $0.text] }
    }

    static func json(_ cells: [[String: String]]) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: ["cells": cells], options: [.sortedKeys]))
    }

    /// The hash of a session's code: SHA-256 over its cells' texts, each after its length in
    /// bytes (so no two lists of cells share a message). Cell names (execution counts) are
    /// left out: the same code run again is the same code.
    public static func hash(_ cells: [[String: String]]) -> String {
        var h = SHA256()
        for cell in cells {
            let text = Array((cell["text"] ?? "").utf8)
            h.update(data: Array("\(text.count):".utf8))
            h.update(data: text)
        }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A session's cells from its JSON (`{"cells": [{"name": ..., "text": ...}]}`).
    static func cells(from bytes: [UInt8]) -> [[String: String]]? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        return object["cells"] as? [[String: String]]
    }

    /// A study's storage as the session and its workers compare it: a file's absolute
    /// path, or a database URL as written.
    public static func normalizedStorage(_ storage: String) -> String {
        PostgresStorage.isURL(storage) ? storage : URL(fileURLWithPath: storage).standardizedFileURL.path
    }

    /// Whether a replayed tune call's storage is the worker's: the same file, or (a URL
    /// reaches the same server under other names from other hosts) any PostgreSQL URL.
    static func reaches(_ storage: String, _ target: Target) -> Bool {
        storage == target.storage || (PostgresStorage.isURL(storage) && PostgresStorage.isURL(target.storage))
    }

    static func openStorage(_ storage: String) throws(TuneError) -> any StudyStorage {
        PostgresStorage.isURL(storage) ? try PostgresStorage(url: storage) : try SQLiteStorage(path: storage)
    }

    private static func say(_ text: String) { FileHandle.standardError.write(Data("tessera worker: \(text)\n".utf8)) }

    /// The body of `tessera worker`: takes the session's cells from `session` (a file, or
    /// `-` for standard input) or, when it is nil, from the study (waiting for it to be
    /// started), replays them and joins the study.
    public static func run(session path: String?, storage: String, study: String, poll: Double = 1) -> Status {
        let storage = normalizedStorage(storage)
        let cells: [[String: String]]
        if let path {
            let bytes: [UInt8]
            do {
                bytes = path == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : try RegularFile.read(path)
            } catch {
                say("\(error)")
                return .failed
            }
            guard let list = Self.cells(from: bytes) else {
                say("\(path == "-" ? "standard input" : path) is not a session (JSON with a list of cells)")
                return .failed
            }
            cells = list
        } else {
            switch storedCells(storage: storage, study: study, poll: poll) {
            case .success(let list): cells = list
            case .failure(let status): return status
            }
        }
        return replay(cells, target: Target(storage: storage, study: study, hash: hash(cells)))
    }

    /// The cells stored with the study, once it exists and runs: a worker may start before
    /// the session that starts the study (it waits), and one that finds the study's budget
    /// spent and nothing running has nothing to do.
    private static func storedCells(storage: String, study: String, poll: Double) -> Result<[[String: String]], Status> {
        let db: any StudyStorage
        do { db = try openStorage(storage) } catch {
            say("\(error)")
            return .failure(.failed)
        }
        var said = ""
        func wait(_ why: String) {
            if why != said { say(why); said = why }
            Thread.sleep(forTimeInterval: poll)
        }
        while true {
            do {
                guard let id = try db.studyID(named: study), let session = try db.session(study: id) else {
                    wait("waiting for the study '\(study)' in \(db.location ?? storage): a session starts it with tune(storage:, name: \"\(study)\")")
                    continue
                }
                if session.stopped {
                    wait("the study '\(study)' was stopped from its session on \(session.host); waiting for it to be resumed")
                    continue
                }
                let trials = try db.trials(study: id)
                let budgeted = trials.count - trials.filter { $0.retryOf != nil }.count
                if budgeted >= session.budget && !trials.contains(where: { $0.state == .running }) {
                    say("the study '\(study)' has finished its \(session.budget) trials; nothing to do")
                    return .failure(.done)
                }
                guard let cells = Self.cells(from: Array(session.cells.utf8)), hash(cells) == session.hash else {
                    say("the session stored with the study '\(study)' is damaged (its cells do not match their hash); run the study's tune cell again")
                    return .failure(.failed)
                }
                return .success(cells)
            } catch {
                say("\(error)")
                return .failure(.failed)
            }
        }
    }

    /// Replays the cells until the study's tune call has run the worker's share.
    private static func replay(_ cells: [[String: String]], target: Target) -> Status {
        Self.target = target
        let interp = Interpreter(host: WorkerHost())
        Prelude.install(in: interp)
        for cell in cells {
            do {
                try interp.run(Source(name: cell["name"] ?? "cell", text: cell["text"] ?? ""))
            } catch is Finished {
                return .done
            } catch let leave as Leave {
                say("\(leave)")
                if case .otherCode = leave { return .otherCode }
                return .done
            } catch let e as ScriptError {
                say("replaying the session failed: \(e.headline)")
                return .failed
            } catch {
                say("replaying the session failed: \(error)")
                return .failed
            }
        }
        say("the session never reached tune(name: \"\(target.study)\", storage: \"\(target.storage)\")")
        return .neverReached
    }

    /// Starts `count` workers on the study and waits for them, reporting progress after
    /// each finished trial; an interrupt stops them (their running trials are then marked
    /// as stopped). With no workers here (`parallel: 0`) it waits for the study to finish
    /// in the workers that joined it from other hosts.
    ///
    /// The session's cells go to each worker through a pipe (its standard input) and its
    /// log is a file unlinked as soon as it is open: nothing of the session stays on disk,
    /// even when the kernel is killed.
    static func coordinate(_ object: StudyObject, storage: String, count: Int, interp: Interpreter, progress: () -> Void) throws {
        let session = try json(object.cells)
        // A worker that dies before reading its session must not take the kernel with it.
        signal(SIGPIPE, SIG_IGN)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, count)))"
        environment["OPENBLAS_THREAD_TIMEOUT"] = environment["OPENBLAS_THREAD_TIMEOUT"] ?? "20"
        var workers: [(Process, FileHandle)] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = ["worker", "--session", "-", "--storage", storage, "--study", object.study.name, "--follow-parent"]
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
        let study = object.study
        func finished() -> Bool { study.budgetedCount >= object.budget && !study.trials.contains { $0.state == .running } }
        while workers.contains(where: { $0.0.isRunning }) || (count == 0 && !finished()) {
            if interp.interrupt.isSet {
                for (p, _) in workers where p.isRunning { kill(p.processIdentifier, SIGKILL) }
                for (p, _) in workers { p.waitUntilExit() }
                break
            }
            // Workers of other hosts are watched at a calmer pace: each look takes the study's lock.
            Thread.sleep(forTimeInterval: count == 0 ? 0.5 : 0.1)
            // Alone, the session judges the trials of workers that went silent.
            if count == 0 { _ = try ScriptError.converting { try study.recoverOrphans() } } else { try ScriptError.converting { try study.refresh() } }
            if object.study.finishedCount != lastSeen { lastSeen = object.study.finishedCount; progress() }
        }
        _ = try ScriptError.converting { try object.study.recoverOrphans(retrying: false) }
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
