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
        let drifted = scores.filter { $0.1 > 0.1 }.sorted { $0.1 > $1.1 }
        guard !drifted.isEmpty else {
            let top = scores.max { $0.1 < $1.1 }
            return (.pass, "train and test look alike" + (top.map { " (largest PSI \(String(format: "%.3f", $0.1)), \($0.0))" } ?? ""), "")
        }
        let status: QualityReport.Status = drifted[0].1 > 0.25 ? .fail : .warn
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

    /// Population stability index of `b` against `a`.
    static func psi(_ a: Column, _ b: Column) -> Double? {
        var binsA: [Int] = [], binsB: [Int] = []
        let numbersA = numbers(a), numbersB = numbers(b)
        if let numbersA, let numbersB, a.uniqueTexts.count > 10 {
            let values = numbersA.sorted()
            guard values.count >= 20 else { return nil }
            let edges = (1..<10).map { values[$0 * values.count / 10] }
            func bin(_ x: Double) -> Int { edges.firstIndex { x < $0 } ?? edges.count }
            binsA = [Int](repeating: 0, count: 10); binsB = binsA
            for x in values { binsA[bin(x)] += 1 }
            for x in numbersB { binsB[bin(x)] += 1 }
        } else {
            let keys = a.uniqueTexts
            guard keys.count >= 2, keys.count <= 100 else { return nil }
            let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
            binsA = [Int](repeating: 0, count: keys.count + 1); binsB = binsA
            for i in 0..<a.count { if let t = a.text(at: i) { binsA[index[t]!] += 1 } }
            for i in 0..<b.count { if let t = b.text(at: i) { binsB[index[t] ?? keys.count] += 1 } }
        }
        let na = Double(binsA.reduce(0, +)), nb = Double(binsB.reduce(0, +))
        guard na > 0 && nb > 0 else { return nil }
        var psi = 0.0
        for (x, y) in zip(binsA, binsB) {
            let p = max(Double(x) / na, 1e-4), q = max(Double(y) / nb, 1e-4)
            psi += (q - p) * log(q / p)
        }
        return psi
    }
}
