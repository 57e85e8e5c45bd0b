import Foundation

/// A value read from or written to a study's database (SQLite or PostgreSQL).
enum StoredValue: CustomStringConvertible {
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

/// The study schema's rows as trials, for every storage that keeps them in SQL: rows are
/// checked as they are read, so a database edited by hand or by another program is an
/// error that names the row, never a trap or an index past an array.
struct StoredRows {
    /// Where the rows are, for messages: "the study file /x/s.db".
    let place: String
    /// What to do about damaged rows.
    let advice: String

    /// The trial numbers a study may hold.
    static let trialNumbers: ClosedRange<Int64> = 0...Int64(Int32.max)

    /// A stored study's header from its row (id, name, space, spec, method, seed).
    func header(_ row: [StoredValue], name: String) throws(TuneError) -> (id: Int64, header: StudyHeader) {
        func bad(_ what: String) -> TuneError { TuneError("the study '\(name)' in \(place) is damaged: its \(what)", advice: advice) }
        guard row.count == 6, let id = row[0].integerValue else { throw bad("id is \(row.first ?? .null)") }
        guard let seed = row[5].integerValue else { throw bad("seed is \(row[5]), not a whole number of 64 bits") }
        for (i, what) in [(2, "space"), (3, "spec"), (4, "method")] where !row[i].isText { throw bad("\(what) is \(row[i]), not text") }
        return (id, StudyHeader(name: row[1].text, space: row[2].text, spec: row[3].text, method: row[4].text, seed: UInt64(bitPattern: seed)))
    }

    /// The number after the highest stored one (`top`, null when there is none).
    func nextNumber(after top: StoredValue) throws(TuneError) -> Int {
        guard top.isNull || (top.integerValue.map { Self.trialNumbers.contains($0) && $0 < Self.trialNumbers.upperBound } ?? false) else {
            throw TuneError("\(place) holds a trial numbered \(top); no number is left for the next one", advice: advice)
        }
        return top.integerValue.map { Int($0) + 1 } ?? 0
    }

    /// Trials from rows of (number, state, raw, params, metrics, error, started, finished, worker, retry_of)
    /// and reports from rows of (number, step, value).
    func trials(_ rows: [[StoredValue]], reports reportRows: [[StoredValue]]) throws(TuneError) -> [Trial] {
        // Params are rebuilt from the raw values by the study, which knows the space; the
        // stored JSON is for people and other tools.
        var reports: [Int: [Trial.Report]] = [:]
        for r in reportRows {
            guard r.count == 3, let number = r[0].integerValue, Self.trialNumbers.contains(number), let step = r[1].integerValue, abs(step) <= 1 << 53 else {
                throw TuneError("a report in \(place) has trial \(r.first ?? .null) and step \(r.count > 1 ? r[1] : .null); both must be whole numbers in range",
                                advice: advice)
            }
            reports[Int(number), default: []].append(.init(step: Int(step), value: r[2].real))
        }
        var seen = Set<Int>()
        return try rows.map { row throws(TuneError) -> Trial in
            guard row.count == 10, let n = row[0].integerValue, Self.trialNumbers.contains(n) else {
                throw TuneError("a trial in \(place) has the number \(row.first ?? .null); trial numbers are whole numbers from 0 to \(Self.trialNumbers.upperBound)",
                                advice: advice)
            }
            let number = Int(n)
            func bad(_ what: String) -> TuneError { TuneError("trial \(number) of \(place) \(what)", advice: advice) }
            guard seen.insert(number).inserted else { throw bad("appears twice") }
            guard let state = Trial.State(rawValue: row[1].text) else { throw bad("has an unknown state '\(row[1].text)'") }
            let started = row[6].real, finished = row[7].isNull ? nil : row[7].real
            guard started.isFinite, finished?.isFinite ?? true else { throw bad("has a start or end time that is not a number") }
            var retryOf: Int?
            if !row[9].isNull {
                guard let r = row[9].integerValue, (0..<n).contains(r) else { throw bad("retries trial \(row[9]), which is not an earlier trial") }
                retryOf = Int(r)
            }
            return Trial(number: number, raw: try Self.decodeRaw(row[2].text, trial: number), params: .null, state: state,
                         metrics: try Self.decodeMetrics(row[4].text, trial: number), error: row[5].isNull ? nil : row[5].text, reports: reports[number] ?? [],
                         started: Date(timeIntervalSince1970: started), finished: finished.map { Date(timeIntervalSince1970: $0) },
                         worker: row[8].isNull ? nil : row[8].text, retryOf: retryOf)
        }
    }

