import Foundation

/// Features whose distribution differs between train and test, by the population
/// stability index over train's deciles (or categories).
struct DriftCheck: QualityCheck {
    let name = "drift"
    let threshold = "warn when a feature's PSI is above 0.1; fail above 0.25"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        guard let test = c.test else { return (.pass, "no test frame", "") }
        var scores: [(String, Double)] = []
        for col in c.features {
            guard let other = try? test.column(col.name) else { continue }
            if let psi = Self.psi(col, other) { scores.append((col.name, psi)) }
        }
        let drifted = scores.filter { $0.1 > DriftReference.warnAbove }.sorted { $0.1 > $1.1 }
        guard !drifted.isEmpty else {
            let top = scores.max { $0.1 < $1.1 }
            return (.pass, "train and test look alike" + (top.map { " (largest PSI \(String(format: "%.3f", $0.1)), \($0.0))" } ?? ""), "")
        }
        let status: QualityReport.Status = drifted[0].1 > DriftReference.failAbove ? .fail : .warn
        return (status, "shifted: " + listed(drifted.map { "\($0.0) (PSI \(String(format: "%.2f", $0.1)))" }),
                "the test data comes from a different population or time: retrain on recent data, or check the pipeline that produced it")
    }

    /// A column's finite numbers: numeric columns, and text columns that are mostly
    /// numbers (a few stray tokens must not hide a shift); nil otherwise.
    static func numbers(_ c: Column) -> [Double]? {
        if c.isNumeric { return c.dtype == .bool ? nil : c.numericValues.filter(\.isFinite) }
        var out: [Double] = []
        var total = 0
        for i in 0..<c.count {
            guard let t = c.text(at: i) else { continue }
            total += 1
            if let x = Number.double(Array(t.utf8)), x.isFinite { out.append(x) }
        }
        return total > 0 && Double(out.count) >= 0.8 * Double(total) ? out : nil
    }

    /// Population stability index of `b` against `a` (a model's saved profile keeps the
    /// same reference, so `model.drift` grades new rows as this check grades a test split).
    static func psi(_ a: Column, _ b: Column) -> Double? {
        let numeric = numbers(a) != nil && numbers(b) != nil && a.uniqueTexts.count > 10
        return DriftReference(a, numeric: numeric)?.psi(b)
    }
}
