import Foundation

/// What a model's training rows looked like, kept with the model so new rows can be
/// compared with them: per numeric feature its range, mean and deviation; per feature the
/// distribution the drift check's population stability index compares against.
public struct TrainingProfile: Sendable, Codable, Equatable {
    public struct Feature: Sendable, Codable, Equatable {
        public let name: String
        /// The finite training values' range, mean and standard deviation; nil for text
        /// and Bool columns and columns without finite values.
        public let min: Double?, max: Double?, mean: Double?, std: Double?
        /// The distribution PSI compares with; nil where the drift check computes none.
        public let distribution: DriftReference?
    }

    public let rows: Int
    public let features: [Feature]

    /// The profile of a frame's feature columns (every column but `target`).
    public init(_ frame: Frame, target: String?) {
        rows = frame.rowCount
        features = frame.columns.filter { $0.name != target }.map { c in
            let numbers = c.isNumeric && c.dtype != .bool ? c.numericValues.filter(\.isFinite) : []
            let s = Summary(numbers)
            return Feature(name: c.name, min: s.min, max: s.max, mean: s.mean, std: s.std,
                           distribution: DriftReference(c, numeric: DriftCheck.numbers(c) != nil && c.uniqueTexts.count > 10))
        }
    }

    /// How far new rows lie from the training rows: per feature the PSI, the rows outside
    /// the training data (beyond min or max by more than `margin` times the range, or beyond
    /// them at all with a z-score beyond `zLimit`), and the most extreme z-score; and how
    /// many rows have any feature outside.
    /// (`psi: false` skips the PSI, which a prediction's warning does not show.)
    public func drift(_ frame: Frame, margin: Double = 0.1, zLimit: Double = 6, psi: Bool = true) -> DriftReport {
        var outsideRow = [Bool](repeating: false, count: frame.rowCount)
        var columns: [DriftReport.Column] = []
        for f in features {
            guard let c = try? frame.column(f.name) else { continue }
            var outside = 0
            var worstZ: Double?
            var newMin: Double?, newMax: Double?
            if let lo = f.min, let hi = f.max, c.isNumeric, c.dtype != .bool {
                let slack = margin * (hi - lo)
                for i in 0..<c.count {
                    guard let x = c.double(at: i), x.isFinite else { continue }
                    newMin = Swift.min(newMin ?? x, x)
                    newMax = Swift.max(newMax ?? x, x)
                    var z: Double?
                    if let m = f.mean, let s = f.std, s > 0 { z = (x - m) / s }
                    if let z, Swift.abs(z) > Swift.abs(worstZ ?? 0) { worstZ = z }
                    // Far beyond the range, or beyond it at all with an extreme z-score (a
                    // range stretched by one training outlier hides a value far from the rest).
                    let beyond = x < lo || x > hi
                    if x < lo - slack || x > hi + slack || (beyond && Swift.abs(z ?? 0) > zLimit) {
                        outside += 1
                        outsideRow[i] = true
                    }
                }
            }
            columns.append(DriftReport.Column(name: f.name, psi: psi ? f.distribution?.psi(c) : nil, outside: outside, trainMin: f.min, trainMax: f.max,
                                              newMin: newMin, newMax: newMax, worstZ: worstZ))
        }
        return DriftReport(rows: frame.rowCount, outsideRows: outsideRow.reduce(0) { $0 + ($1 ? 1 : 0) }, columns: columns, margin: margin, zLimit: zLimit)
    }
}

/// New rows against a model's training rows (`TrainingProfile.drift`).
public struct DriftReport: Sendable {
    public struct Column: Sendable {
        public let name: String
        /// The population stability index against training (above 0.1: shifted; above
        /// 0.25: a different population, as the drift check grades it); nil when not computed.
        public let psi: Double?
        /// Rows outside the training range or beyond the z-score limit.
        public let outside: Int
        public let trainMin: Double?, trainMax: Double?, newMin: Double?, newMax: Double?
        /// The z-score farthest from 0 (against the training mean and deviation).
        public let worstZ: Double?