    /// The values stored for a new trial: state, raw, params, metrics, error, started, finished.
    static func values(_ trial: Trial) -> [StoredValue] {
        [.text(trial.state.rawValue), .text(encodeRaw(trial.raw)), .text(trial.params.json), .text(encodeMetrics(trial.metrics)),
         trial.error.map { .text($0) } ?? .null, .real(trial.started.timeIntervalSince1970), trial.finished.map { .real($0.timeIntervalSince1970) } ?? .null]
    }

    static func encodeRaw(_ raw: [Double]) -> String { "[" + raw.map { $0.isNaN ? "null" : "\($0)" }.joined(separator: ",") + "]" }

    /// A JSON array of numbers and nulls (NaN), each number read by Swift's correctly rounded
    /// parser: Foundation's JSON reader gets the last bit of some wrong, and a stored point or
    /// value must come back as it was.
    static func decodeRaw(_ text: String, trial: Int = -1) throws(TuneError) -> [Double] {
        let bad = TuneError("trial \(trial)'s stored point is not a JSON array: \(text.prefix(200))")
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard s.hasPrefix("["), s.hasSuffix("]"), s.count >= 2 else { throw bad }
        let inner = s.dropFirst().dropLast().trimmingCharacters(in: .whitespacesAndNewlines)
        if inner.isEmpty { return [] }
        var out: [Double] = []
        for item in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let t = item.trimmingCharacters(in: .whitespacesAndNewlines)
            if t == "null" { out.append(.nan); continue }
            guard let v = number(t) else { throw TuneError("trial \(trial)'s stored point holds \(t.prefix(40)), not a number: \(text.prefix(200))") }
            out.append(v)
        }
        return out
    }

    /// A JSON number (or the text Swift writes for an infinity), correctly rounded.
    private static func number(_ t: String) -> Double? {
        guard let first = t.unicodeScalars.first, first == "-" || first == "+" || ("0"..."9").contains(first) || first == "i" else { return nil }
        return Double(t)
    }

    static func encodeMetrics(_ metrics: [(name: String, value: Double)]) -> String {
        "[" + metrics.map { "[\(ParamValue.quote($0.name)),\($0.value.isFinite ? "\($0.value)" : "\"\($0.value)\"")]" }.joined(separator: ",") + "]"
    }

    /// Pairs of a JSON string and a number (or a quoted non-finite one: "nan", "inf"), the
    /// numbers read as `decodeRaw` reads them.
    static func decodeMetrics(_ text: String, trial: Int = -1) throws(TuneError) -> [(name: String, value: Double)] {
        let bad = TuneError("trial \(trial)'s stored metrics are not JSON pairs: \(text.prefix(200))")
        let b = Array(text.utf8)
        var i = 0
        func skip() { while i < b.count && (b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09) { i += 1 } }
        func expect(_ c: UInt8) throws(TuneError) { skip(); guard i < b.count && b[i] == c else { throw bad }; i += 1 }
        /// A JSON string from its opening quote, unescaped by Foundation's reader.
        func string() throws(TuneError) -> String {
            skip()
            guard i < b.count && b[i] == 0x22 else { throw bad }
            let start = i
            i += 1
            while i < b.count && b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
            guard i < b.count else { throw bad }
            i += 1
            guard let s = try? JSONSerialization.jsonObject(with: Data(b[start..<i]), options: .fragmentsAllowed) as? String else { throw bad }
            return s
        }
        var out: [(name: String, value: Double)] = []
        try expect(0x5B)
        skip()
        if i < b.count && b[i] == 0x5D { i += 1; return out }
        while true {
            try expect(0x5B)
            let name = try string()
            try expect(0x2C)
            skip()
            let value: Double
            if i < b.count && b[i] == 0x22 {
                value = Double(try string()) ?? .nan
            } else {
                let start = i
                while i < b.count && b[i] != 0x5D && b[i] != 0x20 { i += 1 }
                guard let v = number(String(decoding: b[start..<i], as: UTF8.self)) else { throw bad }
                value = v
            }
            try expect(0x5D)
            out.append((name, value))
            skip()
            guard i < b.count else { throw bad }
            if b[i] == 0x5D { i += 1; break }
            try expect(0x2C)
        }
        skip()
        guard i == b.count else { throw bad }
        return out
    }
}
