/// Lines of the file that could not be read as they were written.
struct ParseCheck: QualityCheck {
    let name = "parse"
    let threshold = "fail when rows were dropped (long rows, an unterminated quote); warn when values were padded, converted or re-decoded"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        let r = c.frame.parseReport
        let issues = r.dataIssues
        guard !issues.isEmpty else { return (.pass, "every line read cleanly (\(r.encoding))", "") }
        let lost = issues.filter { $0.kind == .longRow || $0.kind == .unterminatedQuote }
        let shown = listed(issues.map(\.description), max: 3)
        return (lost.isEmpty ? .warn : .fail,
                "\(r.dataIssueCount) line\(r.dataIssueCount == 1 ? "" : "s") with problems: \(shown)",
                "open the file at those lines: a stray delimiter or quote usually shifts fields; fix the export, or read with strict: true to stop at the first")
    }
}
