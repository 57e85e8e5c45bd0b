import CLibPQ
import Foundation

/// A study in a PostgreSQL database, shared by workers on any number of hosts: the schema
/// and semantics of `SQLiteStorage` (studies, trials, reports; every finished trial
/// committed at once). `exclusive` is a transaction holding the study lock (a PostgreSQL
/// advisory lock), so a suggestion and the row of its trial are claimed together and no
/// two workers anywhere get the same trial number or point.
public final class PostgresStorage: TableStorage {
    private var connection: OpaquePointer?
    /// The server's URL as the user gave it (`postgresql://user@host:5432/db`).
    public let url: String
    private var depth = 0
    /// Seconds a storage that lost its server keeps trying to reach it again (a restart, a
    /// network cut) before a statement fails; each try waits twice as long as the one before,
    /// up to 5 s. A finished trial's result waits for the server in the meantime.
    public var reconnectWindow: Double = 300

    /// The key of the advisory lock that serializes claims (and creating the schema).
    static let lockKey: Int64 = 0x7E55_E7A0

    static let schema = """
        CREATE TABLE IF NOT EXISTS studies(
            id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, space TEXT NOT NULL, spec TEXT NOT NULL,
            method TEXT NOT NULL, seed BIGINT NOT NULL, created DOUBLE PRECISION NOT NULL);
        CREATE TABLE IF NOT EXISTS trials(
            id BIGSERIAL PRIMARY KEY, study BIGINT NOT NULL REFERENCES studies(id), number BIGINT NOT NULL,
            state TEXT NOT NULL, raw TEXT NOT NULL, params TEXT NOT NULL, metrics TEXT NOT NULL, error TEXT,
            started DOUBLE PRECISION NOT NULL, finished DOUBLE PRECISION, worker TEXT, heartbeat DOUBLE PRECISION, retry_of BIGINT,
            UNIQUE(study, number));
        ALTER TABLE trials ADD COLUMN IF NOT EXISTS heartbeat DOUBLE PRECISION;
        ALTER TABLE trials ADD COLUMN IF NOT EXISTS retry_of BIGINT;
        CREATE TABLE IF NOT EXISTS reports(
            study BIGINT NOT NULL, number BIGINT NOT NULL, step BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
            PRIMARY KEY(study, number, step));
        CREATE TABLE IF NOT EXISTS sessions(
            study BIGINT PRIMARY KEY REFERENCES studies(id), cells TEXT NOT NULL, hash TEXT NOT NULL, budget BIGINT NOT NULL,
            heartbeat DOUBLE PRECISION NOT NULL, retries BIGINT NOT NULL, stopped BIGINT NOT NULL, host TEXT NOT NULL,
            updated DOUBLE PRECISION NOT NULL);
        """

