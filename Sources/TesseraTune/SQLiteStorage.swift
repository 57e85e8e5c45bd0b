import CSQLite
import Foundation
import TesseraTensor

/// A study in one SQLite file, in WAL mode: every finished trial is committed before the
/// next starts, so `kill -9` loses at most the trials that were running (marked as such on
/// resume). Worker processes share the file; `BEGIN IMMEDIATE` serializes their
/// suggestions.
public final class SQLiteStorage: TableStorage {
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
            started REAL NOT NULL, finished REAL, worker TEXT, heartbeat REAL, retry_of INTEGER, UNIQUE(study, number));
        CREATE TABLE IF NOT EXISTS reports(
            study INTEGER NOT NULL, number INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL,
            PRIMARY KEY(study, number, step));
        CREATE TABLE IF NOT EXISTS sessions(
            study INTEGER PRIMARY KEY REFERENCES studies(id), cells TEXT NOT NULL, hash TEXT NOT NULL, budget INTEGER NOT NULL,
            heartbeat REAL NOT NULL, retries INTEGER NOT NULL, stopped INTEGER NOT NULL, host TEXT NOT NULL, updated REAL NOT NULL);
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
            // A file of an earlier version gains the trial columns it lacks.
            let present = Set(try query("PRAGMA table_info(trials)", []).compactMap { $0.count > 1 ? $0[1].text : nil })
            for (column, type) in StudyTables.addedTrialColumns where !present.contains(column) {
                try execute("ALTER TABLE trials ADD COLUMN \(column) \(type)")
            }
        } catch {
            sqlite3_close(db); db = nil
            throw TuneError("\(path) is not a study file Tessera can use: \(error.message)", advice: "give storage: a new file name")
        }
    }

    deinit { sqlite3_close(db) }

    public var location: String? { path }

    // MARK: StudyStorage (the statements are the tables', TableStorage)

    /// The schema's statements on this file, naming it in every message.
    public var tables: StudyTables {
        StudyTables(rows: StoredRows(place: "the study file \(path)", advice: "give storage: a new file name"),
                    query: { [unowned self] (sql, values) throws(TuneError) in try self.query(sql, values) },
                    insertStudy: { [unowned self] (values) throws(TuneError) in
                        try self.run("INSERT INTO studies(name, space, spec, method, seed, created) VALUES (?, ?, ?, ?, ?, ?)", values)
                        return sqlite3_last_insert_rowid(self.db)
                    },
                    upsertReport: "INSERT OR REPLACE INTO reports(study, number, step, value) VALUES (?, ?, ?, ?)",
                    now: "((julianday('now') - 2440587.5) * 86400.0)")
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

    public func reopen() throws(TuneError) -> (any StudyStorage)? { try SQLiteStorage(path: path) }

    // MARK: SQLite

    typealias Column = StoredValue

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
