import Foundation

/// The study schema's statements (studies, trials, reports), written once for every SQL
/// storage: a storage gives its query function (parameters written `?`), how it names
/// itself in messages, and the two statements its dialect spells its own way.
struct StudyTables {
    let rows: StoredRows
    /// Rows of a statement with its parameters.
    let query: (String, [StoredValue]) throws(TuneError) -> [[StoredValue]]
    /// Stores a new study's header and returns its id.
    let insertStudy: ([StoredValue]) throws(TuneError) -> Int64
    /// Stores a report, replacing one at the same step.
    let upsertReport: String

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
        let trialRows = try query("SELECT number, state, raw, params, metrics, error, started, finished FROM trials WHERE study = ? ORDER BY number", [.integer(study)])
        let reports = try query("SELECT number, step, value FROM reports WHERE study = ? ORDER BY number, step", [.integer(study)])
        return try rows.trials(trialRows, reports: reports)
    }

    /// Call it holding the study's lock: the number is the next free one.
    func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int {
        let top = try query("SELECT MAX(number) FROM trials WHERE study = ?", [.integer(study)]).first?.first ?? .null
        let next = try rows.nextNumber(after: top)
        _ = try query("INSERT INTO trials(study, number, state, raw, params, metrics, error, started, finished, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      [.integer(study), .integer(Int64(next))] + StoredRows.values(trial) + [.text(worker)])
        return next
    }

    func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) {
        _ = try query("UPDATE trials SET state = ?, metrics = ?, error = ?, finished = ? WHERE study = ? AND number = ?",
                      [.text(trial.state.rawValue), .text(StoredRows.encodeMetrics(trial.metrics)), trial.error.map { .text($0) } ?? .null,
                       trial.finished.map { .real($0.timeIntervalSince1970) } ?? .null, .integer(study), .integer(Int64(trial.number))])
    }

    func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        _ = try query(upsertReport, [.integer(study), .integer(Int64(number)), .integer(Int64(report.step)), .real(report.value)])
    }

    func workers(study: Int64) throws(TuneError) -> [Int: String] {
        var out: [Int: String] = [:]
        for r in try query("SELECT number, worker FROM trials WHERE study = ? AND state = 'running'", [.integer(study)]) where !r[1].isNull {
            guard let n = r[0].integerValue, StoredRows.trialNumbers.contains(n) else { continue }
            out[Int(n)] = r[1].text
        }
        return out
    }
}


