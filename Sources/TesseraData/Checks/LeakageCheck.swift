/// A single feature that predicts the target almost perfectly is usually the answer
/// recorded after the fact (a chargeback flag, a status set by the outcome).
struct LeakageCheck: QualityCheck {
    let name = "leakage"
    let threshold = "fail when one feature alone separates the classes with ROC AUC of 0.98 or more (or predicts a category exactly)"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let t = c.targetColumn, let counts = c.classCounts, counts.count >= 2 else { return (.pass, "no classification target", "") }
        // One class against the rest: the most common class is negative.
        let majority = counts.max { $0.value < $1.value }!.key
        let positive = (0..<t.count).map { t.text(at: $0).map { $0 != majority } }
        var leaks: [String] = []
        for col in c.features {
            let uniques = col.uniqueTexts.count
            if col.isNumeric && uniques > 2 {
                var pairs: [(Double, Bool)] = []
                for i in 0..<col.count { if let x = col.double(at: i), x.isFinite, let p = positive[i] { pairs.append((x, p)) } }
                guard let auc = Self.auc(pairs) else { continue }
                if max(auc, 1 - auc) >= 0.98 { leaks.append("\(col.name) (AUC \(String(format: "%.3f", max(auc, 1 - auc))))") }
            } else if uniques <= 50 {
                // A category (or a two-valued column) that maps to one label each, exactly.
                var labelsPer: [String: Set<String>] = [:]
                var rows = 0
                for i in 0..<col.count { if let k = col.text(at: i), let y = t.text(at: i) { labelsPer[k, default: []].insert(y); rows += 1 } }
                guard rows > 0, labelsPer.count >= 2 else { continue }
                if labelsPer.values.allSatisfy({ $0.count == 1 }) && Set(labelsPer.values.map { $0.first! }).count >= 2 {
                    leaks.append("\(col.name) (each value has one label)")
                }
            }
        }
        guard !leaks.isEmpty else { return (.pass, "no single feature gives the label away", "") }
        return (.fail, "predict the target on their own: \(listed(leaks))",
                "a feature known only after the outcome leaks it: drop it (clean(dropColumns: [...])) unless it is available at prediction time")
    }

    /// ROC AUC of x as a score for the positive class (ties count half); nil without both classes.
    static func auc(_ pairs: [(Double, Bool)]) -> Double? {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        let positives = Double(sorted.filter(\.1).count), negatives = Double(sorted.count) - positives
        guard positives > 0 && negatives > 0 else { return nil }
        var rankSum = 0.0
        var i = 0
        while i < sorted.count {
            var j = i
            while j < sorted.count && sorted[j].0 == sorted[i].0 { j += 1 }
            let rank = Double(i + j + 1) / 2  // average 1-based rank of the tie group
            for k in i..<j where sorted[k].1 { rankSum += rank }
            i = j
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
