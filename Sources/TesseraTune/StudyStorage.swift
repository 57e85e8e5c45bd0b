import Foundation

/// What identifies a study in its storage: a second run with the same name continues it,
/// and refuses to when the space or the metric spec has changed.
public struct StudyHeader: Sendable, Equatable {
    public let name: String
    public let space: String
    public let spec: String
    public let method: String
    public let seed: UInt64
    public init(name: String, space: String, spec: String, method: String, seed: UInt64) {
        self.name = name; self.space = space; self.spec = spec; self.method = method; self.seed = seed
    }
}

/// What a worker on any host needs to join a study, stored with it by the session that
/// runs `tune`: the session's cells (replayed as `tune(parallel:)` replays them), their
/// hash, and the run's settings. `stopped` is set when that session is interrupted.
public struct StudySession: Sendable, Equatable {
    /// The cells as JSON: `{"cells": [{"name": ..., "text": ...}]}`.
    public var cells: String
    /// SHA-256 of the cells' texts, hex: a worker replaying other code is refused.
    public var hash: String
    public var budget: Int
    /// Seconds between a running trial's heartbeats.
    public var heartbeat: Double
    /// Times a lost trial runs again with the same parameters.
    public var retries: Int
    public var stopped: Bool
    /// The host of the session that stored it.
    public var host: String
    public init(cells: String, hash: String, budget: Int, heartbeat: Double, retries: Int, stopped: Bool = false, host: String) {
        self.cells = cells; self.hash = hash; self.budget = budget; self.heartbeat = heartbeat; self.retries = retries
        self.stopped = stopped; self.host = host
    }
}

/// Where a study's trials live. The interface is small so that a networked database can
/// stand behind it (DESIGN.md: the same schema on PostgreSQL); `exclusive` must make a
/// suggestion and the insertion of its trial atomic across processes.
public protocol StudyStorage: AnyObject {
    /// Opens the study, creating it when absent; returns its id.
    func openStudy(_ header: StudyHeader) throws(TuneError) -> Int64
    func trials(study: Int64) throws(TuneError) -> [Trial]
    /// Runs `body` holding the study's write lock.
    func exclusive<T>(_ body: () throws(TuneError) -> T) throws(TuneError) -> T
    /// Stores a new running trial under the next free number and returns that number.
    func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int
    /// Stores a trial's state, metrics, error and finish time, when it is still running (a
    /// trial finishes once); returns whether it was.
    @discardableResult
    func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) -> Bool
    func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError)
    /// A place to show users (a path), or nil for memory.
    var location: String? { get }

    /// The id of the study called `name`, or nil while there is none (a worker waits).
    func studyID(named name: String) throws(TuneError) -> Int64?
    /// Stores (or replaces) what workers need to join the study.
    func publish(study: Int64, _ session: StudySession) throws(TuneError)
    /// The stored session; with `cells` false, its `cells` are left empty (the rest is read).
    func session(study: Int64, cells: Bool) throws(TuneError) -> StudySession?
    /// Marks the study's session stopped (an interrupt) or running again.
    func setStopped(study: Int64, _ stopped: Bool) throws(TuneError)
    /// A running trial's heartbeat, on the storage's clock (one clock for every host).
    func beat(study: Int64, trial number: Int) throws(TuneError)
    /// Running trials whose last heartbeat is more than `grace` seconds old.
    func silentTrials(study: Int64, grace: Double) throws(TuneError) -> [Int]
    /// A second connection to the same study storage (the heartbeat thread's own); nil in memory.
    func reopen() throws(TuneError) -> (any StudyStorage)?
}

/// Trials kept in memory for the life of the session.
public final class MemoryStorage: StudyStorage {
    private var headers: [StudyHeader] = []
    private var stored: [Int64: [Trial]] = [:]

    public init() {}
    public var location: String? { nil }

    public func openStudy(_ header: StudyHeader) throws(TuneError) -> Int64 {
        if let i = headers.firstIndex(where: { $0.name == header.name }) {
            try StudyHeader.check(headers[i], against: header)
            return Int64(i)
        }
        headers.append(header)
        stored[Int64(headers.count - 1)] = []
        return Int64(headers.count - 1)
    }
    public func trials(study: Int64) throws(TuneError) -> [Trial] { stored[study] ?? [] }
    public func exclusive<T>(_ body: () throws(TuneError) -> T) throws(TuneError) -> T { try body() }
    public func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int {
        var t = trial
        let number = stored[study, default: []].count
        t = Trial(number: number, raw: t.raw, params: t.params, state: t.state, metrics: t.metrics, error: t.error, reports: t.reports,
                  started: t.started, finished: t.finished, worker: worker, retryOf: t.retryOf)
        stored[study, default: []].append(t)
        return number
    }
    public func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) -> Bool {
        guard var list = stored[study], trial.number < list.count, list[trial.number].state == .running else { return false }
        list[trial.number] = trial
        stored[study] = list
        return true
    }
    public func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        stored[study]?[number].reports.append(report)
    }

    private var sessions: [Int64: StudySession] = [:]
    public func studyID(named name: String) throws(TuneError) -> Int64? { headers.firstIndex { $0.name == name }.map(Int64.init) }
    public func publish(study: Int64, _ session: StudySession) throws(TuneError) { sessions[study] = session }
    public func session(study: Int64, cells: Bool) throws(TuneError) -> StudySession? { sessions[study] }
    public func setStopped(study: Int64, _ stopped: Bool) throws(TuneError) { sessions[study]?.stopped = stopped }
    // One process holds the memory: its trials cannot be lost to another's death.
    public func beat(study: Int64, trial number: Int) throws(TuneError) {}
    public func silentTrials(study: Int64, grace: Double) throws(TuneError) -> [Int] { [] }
    public func reopen() throws(TuneError) -> (any StudyStorage)? { nil }
}

extension StudyStorage {
    /// The stored session with its cells.
    public func session(study: Int64) throws(TuneError) -> StudySession? { try session(study: study, cells: true) }
}

extension StudyHeader {
    /// A stored study continues only with the same space and spec.
    static func check(_ stored: StudyHeader, against wanted: StudyHeader) throws(TuneError) {
        if stored.space != wanted.space {
            throw TuneError("the study '\(wanted.name)' is stored with another space: \(stored.space)",
                            advice: "give the study another name:, or use the stored space to continue it")
        }
        if stored.spec != wanted.spec {
            throw TuneError("the study '\(wanted.name)' is stored with another objective: \(stored.spec)",
                            advice: "give the study another name:, or use the stored objective to continue it")
        }
    }
}
