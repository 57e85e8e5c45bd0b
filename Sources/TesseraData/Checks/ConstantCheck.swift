/// Columns with a single value: they carry no information.
struct ConstantCheck: QualityCheck {
    let name = "constant"
    let threshold = "warn when a column has at most one distinct value"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        let constant = c.frame.columns.filter { $0.name != c.target && $0.uniqueTexts.count <= 1 }.map(\.name)
        guard !constant.isEmpty else { return (.pass, "every column varies", "") }
        return (.warn, "one value only: \(listed(constant))", "drop them: clean(dropColumns: [\(constant.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))])")
    }
}
