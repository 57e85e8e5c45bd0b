/// What reading a file found wrong, line by line, and how it was read: the frame keeps
/// it, `check` reports it as the "parse" check, and `strict: true` turns it into an error.
public struct ParseReport: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case shortRow = "short row"
        case longRow = "long row"
        case unterminatedQuote = "unterminated quote"
        case undecodable = "undecodable bytes"
        case conversion = "conversion"
        case renamedColumn = "renamed column"
        case encoding = "encoding"
    }

    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line in the file where the record starts (0 for the file as a whole).
        public var line: Int
        public var kind: Kind
        public var message: String
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// The first issues (at most `limit`); `issueCount` counts them all.
    public private(set) var issues: [Issue] = []
    public private(set) var issueCount = 0
    public var rowsRead = 0
    public var encoding = "utf-8"
    public var delimiter = ","
    /// How lines end, when not LF or CRLF: "CR (classic Mac OS)".
    public var lineEndings: String?
    public var hasHeader = true
    static let limit = 1000

    public init() {}

    public var isClean: Bool { issueCount == 0 }

    /// Issues that lost or changed data (not the informational ones: encoding, renames).
    public var dataIssues: [Issue] { issues.filter { ![.encoding, .renamedColumn].contains($0.kind) } }
    public var dataIssueCount: Int { issueCount - issues.filter { [.encoding, .renamedColumn].contains($0.kind) }.count }

    mutating func add(_ line: Int, _ kind: Kind, _ message: String) {
        issueCount += 1
        if issues.count < Self.limit { issues.append(Issue(line: line, kind: kind, message: message)) }
    }

    /// Issues in file order (the file as a whole first).
    mutating func sortByLine() {
        issues = issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    mutating func merge(_ other: ParseReport) { merge(other, shiftingLinesBy: 0) }

    /// `other`'s issues, their lines moved on by `shift` (a chunk counts its lines from 0);
    /// an issue of the file as a whole (line 0) stays at 0.
    mutating func merge(_ other: ParseReport, shiftingLinesBy shift: Int) {
        for i in other.issues { add(i.line > 0 || shift > 0 ? i.line + shift : 0, i.kind, i.message) }
        issueCount += other.issueCount - other.issues.count
    }

    /// A short summary: `3 lines with problems: line 4: short row ..., line 9: ...`.
    public var summary: String {
        guard !isClean else {
            return "no problems (\(rowsRead) rows, \(encoding), delimiter \(delimiter == "\t" ? "tab" : "'\(delimiter)'")\(lineEndings.map { ", lines ended by \($0)" } ?? ""))"
        }
        let shown = issues.prefix(3).map(\.description).joined(separator: "; ")
        return "\(issueCount) problem\(issueCount == 1 ? "" : "s"): \(shown)\(issueCount > 3 ? "; ..." : "")"
    }
}
