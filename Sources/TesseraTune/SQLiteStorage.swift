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
                func bad(_ what: String) -> TuneError {
                    TuneError("the study '\(header.name)' in \(path) is damaged: its \(what)", advice: "give storage: a new file name, or a new name:")
                }
                guard let id = row[0].integerValue else { throw bad("id is \(row[0])") }
                guard let seed = row[5].integerValue else { throw bad("seed is \(row[5]), not a whole number of 64 bits") }
                for (i, what) in [(2, "space"), (3, "spec"), (4, "method")] where !row[i].isText { throw bad("\(what) is \(row[i]), not text") }
                let stored = StudyHeader(name: row[1].text, space: row[2].text, spec: row[3].text, method: row[4].text, seed: UInt64(bitPattern: seed))
                try StudyHeader.check(stored, against: header)
                return id
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
        // Rows are checked as they are read: a file edited by hand or by another program
        // is an error that names the row, never a trap or an index past an array.
        let rows = try query("SELECT number, state, raw, params, metrics, error, started, finished FROM trials WHERE study = ? ORDER BY number", [.integer(study)])
        var reports: [Int: [Trial.Report]] = [:]
        for r in try query("SELECT number, step, value FROM reports WHERE study = ? ORDER BY number, step", [.integer(study)]) {
            guard let number = r[0].integerValue, Self.trialNumbers.contains(number), let step = r[1].integerValue, abs(step) <= 1 << 53 else {
                throw TuneError("a report in the study file \(path) has trial \(r[0]) and step \(r[1]); both must be whole numbers in range",
                                advice: "give storage: a new file name")
            }
            reports[Int(number), default: []].append(.init(step: Int(step), value: r[2].real))
        }
        var seen = Set<Int>()
        return try rows.map { row throws(TuneError) -> Trial in
            guard let n = row[0].integerValue, Self.trialNumbers.contains(n) else {
                throw TuneError("a trial in the study file \(path) has the number \(row[0]); trial numbers are whole numbers from 0 to \(Self.trialNumbers.upperBound)",
                                advice: "give storage: a new file name")
            }
            let number = Int(n)
            func bad(_ what: String) -> TuneError { TuneError("trial \(number) of the study file \(path) \(what)", advice: "give storage: a new file name") }
            guard seen.insert(number).inserted else { throw bad("appears twice") }
            guard let state = Trial.State(rawValue: row[1].text) else { throw bad("has an unknown state '\(row[1].text)'") }
            let started = row[6].real, finished = row[7].isNull ? nil : row[7].real
            guard started.isFinite, finished?.isFinite ?? true else { throw bad("has a start or end time that is not a number") }
            return Trial(number: number, raw: try Self.decodeRaw(row[2].text, trial: number), params: .null, state: state,
                         metrics: try Self.decodeMetrics(row[4].text, trial: number), error: row[5].isNull ? nil : row[5].text, reports: reports[number] ?? [],
                         started: Date(timeIntervalSince1970: started), finished: finished.map { Date(timeIntervalSince1970: $0) })
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
            let top = try query("SELECT MAX(number) FROM trials WHERE study = ?", [.integer(study)])[0][0]
            guard top.isNull || (top.integerValue.map { Self.trialNumbers.contains($0) && $0 < Self.trialNumbers.upperBound } ?? false) else {
                throw TuneError("the study file \(path) holds a trial numbered \(top); no number is left for the next one", advice: "give storage: a new file name")
            }
            let next = top.integerValue.map { Int($0) + 1 } ?? 0
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
            guard let n = r[0].integerValue, Self.trialNumbers.contains(n) else { continue }
            out[Int(n)] = r[1].text
        }
        return out
    }

    // MARK: Encoding

    static func encodeRaw(_ raw: [Double]) -> String { "[" + raw.map { $0.isNaN ? "null" : "\($0)" }.joined(separator: ",") + "]" }

    /// The trial numbers a study file may hold.
    static let trialNumbers: ClosedRange<Int64> = 0...Int64(Int32.max)

    static func decodeRaw(_ text: String, trial: Int = -1) throws(TuneError) -> [Double] {
        guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
            throw TuneError("trial \(trial)'s stored point is not a JSON array: \(text.prefix(200))")
        }
        var out: [Double] = []
        for item in items {
            if item is NSNull { out.append(.nan); continue }
            guard let n = item as? NSNumber else { throw TuneError("trial \(trial)'s stored point holds \(item), not a number: \(text.prefix(200))") }
            out.append(n.doubleValue)
        }
        return out
    }

    static func encodeMetrics(_ metrics: [(name: String, value: Double)]) -> String {
        "[" + metrics.map { "[\(ParamValue.quote($0.name)),\($0.value.isFinite ? "\($0.value)" : "\"\($0.value)\"")]" }.joined(separator: ",") + "]"
    }

    static func decodeMetrics(_ text: String, trial: Int = -1) throws(TuneError) -> [(name: String, value: Double)] {
        guard let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[Any]] else {
            throw TuneError("trial \(trial)'s stored metrics are not JSON pairs: \(text.prefix(200))")
        }
        return items.compactMap { pair in
            guard pair.count == 2, let name = pair[0] as? String else { return nil }
            if let n = pair[1] as? NSNumber { return (name, n.doubleValue) }
            return (name, Double(pair[1] as? String ?? "") ?? .nan)
        }
    }

    // MARK: SQLite

    enum Column: CustomStringConvertible {
        case integer(Int64), real(Double), text(String), null
        /// The value when it is a whole number of 64 bits (an integer, or a real that is
        /// one exactly); nil for 1e300, 2.5, NaN, text and null.
        var integerValue: Int64? {
            switch self {
            case .integer(let i): return i
            case .real(let d): return Int64(exactly: d)
            default: return nil
            }
        }
        var isText: Bool { if case .text = self { return true }; return false }
        var real: Double { if case .real(let d) = self { return d }; if case .integer(let i) = self { return Double(i) }; return .nan }
        var text: String { if case .text(let s) = self { return s }; return "" }
        var isNull: Bool { if case .null = self { return true }; return false }
        var description: String {
            switch self {
            case .integer(let i): return "\(i)"
            case .real(let d): return "\(d)"
            case .text(let s): return "'\(s.prefix(80))'"
            case .null: return "null"
            }
        }
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
                default:
                    // Text (or a blob) by its length: a NUL inside must not cut it short.
                    guard let p = sqlite3_column_text(statement, i) else { return .text("") }
                    let n = Int(sqlite3_column_bytes(statement, i))  // after column_text, as SQLite asks
                    return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
                }
            })
        }
        return rows
    }
}
