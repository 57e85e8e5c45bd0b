/// Test rows that also appear in train: the score on them measures memory, not skill.
struct OverlapCheck: QualityCheck {
    let name = "overlap"
    let threshold = "fail when any test row (features and label) also appears in train"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let test = c.test else { return (.pass, "no test frame", "") }
        let shared = c.frame.columnNames.filter { test.hasColumn($0) }
        let trainColumns = shared.compactMap { try? c.frame.column($0) }
        let testColumns = shared.compactMap { try? test.column($0) }
        let seen = Set(CheckContext.rowHashes(trainColumns, rows: c.frame.rowCount))
        let overlap = CheckContext.rowHashes(testColumns, rows: test.rowCount).filter { seen.contains($0) }.count
        guard overlap > 0 else { return (.pass, "no test row appears in train", "") }
        return (.fail, "\(overlap) of \(test.rowCount) test rows (\(percent(Double(overlap) / Double(max(1, test.rowCount))))) also appear in train",
                "drop duplicates before splitting (clean(dropDuplicates: true)), then split again")
    }
}
