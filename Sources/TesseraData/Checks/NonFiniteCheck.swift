/// Infinities and NaN stored as values (a division by zero upstream); training turns them
/// into NaN losses.
struct NonFiniteCheck: QualityCheck {
    let name = "non_finite"
    let threshold = "fail when any float value is infinite or NaN"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        var found: [String] = []
        for col in c.frame.columns {
            guard case .float64(let v) = col.storage else { continue }
            var bad = 0
            for i in v.indices where !col.isMissing(i) && !v[i].isFinite { bad += 1 }
            if bad > 0 { found.append("\(col.name) (\(bad))") }
        }
        guard !found.isEmpty else { return (.pass, "every number is finite", "") }
        return (.fail, "infinite or NaN values in \(listed(found))", "treat them as missing and impute, or fix the computation that divided by zero")
    }
}
