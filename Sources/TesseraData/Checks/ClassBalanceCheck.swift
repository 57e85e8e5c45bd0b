/// How the target's classes are spread: a rare class needs care (class weights, a tuned
/// threshold, stratified splits), and a class with only a few rows cannot be learned or
/// evaluated.
struct ClassBalanceCheck: QualityCheck {
    let name = "class_balance"
    let threshold = "fail when a class of fewer than 10 rows is far smaller (under a fifth) than every other (a label typo); warn when a class has fewer than 10 rows or under 0.5% of rows"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let counts = c.classCounts else { return (.pass, "no classification target", "") }
        let total = counts.values.reduce(0, +)
        let sorted = counts.sorted { $0.value > $1.value }
        let shares = sorted.map { "\($0.key): \($0.value) (\(percent(Double($0.value) / Double(max(1, total)))))" }
        guard let smallest = sorted.last else { return (.pass, "no labels", "") }
        // A handful of rows in a class far smaller than all the others: a typo in the labels
        // (fraud labelled 2). A genuinely rare class (seven frauds in a thousand rows) is a
        // warning: too few to learn or judge well, but not wrong.
        if smallest.value < 10, sorted.count >= 3, Double(smallest.value) < 0.2 * Double(sorted[sorted.count - 2].value) {
            return (.fail, "class '\(smallest.key)' has only \(smallest.value) rows, far fewer than any other; \(listed(shares))",
                    "check whether '\(smallest.key)' is a labelling error (merge or drop those rows)")
        }
        if smallest.value < 10 {
            return (.warn, "class '\(smallest.key)' has only \(smallest.value) rows: too few to learn or evaluate well; \(listed(shares))",
                    "get more rows of '\(smallest.key)', split with stratify:, and read its metrics with care")
        }
        let share = Double(smallest.value) / Double(max(1, total))
        if share < 0.005 {
            return (.warn, "the smallest class is \(percent(share)) of rows: \(listed(shares))",
                    "split with stratify:, weight the rare class, and judge the model by business value, not accuracy")
        }
        return (.pass, listed(shares), "")
    }
}
