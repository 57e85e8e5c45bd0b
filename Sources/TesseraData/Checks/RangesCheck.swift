/// Values outside a column's plausible range: negatives in quantities that cannot be
/// negative (amounts, prices, counts, ages, distances), or a handful of negative values in
/// a column that is otherwise zero or more (a sentinel such as -1, a refund mistyped).
/// Zeros are plausible in any such column (a first transaction at time 0, an empty cart),
/// and a standardized column (mean 0, standard deviation 1) is negative half the time.
struct RangesCheck: QualityCheck {
    let name = "ranges"
    let threshold = "fail on negative values in amount/price/count/age/distance columns, or negative values in under 1% of an otherwise non-negative column (standardized columns are exempt)"

    static let nonNegativeWords = ["amount", "price", "cost", "count", "age", "distance", "quantity", "duration", "income", "salary"]

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        var found: [String] = []
        for col in c.features where col.isNumeric && col.dtype != .bool {
            let values = col.numericValues.filter(\.isFinite)
            guard !values.isEmpty, !Self.looksStandardized(values) else { continue }
            let negative = values.filter { $0 < 0 }.count
            guard negative > 0 else { continue }
            let lower = col.name.lowercased()
            if Self.nonNegativeWords.contains(where: { lower.contains($0) }) {
                found.append("\(col.name) has \(negative) negative value\(negative == 1 ? "" : "s") (lowest \(Column.format(values.min()!)))")
            } else if Double(negative) / Double(values.count) < 0.01 && values.count >= 100 {
                found.append("\(col.name) has \(negative) negative value\(negative == 1 ? "" : "s") (lowest \(Column.format(values.min()!))) while \(percent(1 - Double(negative) / Double(values.count))) are zero or more")
            }
        }
        guard !found.isEmpty else { return (.pass, "values are within plausible ranges", "") }
        return (.fail, listed(found, max: 3), "find out where those values come from (refunds, sentinels such as -1, entry errors); drop or fix them before training")
    }

    /// Mean near 0 and standard deviation near 1: a column Standardize made (on these rows
    /// or on a training split).
    static func looksStandardized(_ values: [Double]) -> Bool {
        guard values.count >= 10 else { return false }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        return abs(mean) < 0.25 && abs(sd - 1) < 0.25
    }
}
