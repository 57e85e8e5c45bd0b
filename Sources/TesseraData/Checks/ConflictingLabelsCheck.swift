/// The same features with different labels: label noise, or features that cannot tell
/// the classes apart.
struct ConflictingLabelsCheck: QualityCheck {
    let name = "conflicting_labels"
    let threshold = "fail when rows with identical features carry different labels"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let target = c.targetColumn else { return (.pass, "no target to compare", "") }
        let n = c.frame.rowCount
        let hashes = CheckContext.rowHashes(c.features, rows: n)
        var labelOf: [UInt64: CellValue] = [:]
        var conflicting = Set<UInt64>()
        for i in 0..<n {
            let v = target.value(at: i)
            if let seen = labelOf[hashes[i]] { if seen != v { conflicting.insert(hashes[i]) } } else { labelOf[hashes[i]] = v }
        }
        guard !conflicting.isEmpty else { return (.pass, "identical features always carry the same label", "") }
        let rows = hashes.filter { conflicting.contains($0) }.count
        return (.fail, "\(conflicting.count) feature combinations appear with different labels (\(rows) rows)",
                "check how those rows were labelled; keep one label per example (or drop them) before training")
    }
}
