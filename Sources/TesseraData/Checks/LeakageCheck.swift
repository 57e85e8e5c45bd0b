/// A single feature that predicts the target almost perfectly is usually the answer
/// recorded after the fact (a chargeback flag, a status set by the outcome).
///
/// Every feature is judged the same way, whatever its type: its values are grouped (each
/// category or distinct value, or twenty quantile bins of a numeric column with more
/// distinct values), each group scores each class by its smoothed share of that class, and
/// the feature's ROC AUC is that score's (for several classes, the mean of the
/// one-against-the-rest AUCs). A binary flag that agrees with the label 97% of the time
/// scores 0.97, as a continuous score that separates the classes does. With few rows of a
/// class an AUC is uncertain (seven frauds in a thousand rows put a strong but honest
/// feature at 0.96 by chance), so it is judged less one standard error (Hanley & McNeil):
/// a real leak, at or near 1, is flagged with any number of rows.
struct LeakageCheck: QualityCheck {
    let name = "leakage"
    let threshold = "fail when one feature alone predicts the target with ROC AUC of 0.95 or more (one class against the rest, averaged, for several classes)"

    static let failAt = 0.95
    /// Groups of a numeric feature with many distinct values.
    static let bins = 20
    /// Text features with more categories than this are identifiers, not leaks.
    static let maxCategories = 50
    /// Rows of the class shares every group starts from (smoothing: a group of one row
    /// does not score a class 0 or 1 on its own).
    static let prior = 10.0

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let t = c.targetColumn, let counts = c.classCounts, counts.count >= 2 else { return (.pass, "no classification target", "") }
        let classes = counts.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let labels = (0..<t.count).map { t.text(at: $0).flatMap { index[$0] } }
        var leaks: [(String, Double)] = []
        for col in c.features {
            guard let groups = Self.groups(col), let (auc, low) = Self.auc(groups: groups, labels: labels, classes: classes.count) else { continue }
            if low >= Self.failAt { leaks.append((col.name, auc)) }
        }
        guard !leaks.isEmpty else { return (.pass, "no single feature gives the label away (every one's ROC AUC alone is under \(Self.failAt))", "") }
        leaks.sort { $0.1 > $1.1 }
        return (.fail, "predict the target on their own: \(listed(leaks.map { "\($0.0) (AUC \(String(format: "%.3f", $0.1)))" }))",
                "a feature known only after the outcome leaks it: drop it (clean(dropColumns: [...])) unless it is available at prediction time")
    }

    /// Each row's group (-1: missing), or nil for a feature not judged (an identifier).
    static func groups(_ col: Column) -> [Int]? {
        let n = col.count
        if col.isNumeric {
            var values: [(Double, Int)] = []
            values.reserveCapacity(n)
            for i in 0..<n { if let x = col.double(at: i), x.isFinite { values.append((x, i)) } }
            var out = [Int](repeating: -1, count: n)
            values.sort { $0.0 < $1.0 }
            var distinct = 0
            for k in values.indices where k == 0 || values[k].0 != values[k - 1].0 { distinct += 1 }
            if distinct <= bins {
                var g = -1
                for k in values.indices {
                    if k == 0 || values[k].0 != values[k - 1].0 { g += 1 }
                    out[values[k].1] = g
                }
            } else {
                // Quantile bins; equal values stay in one bin.
                var g = 0
                for k in values.indices {
                    if k > 0 && values[k].0 != values[k - 1].0 && k * bins / values.count > g { g = k * bins / values.count }
                    out[values[k].1] = g
                }
            }
            return out
        }
        guard col.uniqueTexts.count <= maxCategories else { return nil }
        var codes: [String: Int] = [:]
        return (0..<n).map { i -> Int in
            guard let text = col.text(at: i) else { return -1 }
            if let code = codes[text] { return code }
            codes[text] = codes.count
            return codes.count - 1
        }
    }

    /// The AUC of the groups' smoothed class shares as scores: of the one class for two
    /// classes, the mean over classes (one against the rest) for more; nil when no class
    /// has both members and non-members among the labelled rows.
    static func auc(groups: [Int], labels: [Int?], classes: Int) -> (auc: Double, lowerBound: Double)? {
        var counts: [Int: [Double]] = [:]
        var totals = [Double](repeating: 0, count: classes)
        for (g, y) in zip(groups, labels) {
            guard let y else { continue }
            counts[g, default: [Double](repeating: 0, count: classes)][y] += 1
            totals[y] += 1
        }
        let n = totals.reduce(0, +)
        guard n > 0 else { return nil }
        var aucs: [Double] = [], lows: [Double] = []
        for k in (classes == 2 ? [1] : Array(0..<classes)) {
            let positives = totals[k], negatives = n - positives
            guard positives > 0 && negatives > 0 else { continue }
            let prior = positives / n
            // Per group: its score for class k and its members and non-members of k.
            let scored = counts.values.map { c -> (score: Double, pos: Double, neg: Double) in
                let size = c.reduce(0, +)
                return ((c[k] + Self.prior * prior) / (size + Self.prior), c[k], size - c[k])
            }.sorted { $0.score < $1.score }
            // Mann-Whitney over groups: a positive beats every negative in a lower-scored
            // group and ties (half) with those in its own.
            var below = 0.0, wins = 0.0
            var i = 0
            while i < scored.count {
                var j = i, pos = 0.0, neg = 0.0
                while j < scored.count && scored[j].score == scored[i].score { pos += scored[j].pos; neg += scored[j].neg; j += 1 }
                wins += pos * below + 0.5 * pos * neg
                below += neg
                i = j
            }
            let a = wins / (positives * negatives)
            aucs.append(a)
            lows.append(a - standardError(a, positives: positives, negatives: negatives))
        }
        guard !aucs.isEmpty else { return nil }
        return (aucs.reduce(0, +) / Double(aucs.count), lows.reduce(0, +) / Double(lows.count))
    }

    /// Hanley & McNeil's (1982) standard error of an AUC of `a` from these counts.
    static func standardError(_ a: Double, positives p: Double, negatives n: Double) -> Double {
        let q1 = a / (2 - a), q2 = 2 * a * a / (1 + a)
        let variance = (a * (1 - a) + (p - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (p * n)
        return max(0, variance).squareRoot()
    }
}