        /// As the drift check grades a feature (PSI above `DriftReference.failAbove` fails,
        /// above `warnAbove` warns), and rows outside the training data warn.
        public var status: QualityReport.Status {
            if let p = psi, p > DriftReference.failAbove { return .fail }
            return (psi ?? 0) > DriftReference.warnAbove || outside > 0 ? .warn : .pass
        }
    }

    public let rows: Int
    /// Rows with at least one feature outside.
    public let outsideRows: Int
    public let columns: [Column]
    public let margin: Double, zLimit: Double

    /// The columns with rows outside, most first.
    public var worst: [Column] { columns.filter { $0.outside > 0 }.sorted { $0.outside != $1.outside ? $0.outside > $1.outside : $0.name < $1.name } }

    /// One line for a prediction's warning; nil when every row is inside.
    public var warning: String? {
        guard outsideRows > 0 else { return nil }
        let named = worst.prefix(3).map { c -> String in
            let range = [c.trainMin, c.trainMax].compactMap { $0 }.map { String(format: "%.4g", $0) }
            let seen = [c.newMin, c.newMax].compactMap { $0 }.map { String(format: "%.4g", $0) }
            return "'\(c.name)' \(c.outside) row\(c.outside == 1 ? "" : "s") (trained on \(range.joined(separator: "...")), here \(seen.joined(separator: "...")))"
        }
        return "\(outsideRows) of \(rows) row\(rows == 1 ? "" : "s") lie outside the training data: " + named.joined(separator: ", ")
            + (worst.count > 3 ? " and \(worst.count - 3) more column\(worst.count == 4 ? "" : "s")" : "")
    }
}

/// A column's distribution at fit, as the drift check bins it: deciles of a numeric column
/// with more than 10 distinct values (at least 20 of them), else up to 100 categories.
public struct DriftReference: Sendable, Codable, Equatable {
    /// The nine decile edges of a numeric column; nil for categories.
    public let edges: [Double]?
    /// The categories, for a categorical column; nil for deciles.
    public let keys: [String]?
    /// The share of the column in each bin (each decile, or each category then "other").
    public let fractions: [Double]

    /// The population stability index above which a feature has shifted (warn), and above
    /// which it is a different population (fail): the drift check's and `model.drift`'s grades.
    public static let warnAbove = 0.1, failAbove = 0.25

    public init?(_ a: TesseraData.Column, numeric: Bool) {
        var bins: [Int]
        if numeric, let numbers = DriftCheck.numbers(a) {
            let values = numbers.sorted()
            guard values.count >= 20 else { return nil }
            let edges = (1..<10).map { values[$0 * values.count / 10] }
            bins = [Int](repeating: 0, count: 10)
            for x in values { bins[Self.bin(x, edges)] += 1 }
            self.edges = edges
            keys = nil
        } else {
            let keys = a.uniqueTexts
            guard keys.count >= 2, keys.count <= 100 else { return nil }
            let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
            bins = [Int](repeating: 0, count: keys.count + 1)
            for i in 0..<a.count { if let t = a.text(at: i) { bins[index[t]!] += 1 } }
            edges = nil
            self.keys = keys
        }
        let n = Double(bins.reduce(0, +))
        guard n > 0 else { return nil }
        fractions = bins.map { Double($0) / n }
    }

    static func bin(_ x: Double, _ edges: [Double]) -> Int { edges.firstIndex { x < $0 } ?? edges.count }

    /// The population stability index of `b` against this distribution; nil when `b` has
    /// no values to bin (or no numbers, against deciles).
    public func psi(_ b: TesseraData.Column) -> Double? {
        var bins = [Int](repeating: 0, count: fractions.count)
        if let edges {
            guard let numbers = DriftCheck.numbers(b) else { return nil }
            for x in numbers { bins[Self.bin(x, edges)] += 1 }
        } else if let keys {
            let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
            for i in 0..<b.count { if let t = b.text(at: i) { bins[index[t] ?? keys.count] += 1 } }
        }
        let nb = Double(bins.reduce(0, +))
        guard nb > 0 else { return nil }
        var psi = 0.0
        for (p0, y) in zip(fractions, bins) {
            let p = Swift.max(p0, 1e-4), q = Swift.max(Double(y) / nb, 1e-4)
            psi += (q - p) * log(q / p)
        }
        return psi
    }
}
