import CSQLite
import Foundation
import TesseraTensor

/// A study in one SQLite file, in WAL mode: every finished trial is committed before the
/// next starts, so `kill -9` loses at most the trials that were running (marked as such on
/// resume). Worker processes share the file; `BEGIN IMMEDIATE` serializes their
/// suggestions.
public final class SQLiteStorage: StudyStorage {
    private var db: OpaquePointer?
    public let path: String
    private var depth = 0

    static let schema = """
        CREATE TABLE IF NOT EXISTS studies(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, space TEXT NOT NULL, spec TEXT NOT NULL,
            method TEXT NOT NULL, seed INTEGER NOT NULL, created REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS trials(
            id INTEGER PRIMARY KEY, study INTEGER NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
            state TEXT NOT NULL, raw TEXT NOT NULL, params TEXT NOT NULL, metrics TEXT NOT NULL, error TEXT,
            started REAL NOT NULL, finished REAL, worker TEXT, UNIQUE(study, number));
        CREATE TABLE IF NOT EXISTS reports(
            study INTEGER NOT NULL, number INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL,
            PRIMARY KEY(study, number, step));
        """

    public init(path: String) throws(TuneError) {
        self.path = path
        do { try RegularFile.checkPath(path) } catch { throw TuneError("cannot open the study file: \(error.reason)") }
        let dir = RegularFile.split(path).folder
        if !FileManager.default.fileExists(atPath: dir) {
            throw TuneError("cannot open the study file \(path): the folder \(dir) does not exist")
        }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db); db = nil
            throw TuneError("cannot open the study file \(path): \(message)")
        }
        sqlite3_busy_timeout(db, 30_000)
        do {
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=NORMAL")
            try execute(Self.schema)
        } catch {
            sqlite3_close(db); db = nil
            throw TuneError("\(path) is not a study file Tessera can use: \(error.message)", advice: "give storage: a new file name")
        }
    }

    deinit { sqlite3_close(db) }

    public var location: String? { path }

    // MARK: StudyStorage

    public func openStudy(_ header: StudyHeader) throws(TuneError) -> Int64 {
        try exclusive { () throws(TuneError) -> Int64 in
            let rows = try query("SELECT id, name, space, spec, method, seed FROM studies WHERE name = ?", [.text(header.name)])
            if let row = rows.first {
                let stored = StudyHeader(name: row[1].text, space: row[2].text, spec: row[3].text, method: row[4].text, seed: UInt64(bitPattern: row[5].integer))
                try StudyHeader.check(stored, against: header)
                return row[0].integer
            }
            try run("INSERT INTO studies(name, space, spec, method, seed, created) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(header.name), .text(header.space), .text(header.spec), .text(header.method),
                     .integer(Int64(bitPattern: header.seed)), .real(Date().timeIntervalSince1970)])
            return sqlite3_last_insert_rowid(db)
        }
    }

    public func trials(study: Int64) throws(TuneError) -> [Trial] {
        // Params are rebuilt from the raw values by the study, which knows the space; the
        // stored JSON is for people and other tools.
        let rows = try query("SELECT number, state, raw, params, metrics, error, started, finished FROM trials WHERE study = ? ORDER BY number", [.integer(study)])
        var reports: [Int: [Trial.Report]] = [:]
        for r in try query("SELECT number, step, value FROM reports WHERE study = ? ORDER BY number, step", [.integer(study)]) {
            reports[Int(r[0].integer), default: []].append(.init(step: Int(r[1].integer), value: r[2].real))
        }
        return try rows.map { row throws(TuneError) -> Trial in
            let number = Int(row[0].integer)
            guard let state = Trial.State(rawValue: row[1].text) else { throw TuneError("trial \(number) of the study file has an unknown state '\(row[1].text)'") }
            return Trial(number: number, raw: try Self.decodeRaw(row[2].text), params: .null, state: state,
                         metrics: try Self.decodeMetrics(row[4].text), error: row[5].isNull ? nil : row[5].text, reports: reports[number] ?? [],
                         started: Date(timeIntervalSince1970: row[6].real), finished: row[7].isNull ? nil : Date(timeIntervalSince1970: row[7].real))
        }
    }

    public func exclusive<T>(_ body: () throws(TuneError) -> T) throws(TuneError) -> T {
        if depth > 0 { return try body() }
        try execute("BEGIN IMMEDIATE")
        depth += 1
        defer { depth -= 1 }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public func insertTrial(study: Int64, _ trial: Trial, worker: String) throws(TuneError) -> Int {
        try exclusive { () throws(TuneError) -> Int in
            let next = Int(try query("SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study = ?", [.integer(study)])[0][0].integer)
            try run("INSERT INTO trials(study, number, state, raw, params, metrics, error, started, finished, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [.integer(study), .integer(Int64(next)), .text(trial.state.rawValue), .text(Self.encodeRaw(trial.raw)), .text(trial.params.json),
                     .text(Self.encodeMetrics(trial.metrics)), trial.error.map { .text($0) } ?? .null, .real(trial.started.timeIntervalSince1970),
                     trial.finished.map { .real($0.timeIntervalSince1970) } ?? .null, .text(worker)])
            return next
        }
    }

    public func updateTrial(study: Int64, _ trial: Trial) throws(TuneError) {
        try run("UPDATE trials SET state = ?, metrics = ?, error = ?, finished = ? WHERE study = ? AND number = ?",
                [.text(trial.state.rawValue), .text(Self.encodeMetrics(trial.metrics)), trial.error.map { .text($0) } ?? .null,
                 trial.finished.map { .real($0.timeIntervalSince1970) } ?? .null, .integer(study), .integer(Int64(trial.number))])
    }

    public func addReport(study: Int64, trial number: Int, _ report: Trial.Report) throws(TuneError) {
        try run("INSERT OR REPLACE INTO reports(study, number, step, value) VALUES (?, ?, ?, ?)",
                [.integer(study), .integer(Int64(number)), .integer(Int64(report.step)), .real(report.value)])
    }

    public func workers(study: Int64) throws(TuneError) -> [Int: String] {
        var out: [Int: String] = [:]
        for r in try query("SELECT number, worker FROM trials WHERE study = ? AND state = 'running'", [.integer(study)]) where !r[1].isNull {
            out[Int(r[0].integer)] = r[1].text
        }
        return out
    }

    // MARK: Encoding

    static func encodeRaw(_ raw: [Double]) -> String { "[" + raw.map { $0.isNaN ? "null" : "\($0)" }.joined(separator: ",") + "]" }

    static func decodeRaw(_ text: String) throws(TuneError) -> [Double] {
        guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else { throw TuneError("a trial's stored point is not a JSON array: \(text)") }
        return items.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    static func encodeMetrics(_ metrics: [(name: String, value: Double)]) -> String {
        "[" + metrics.map { "[\(ParamValue.quote($0.name)),\($0.value.isFinite ? "\($0.value)" : "\"\($0.value)\"")]" }.joined(separator: ",") + "]"
    }

    static func decodeMetrics(_ text: String) throws(TuneError) -> [(name: String, value: Double)] {
        guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else { throw TuneError("a trial's stored metrics are not JSON pairs: \(text)") }
        return items.compactMap { pair in
            guard pair.count == 2, let name = pair[0] as? String else { return nil }
            if let n = pair[1] as? NSNumber { return (name, n.doubleValue) }
            return (name, Double(pair[1] as? String ?? "") ?? .nan)
        }
    }

    // MARK: SQLite

    enum Column {
        case integer(Int64), real(Double), text(String), null
        var integer: Int64 { if case .integer(let i) = self { return i }; if case .real(let d) = self { return Int64(d) }; return 0 }
        var real: Double { if case .real(let d) = self { return d }; if case .integer(let i) = self { return Double(i) }; return .nan }
        var text: String { if case .text(let s) = self { return s }; return "" }
        var isNull: Bool { if case .null = self { return true }; return false }
    }

    private func fail(_ what: String) -> TuneError {
        TuneError("the study file \(path): \(what) failed: \(String(cString: sqlite3_errmsg(db)))")
    }

    private func execute(_ sql: String) throws(TuneError) {
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw TuneError("the study file \(path): \(text)")
        }
    }

    private func prepare(_ sql: String, _ values: [Column]) throws(TuneError) -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw fail("preparing a statement") }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .integer(let x): sqlite3_bind_int64(statement, index, x)
            case .real(let x): sqlite3_bind_double(statement, index, x)
            case .text(let s): sqlite3_bind_text(statement, index, s, -1, transient)
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        return statement
    }

    private func run(_ sql: String, _ values: [Column]) throws(TuneError) {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_DONE else { throw fail("writing") }
    }

    private func query(_ sql: String, _ values: [Column]) throws(TuneError) -> [[Column]] {
        let statement = try prepare(sql, values)
        defer { sqlite3_finalize(statement) }
        var rows: [[Column]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw fail("reading") }
            rows.append((0..<sqlite3_column_count(statement)).map { i in
                switch sqlite3_column_type(statement, i) {
                case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
                case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
                case SQLITE_NULL: return .null
                default: return .text(String(cString: sqlite3_column_text(statement, i)))
                }
            })
        }
        return rows
    }
}
