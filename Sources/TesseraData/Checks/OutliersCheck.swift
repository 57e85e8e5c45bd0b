import Foundation

/// Values far outside the bulk of a column, found from its interquartile range (on a log
/// scale for positive right-skewed columns such as amounts): reported, never dropped.
struct OutliersCheck: QualityCheck {
    let name = "outliers"
    let threshold = "warn on values more than 8 robust standard deviations (IQR / 1.349) from the median"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        var found: [String] = []
        for col in c.features where col.isNumeric && col.dtype != .bool {
            let raw = col.numericValues.filter(\.isFinite)
            guard raw.count >= 20 else { continue }
            // Quantities that are positive and spread over orders of magnitude (amounts,
            // counts, ratios) are judged on a log scale, where their bulk is symmetric.
            let positive = raw.filter { $0 > 0 }
            let all = Summary(raw)
            // Small positive counts (transactions a day, items in a cart) have a long right tail
            // by nature (Poisson, geometric): also judged on the log scale.
            let counts = all.median.map { $0 <= 10 } ?? false && raw.allSatisfy { $0 == $0.rounded() }
            let skewed = Double(positive.count) / Double(raw.count) > 0.98
                && ((all.max ?? 0) > 10 * max(all.median ?? 0, 1e-12) || (all.mean ?? 0) > (all.median ?? 0) * 1.2 || counts)
            let values = skewed ? positive.map { log($0) } : raw
            let s = Summary(values)
            guard let q1 = s.q25, let q3 = s.q75, let median = s.median, q3 > q1 else { continue }
            let scale = (q3 - q1) / 1.349
            let source = skewed ? positive : raw
            let outliers = values.indices.filter { abs(values[$0] - median) > 8 * scale }.map { source[$0] }
            if !outliers.isEmpty {
                let extreme = outliers.max { abs($0 - exp(median)) < abs($1 - exp(median)) }!
                found.append("\(col.name): \(outliers.count) (most extreme \(Column.format(extreme)))")
            }
        }
        guard !found.isEmpty else { return (.pass, "no value lies far outside its column's range", "") }
        return (.warn, listed(found, max: 3), "look at those rows: real extremes stay (consider a log transform), entry errors go; they were not dropped")
    }
}
