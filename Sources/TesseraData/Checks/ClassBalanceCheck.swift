/// How the target's classes are spread: a rare class needs care (class weights, a tuned
/// threshold, stratified splits), and a class with only a few rows cannot be learned or
/// evaluated.
struct ClassBalanceCheck: QualityCheck {
    let name = "class_balance"
    let threshold = "fail when a class has fewer than 10 rows; warn when the smallest class is under 0.5% of rows"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let counts = c.classCounts else { return (.pass, "no classification target", "") }
        let total = counts.values.reduce(0, +)
        let sorted = counts.sorted { $0.value > $1.value }
        let shares = sorted.map { "\($0.key): \($0.value) (\(percent(Double($0.value) / Double(max(1, total)))))" }
        guard let smallest = sorted.last else { return (.pass, "no labels", "") }
        if smallest.value < 10 {
            return (.fail, "class '\(smallest.key)' has only \(smallest.value) rows; \(listed(shares))",
                    "check whether '\(smallest.key)' is a labelling error; a class needs enough rows to learn and to test (merge or drop it)")
        }
        let share = Double(smallest.value) / Double(max(1, total))
        if share < 0.005 {
            return (.warn, "the smallest class is \(percent(share)) of rows: \(listed(shares))",
                    "split with stratify:, weight the rare class, and judge the model by business value, not accuracy")
        }
        return (.pass, listed(shares), "")
    }
}