    /// Whether `storage:` names a PostgreSQL server rather than a file.
    public static func isURL(_ text: String) -> Bool { text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") }

    public init(url: String) throws(TuneError) {
        self.url = url
        connection = try Self.connect(url)
        do {
            try exclusive { () throws(TuneError) in try execute(Self.schema) }
        } catch {
            PQfinish(connection); connection = nil
            throw TuneError("the database \(Self.redacted(url)) cannot hold Tessera's studies: \(error.message)",
                            advice: "give storage: another database, or drop the tables studies, trials, reports and sessions there")
        }
    }

    /// A new connection, set up for the study statements.
    private static func connect(_ url: String) throws(TuneError) -> OpaquePointer {
        // A host that never answers must not hold the cell for minutes (libpq waits forever by
        // default): 10 s, unless the URL says otherwise (its own parameters come after).
        let keywords = ["connect_timeout", "dbname"], values = ["10", url]
        let opened = keywords.withCStrings { k in values.withCStrings { v in PQconnectdbParams(k, v, 1) } }
        guard let c = opened else { throw TuneError("cannot connect to \(Self.redacted(url)): out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let reason = Self.message(c)
            PQfinish(c)
            var e = TuneError("cannot connect to the study database \(Self.redacted(url)): \(reason)",
                              advice: "check that the server runs and the URL's user, host, port and database (postgresql://user@host:5432/db)")
            e.isConnectionLost = true
            throw e
        }
        // The server's notices ("relation already exists, skipping") are not the user's business.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        // Numbers as text that reads back to the same Double (PostgreSQL 12+ does so by default).
        guard let set = PQexec(c, "SET extra_float_digits = 3") else { PQfinish(c); throw TuneError("cannot set up \(Self.redacted(url)): out of memory") }
        PQclear(set)
        return c
    }

    /// Connects again after the server went away, waiting 0.1 s, 0.2 s, ... (at most 5 s)
    /// between tries, for at most `reconnectWindow` seconds.
    private func reconnect(after lost: TuneError) throws(TuneError) {
        PQfinish(connection); connection = nil
        let start = Date()
        var wait = 0.1, last = lost
        while Date().timeIntervalSince(start) < reconnectWindow {
            Thread.sleep(forTimeInterval: min(wait, max(0, reconnectWindow - Date().timeIntervalSince(start))))
            wait = min(wait * 2, 5)
            do {
                connection = try Self.connect(url)
                return
            } catch {
                last = error
            }
        }
        throw TuneError("lost the study database \(Self.redacted(url)) and could not reach it again in \(Int(reconnectWindow)) s: \(last.message)",
                        advice: "check the server and the network; the finished trials are stored, and study.resume() (or the same cell) continues")
    }

    /// Runs `body`, once more on a new connection each time the connection breaks.
    private func resilient<T>(_ body: () throws(TuneError) -> T) throws(TuneError) -> T {
        while true {
            do { return try body() } catch where error.isConnectionLost && depth == 0 {
                try reconnect(after: error)
            }
        }
    }

    deinit { PQfinish(connection) }

    public var location: String? { Self.redacted(url) }

    /// The URL without its password, for messages and the study's display.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// The schema's statements on this server, naming it in every message.
    public var tables: StudyTables {
        StudyTables(rows: StoredRows(place: "the study database \(Self.redacted(url))", advice: "give the study a new name:"),
                    query: { [unowned self] (sql, values) throws(TuneError) in try self.query(sql, values) },
                    insertStudy: { [unowned self] (values) throws(TuneError) in
                        let inserted = try self.query("INSERT INTO studies(name, space, spec, method, seed, created) VALUES (?, ?, ?, ?, ?, ?) RETURNING id", values)
                        guard let id = inserted.first?.first?.integerValue else { throw TuneError("the study database \(Self.redacted(self.url)) gave no id for a new study") }
                        return id
                    },
                    upsertReport: "INSERT INTO reports(study, number, step, value) VALUES (?, ?, ?, ?) ON CONFLICT (study, number, step) DO UPDATE SET value = EXCLUDED.value",
                    now: "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)")
    }

    // MARK: StudyStorage (the statements are the tables', TableStorage)

    public func exclusive<T>(_ body: () throws(TuneError) -> T) throws(TuneError) -> T {
        if depth > 0 { return try body() }
        // A transaction cut by a lost connection is rolled back by the server: it runs again whole.
        return try resilient { () throws(TuneError) -> T in
            depth += 1
            defer { depth -= 1 }
            try execute("BEGIN")
            do throws(TuneError) {
                // Held until the transaction ends, by every worker on every host that claims.
                _ = try query("SELECT pg_advisory_xact_lock(?)", [.integer(Self.lockKey)])
                let value = try body()
                try execute("COMMIT")
                return value
            } catch {
                if !error.isConnectionLost { try? execute("ROLLBACK") }
                throw error
            }
        }
    }

    public func reopen() throws(TuneError) -> (any StudyStorage)? { try PostgresStorage(url: url) }

    // MARK: libpq

    private static func message(_ c: OpaquePointer?) -> String {
        guard let c, let m = PQerrorMessage(c) else { return "unknown error" }
        return String(cString: m).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func execute(_ sql: String) throws(TuneError) {
        try resilient { () throws(TuneError) in
            guard let result = PQexec(connection, sql) else { throw fail("running \(sql.prefix(40))") }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw fail("running \(sql.prefix(40))", result) }
        }
    }

    private func fail(_ what: String, _ result: OpaquePointer? = nil) -> TuneError {
        let detail = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        var e = TuneError("the study database \(location ?? url): \(what) failed: \(detail.isEmpty ? Self.message(connection) : detail)")
        e.isConnectionLost = connection == nil || PQstatus(connection) != CONNECTION_OK
        return e
    }

    private func run(_ sql: String, _ values: [StoredValue]) throws(TuneError) { _ = try query(sql, values) }

    /// Runs `sql` with `values` as its parameters ($1, $2, ...), sent as text, and returns the
    /// rows: each column as an integer, a real or text by its type, null as null.
    private func query(_ statement: String, _ values: [StoredValue]) throws(TuneError) -> [[StoredValue]] {
        try resilient { () throws(TuneError) in try queryOnce(statement, values) }
    }

    private func queryOnce(_ statement: String, _ values: [StoredValue]) throws(TuneError) -> [[StoredValue]] {
        // The schema's statements write parameters `?`; PostgreSQL numbers them ($1, $2, ...).
        var sql = "", n = 0
        for c in statement {
            if c == "?" { n += 1; sql += "$\(n)" } else { sql.append(c) }
        }
        let texts: [String?] = values.map {
            switch $0 {
            case .integer(let i): return String(i)
            case .real(let d): return d.isNaN ? "NaN" : d.isInfinite ? (d > 0 ? "Infinity" : "-Infinity") : "\(d)"
            case .text(let s): return s
            case .null: return nil
            }
        }
        // C strings that live through the call.
        let owned = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for p in owned { free(p) } }
        let pointers: [UnsafePointer<CChar>?] = owned.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer { p in
            PQexecParams(connection, sql, Int32(values.count), nil, p.baseAddress, nil, nil, 0)
        }
        guard let result else { throw fail("running \(sql.prefix(40))") }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw fail("running \(sql.prefix(40))", result) }
        let rows = Int(PQntuples(result)), columns = Int(PQnfields(result))
        let kinds: [Oid] = (0..<columns).map { PQftype(result, Int32($0)) }
        var out: [[StoredValue]] = []
        out.reserveCapacity(rows)
        for r in 0..<rows {
            out.append((0..<columns).map { c -> StoredValue in
                if PQgetisnull(result, Int32(r), Int32(c)) != 0 { return .null }
                let n = Int(PQgetlength(result, Int32(r), Int32(c)))
                guard let p = PQgetvalue(result, Int32(r), Int32(c)) else { return .null }
                let text = String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
                switch kinds[c] {
                case 20, 21, 23: return Int64(text).map { .integer($0) } ?? .text(text)  // int8, int2, int4
                case 700, 701: return Double(text).map { .real($0) } ?? .text(text)      // float4, float8
                default: return .text(text)
                }
            })
        }
        return out
    }
}

extension Array where Element == String {
    /// The strings as a NULL-terminated array of C strings, alive during `body`.
    fileprivate func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let owned = map { strdup($0) }
        defer { owned.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = owned.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
