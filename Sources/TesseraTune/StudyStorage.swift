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
    /// Stores a trial's state, metrics, error and finish time.
    func updateTrial(study: Int64, _ trial: Trial) throws(TuneError)
    func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError)
    /// Worker names of the running trials, to tell live workers from dead ones.
    func workers(study: Int64) throws(TuneError) -> [Int: String]
    /// A place to show users (a path), or nil for memory.
    var location: String? { get }
}

/// Trials kept in memory for the life of the session.
public final class MemoryStorage: StudyStorage {
    private var headers: [StudyHeader] = []
    private var stored: [Int64: [Trial]] = [:]
    private var workerNames: [Int64: [Int: String]] = [:]

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
        t = Trial(number: number, raw: t.raw, params: t.params, state: t.state, metrics: t.metrics, error: t.error, reports: t.reports, started: t.started, finished: t.finished)
        stored[study, default: []].append(t)
        workerNames[study, default: [:]][number] = worker
        return number
    }
    public func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) {
        guard var list = stored[study], trial.number < list.count else { return }
        list[trial.number] = trial
        stored[study] = list
    }
    public func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        stored[study]?[number].reports.append(report)
    }
    public func workers(study: Int64) throws(TuneError) -> [Int: String] { workerNames[study] ?? [:] }
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
