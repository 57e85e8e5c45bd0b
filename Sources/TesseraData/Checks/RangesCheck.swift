/// Values outside a column's plausible range: negatives in quantities that cannot be
/// negative (amounts, prices, counts, ages, distances), or a handful of non-positive
/// values in a column that is otherwise positive.
struct RangesCheck: QualityCheck {
    let name = "ranges"
    let threshold = "fail on negative values in amount/price/count/age/distance columns, or non-positive values in under 1% of an otherwise positive column"

    static let nonNegativeWords = ["amount", "price", "cost", "count", "age", "distance", "quantity", "duration", "income", "salary"]

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        var found: [String] = []
        for col in c.features where col.isNumeric && col.dtype != .bool {
            let values = col.numericValues.filter(\.isFinite)
            guard !values.isEmpty else { continue }
            let negative = values.filter { $0 < 0 }.count
            let nonPositive = values.filter { $0 <= 0 }.count
            let lower = col.name.lowercased()
            if negative > 0 && Self.nonNegativeWords.contains(where: { lower.contains($0) }) {
                found.append("\(col.name) has \(negative) negative value\(negative == 1 ? "" : "s")\(nonPositive > negative ? " and \(nonPositive - negative) zero" : "")")
            } else if nonPositive > 0 && Double(nonPositive) / Double(values.count) < 0.01 && values.count >= 100 {
                found.append("\(col.name) has \(nonPositive) non-positive value\(nonPositive == 1 ? "" : "s") while \(percent(1 - Double(nonPositive) / Double(values.count))) are positive")
            }
        }
        guard !found.isEmpty else { return (.pass, "values are within plausible ranges", "") }
        return (.fail, listed(found, max: 3), "find out where those values come from (refunds, sentinels such as -1, entry errors); drop or fix them before training")
    }
}
