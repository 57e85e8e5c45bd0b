import Foundation

/// A storage that keeps its studies in the SQL schema of `StudyTables` (SQLite, PostgreSQL):
/// it gives the tables and its own lock (`exclusive`), reconnection and place; every
/// statement of the study is the tables'.
public protocol TableStorage: StudyStorage {
    var tables: StudyTables { get }
}

extension TableStorage {
    public func openStudy(_ header: StudyHeader) throws(TuneError) -> Int64 {
        try exclusive { () throws(TuneError) -> Int64 in try tables.openStudy(header) }
    }
    public func trials(study: Int64) throws(TuneError) -> [Trial] { try tables.trials(study: study) }
    public func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int {
        try exclusive { () throws(TuneError) -> Int in try tables.insertTrial(study: study, trial, worker: worker) }
    }
    @discardableResult
    public func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) -> Bool { try tables.updateTrial(study: study, trial) }
    public func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        try tables.addReport(study: study, trial: number, report)
    }
    public func studyID(named name: String) throws(TuneError) -> Int64? { try tables.studyID(named: name) }
    public func publish(study: Int64, _ session: StudySession) throws(TuneError) { try tables.publish(study: study, session) }
    public func session(study: Int64, cells: Bool) throws(TuneError) -> StudySession? { try tables.session(study: study, cells: cells) }
    public func setStopped(study: Int64, _ stopped: Bool) throws(TuneError) { try tables.setStopped(study: study, stopped) }
    public func beat(study: Int64, trial number: Int) throws(TuneError) { try tables.beat(study: study, trial: number) }
    public func silentTrials(study: Int64, grace: Double) throws(TuneError) -> [Int] { try tables.silentTrials(study: study, grace: grace) }
}

/// The study schema's statements (studies, trials, reports, sessions), written once for
/// every SQL storage: a storage gives its query function (parameters written `?`), how it
/// names itself in messages, and what its dialect spells its own way.
public struct StudyTables {
    let rows: StoredRows
    /// Rows of a statement with its parameters.
    let query: (String, [StoredValue]) throws(TuneError) -> [[StoredValue]]
    /// Stores a new study's header and returns its id.
    let insertStudy: ([StoredValue]) throws(TuneError) -> Int64
    /// Stores a report, replacing one at the same step.
    let upsertReport: String
    /// The storage's clock in seconds since 1970, as SQL: heartbeats are written and read
    /// on the database's one clock, never on the hosts' (whose clocks may disagree).
    let now: String

    /// The columns a study database of an earlier version lacks, added when it is opened.
    static let addedTrialColumns = [("heartbeat", "REAL"), ("retry_of", "INTEGER")]

    func openStudy(_ header: StudyHeader) throws(TuneError) -> Int64 {
        if let row = try query("SELECT id, name, space, spec, method, seed FROM studies WHERE name = ?", [.text(header.name)]).first {
            let (id, stored) = try rows.header(row, name: header.name)
            try StudyHeader.check(stored, against: header)
            return id
        }
        return try insertStudy([.text(header.name), .text(header.space), .text(header.spec), .text(header.method),
                                .integer(Int64(bitPattern: header.seed)), .real(Date().timeIntervalSince1970)])
    }

    func trials(study: Int64) throws(TuneError) -> [Trial] {
        let trialRows = try query("SELECT number, state, raw, params, metrics, error, started, finished, worker, retry_of FROM trials WHERE study = ? ORDER BY number", [.integer(study)])
        let reports = try query("SELECT number, step, value FROM reports WHERE study = ? ORDER BY number, step", [.integer(study)])
        return try rows.trials(trialRows, reports: reports)
    }

    /// Call it holding the study's lock: the number is the next free one.
    func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int {
        let top = try query("SELECT MAX(number) FROM trials WHERE study = ?", [.integer(study)]).first?.first ?? .null
        let next = try rows.nextNumber(after: top)
        _ = try query("INSERT INTO trials(study, number, state, raw, params, metrics, error, started, finished, worker, retry_of, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(now))",
                      [.integer(study), .integer(Int64(next))] + StoredRows.values(trial) + [.text(worker), trial.retryOf.map { .integer(Int64($0)) } ?? .null])
        return next
    }

