/// Missing values per column.
struct MissingCheck: QualityCheck {
    let name = "missing"
    let threshold = "warn when any value is missing; fail when a column is more than 30% missing or the target has gaps"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        let n = max(1, c.frame.rowCount)
        let gaps = c.frame.columns.filter { $0.missingCount > 0 }
        guard !gaps.isEmpty else { return (.pass, "no missing values", "") }
        let worst = gaps.sorted { $0.missingCount > $1.missingCount }
        let detail = listed(worst.map { "\($0.name) \(percent(Double($0.missingCount) / Double(n)))" })
        let targetGaps = c.targetColumn.map { $0.missingCount > 0 } ?? false
        let heavy = worst.filter { Double($0.missingCount) / Double(n) > 0.3 }
        let status: QualityReport.Status = heavy.isEmpty && !targetGaps ? .warn : .fail
        return (status, "missing: \(detail)",
                (targetGaps ? "drop rows without a label; " : "") + (heavy.isEmpty ? "" : "drop mostly-empty columns (\(listed(heavy.map(\.name)))); ")
                + "impute the rest from training data only: clean(impute: .median) or Impute(.median).fit(train)")
    }
}
