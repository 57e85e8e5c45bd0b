import Foundation

/// The outcome of `frame.check(target:test:)`: one result per quality check, each with a
/// status, what it found, and what to do about it.
public struct QualityReport: Sendable {
    public enum Status: String, Sendable, Comparable {
        case pass, warn, fail
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
        var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
    }

    public struct Result: Sendable {
        public let name: String
        public let status: Status
        /// What the check found, with numbers and column names.
        public let detail: String
        /// What to do about it (empty when it passed).
        public let advice: String
        /// The rule it applies, e.g. "warn above 0% missing, fail above 30%".
        public let threshold: String
    }

    public let results: [Result]
    public let rows: Int

    public func result(_ name: String) -> Result? { results.first { $0.name == name } }
    public func status(_ name: String) -> Status? { result(name)?.status }
    public var failed: [String] { results.filter { $0.status == .fail }.map(\.name) }
    public var warned: [String] { results.filter { $0.status == .warn }.map(\.name) }
    public var passed: Bool { failed.isEmpty }

    /// Every check's name, in the order they run.
    public static let checkNames = QualityChecks.all.map { $0.name } + QualityChecks.withTest.map { $0.name }
}

/// One quality check: a name, its rule, and a run over the frame.
public protocol QualityCheck: Sendable {
    var name: String { get }
    var threshold: String { get }
    func run(_ context: CheckContext) -> (QualityReport.Status, detail: String, advice: String)
}

/// What every check sees: the frame, the target, the test frame, and row hashes shared
/// by the checks that compare rows.
public struct CheckContext: Sendable {
    public let frame: Frame
    public let target: String?
    public let test: Frame?
    /// The columns other than the target.
    public var features: [Column] { frame.columns.filter { $0.name != target } }
    public var targetColumn: Column? { target.flatMap { try? frame.column($0) } }

    /// Rows per target value when the target looks like classes (at most 50 values).
    public var classCounts: [String: Int]? {
        guard let t = targetColumn, t.uniqueTexts.count <= 50 else { return nil }
        var counts: [String: Int] = [:]
        for i in 0..<t.count { if let v = t.text(at: i) { counts[v, default: 0] += 1 } }
        return counts
    }

    /// A hash of each row over the given columns (equal rows hash equal).
    public static func rowHashes(_ columns: [Column], rows: Int) -> [UInt64] {
        var h = [UInt64](repeating: 0xCBF2_9CE4_8422_2325, count: rows)
        for c in columns {
            for i in 0..<rows {
                var v: UInt64
                switch c.value(at: i) {
                case .missing: v = 0x9E37_79B9_7F4A_7C15
                case .double(let d): v = d.bitPattern &+ 1
                case .int(let x): v = Double(x).bitPattern &+ 1
                case .bool(let b): v = b ? 3 : 5
                case .string(let s): v = UInt64(bitPattern: Int64(s.hashValue))
                }
                h[i] = (h[i] ^ v) &* 0x100_0000_01B3
                h[i] ^= h[i] >> 29
            }
        }
        return h
    }
}

enum QualityChecks {
    static let all: [any QualityCheck] = [
        ParseCheck(), SchemaCheck(), MissingCheck(), MixedTypesCheck(), ConstantCheck(), DuplicatesCheck(),
        ConflictingLabelsCheck(), RangesCheck(), NonFiniteCheck(), OutliersCheck(), ClassBalanceCheck(), LeakageCheck(),
    ]
    static let withTest: [any QualityCheck] = [OverlapCheck(), DriftCheck()]
}

extension Frame {
    /// Runs every quality check (and, given `test`, the train/test checks) and reports.
    public func check(target: String? = nil, test: Frame? = nil) throws(DataError) -> QualityReport {
        let t = target ?? self.target
        if let t, !hasColumn(t) { throw DataError.noColumn(t, in: columnNames) }
        let context = CheckContext(frame: self, target: t, test: test)
        let checks = QualityChecks.all + (test == nil ? [] : QualityChecks.withTest)
        let results = checks.map { c in
            let (status, detail, advice) = c.run(context)
            return QualityReport.Result(name: c.name, status: status, detail: detail, advice: status == .pass ? "" : advice, threshold: c.threshold)
        }
        return QualityReport(results: results, rows: rowCount)
    }
}

/// Short lists for details: `a, b, c and 4 more`.
func listed(_ items: [String], max: Int = 4) -> String {
    items.count <= max ? items.joined(separator: ", ") : items.prefix(max).joined(separator: ", ") + " and \(items.count - max) more"
}

func percent(_ x: Double) -> String {
    x == 0 ? "0%" : x < 0.001 ? "<0.1%" : x < 0.1 ? String(format: "%.1f%%", x * 100) : String(format: "%.0f%%", x * 100)
}