    /// A trial finishes once: a running one only is updated (a lost trial another worker
    /// failed keeps its state when its own worker comes back late).
    func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) -> Bool {
        try !query("UPDATE trials SET state = ?, metrics = ?, error = ?, finished = ? WHERE study = ? AND number = ? AND state = 'running' RETURNING number",
                      [.text(trial.state.rawValue), .text(StoredRows.encodeMetrics(trial.metrics)), trial.error.map { .text($0) } ?? .null,
                       trial.finished.map { .real($0.timeIntervalSince1970) } ?? .null, .integer(study), .integer(Int64(trial.number))]).isEmpty
    }

    func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        _ = try query(upsertReport, [.integer(study), .integer(Int64(number)), .integer(Int64(report.step)), .real(report.value)])
    }

    func studyID(named name: String) throws(TuneError) -> Int64? {
        try query("SELECT id FROM studies WHERE name = ?", [.text(name)]).first?.first?.integerValue
    }

    func publish(study: Int64, _ s: StudySession) throws(TuneError) {
        _ = try query("""
            INSERT INTO sessions(study, cells, hash, budget, heartbeat, retries, stopped, host, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, \(now))
            ON CONFLICT (study) DO UPDATE SET cells = excluded.cells, hash = excluded.hash, budget = excluded.budget, heartbeat = excluded.heartbeat,
                retries = excluded.retries, stopped = excluded.stopped, host = excluded.host, updated = excluded.updated
            """, [.integer(study), .text(s.cells), .text(s.hash), .integer(Int64(s.budget)), .real(s.heartbeat), .integer(Int64(s.retries)),
                  .integer(s.stopped ? 1 : 0), .text(s.host)])
    }

    func session(study: Int64, cells: Bool) throws(TuneError) -> StudySession? {
        // A worker checks the session before each trial and at each report: the cells (the
        // whole notebook's code) come only when asked for.
        let sql = "SELECT \(cells ? "cells" : "''"), hash, budget, heartbeat, retries, stopped, host FROM sessions WHERE study = ?"
        guard let r = try query(sql, [.integer(study)]).first else { return nil }
        guard r.count == 7, r[0].isText, r[1].isText, let budget = r[2].integerValue, (1...Int64(Int32.max)).contains(budget),
              r[3].real.isFinite, r[3].real > 0, let retries = r[4].integerValue, (0...1000).contains(retries), let stopped = r[5].integerValue else {
            throw TuneError("the session stored with study \(study) in \(rows.place) is damaged: \(r.map(\.description).joined(separator: ", ").prefix(200))",
                            advice: "run the study's tune cell again: it stores its session anew")
        }
        return StudySession(cells: r[0].text, hash: r[1].text, budget: Int(budget), heartbeat: r[3].real, retries: Int(retries), stopped: stopped != 0, host: r[6].text)
    }

    func setStopped(study: Int64, _ stopped: Bool) throws(TuneError) {
        _ = try query("UPDATE sessions SET stopped = ?, updated = \(now) WHERE study = ?", [.integer(stopped ? 1 : 0), .integer(study)])
    }

    func beat(study: Int64, trial number: Int) throws(TuneError) {
        _ = try query("UPDATE trials SET heartbeat = \(now) WHERE study = ? AND number = ? AND state = 'running'", [.integer(study), .integer(Int64(number))])
    }

    func silentTrials(study: Int64, grace: Double) throws(TuneError) -> [Int] {
        // A row of an earlier version has no heartbeat: its start stands in.
        try query("SELECT number FROM trials WHERE study = ? AND state = 'running' AND COALESCE(heartbeat, started) < \(now) - ?", [.integer(study), .real(grace)])
            .compactMap { $0.first?.integerValue }.filter { StoredRows.trialNumbers.contains($0) }.map { Int($0) }
    }
}


