/// Rows that appear more than once: they overweight some examples and leak across splits.
struct DuplicatesCheck: QualityCheck {
    let name = "duplicates"
    let threshold = "warn when any row repeats; fail above 5% of rows"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        let n = c.frame.rowCount
        let hashes = CheckContext.rowHashes(c.frame.columns, rows: n)
        var seen = Set<UInt64>()
        var duplicates = 0
        for h in hashes where !seen.insert(h).inserted { duplicates += 1 }
        guard duplicates > 0 else { return (.pass, "no repeated rows", "") }
        let share = Double(duplicates) / Double(max(1, n))
        return (share > 0.05 ? .fail : .warn, "\(duplicates) rows (\(percent(share))) repeat an earlier row exactly",
                "drop them before splitting, or the same example lands in train and test: clean(dropDuplicates: true)")
    }
}
