/// Success in money rather than counts: the share of fraud dollars caught, and the value
/// of every decision from a cost matrix whose entries may depend on the row.
public enum BusinessValue {
    /// Share of the positives' amount that the predictions caught.
    public static func amountRecall(_ yTrue: Labels, _ yPred: Labels, amount: [Double]) throws(MetricError) -> Double {
        let (y, p) = try prepare("amountRecall", yTrue, yPred, amount)
        var caught = 0.0, total = 0.0
        for i in y.indices where y[i] { total += amount[i]; if p[i] { caught += amount[i] } }
        guard total > 0 else { throw MetricError("amountRecall: the positives in yTrue carry no amount; the share is not defined") }
        return caught / total
    }

    /// Share of the flagged amount that was truly positive.
    public static func amountPrecision(_ yTrue: Labels, _ yPred: Labels, amount: [Double]) throws(MetricError) -> Double {
        let (y, p) = try prepare("amountPrecision", yTrue, yPred, amount)
        var right = 0.0, flagged = 0.0
        for i in y.indices where p[i] { flagged += amount[i]; if y[i] { right += amount[i] } }
        return flagged > 0 ? right / flagged : 0
    }

    /// Counts beside amounts, for a report that shows "caught 95% of frauds, 70% of fraud dollars".
    public struct Report: Sendable {
        public let positives: Double, positiveAmount: Double
        public let caught: Double, caughtAmount: Double
        public let flagged: Double, flaggedAmount: Double
        public var recall: Double { positives > 0 ? caught / positives : 0 }
        public var amountRecall: Double { positiveAmount > 0 ? caughtAmount / positiveAmount : 0 }
        public var precision: Double { flagged > 0 ? caught / flagged : 0 }
        public var amountPrecision: Double { flaggedAmount > 0 ? caughtAmount / flaggedAmount : 0 }
        public var headline: String {
            String(format: "caught %.0f%% of positives (%d of %d) and %.0f%% of their amount", recall * 100, Int(caught), Int(positives), amountRecall * 100)
        }
    }

    public static func report(_ yTrue: Labels, _ yPred: Labels, amount: [Double]) throws(MetricError) -> Report {
        let (y, p) = try prepare("valueReport", yTrue, yPred, amount)
        var pos = 0.0, posAmount = 0.0, caught = 0.0, caughtAmount = 0.0, flagged = 0.0, flaggedAmount = 0.0
        for i in y.indices {
            if y[i] { pos += 1; posAmount += amount[i] }
            if p[i] { flagged += 1; flaggedAmount += amount[i] }
            if y[i] && p[i] { caught += 1; caughtAmount += amount[i] }
        }
        return Report(positives: pos, positiveAmount: posAmount, caught: caught, caughtAmount: caughtAmount, flagged: flagged, flaggedAmount: flaggedAmount)
    }

    static func prepare(_ function: String, _ yTrue: Labels, _ yPred: Labels, _ amount: [Double]) throws(MetricError) -> ([Bool], [Bool]) {
        try Check.lengths(function, [("yTrue", yTrue.count), ("yPred", yPred.count), ("amount", amount.count)])
        try Check.finite(function, "amount", amount)
        if let i = amount.firstIndex(where: { $0 < 0 }) { throw MetricError("\(function): amount must not be negative; index \(i) is \(amount[i])") }
        return (try Check.binary(function, yTrue), try Check.binary(function, yPred))
    }
}

/// The value of each kind of decision: a constant, or a function of the row (its index
/// and amount), e.g. a caught fraud earns 50 + its amount, a missed one loses its amount.
public struct CostMatrix: Sendable {
    public enum Entry: Sendable {
        case constant(Double)
        case perRow(@Sendable (_ row: Int, _ amount: Double?) throws -> Double)

        /// The entry's value for row `i`.
        @inline(__always)
        func value(_ i: Int, _ amount: [Double]?) throws -> Double {
            switch self {
            case .constant(let c): return c
            case .perRow(let f): return try f(i, amount?[i])
            }
        }
    }

    public var tp: Entry, fp: Entry, fn: Entry, tn: Entry

    public init(tp: Entry = .constant(0), fp: Entry = .constant(0), fn: Entry = .constant(0), tn: Entry = .constant(0)) {
        self.tp = tp; self.fp = fp; self.fn = fn; self.tn = tn
    }

    /// Whether an entry is a function of the row (which may read its amount).
    public var needsAmount: Bool {
        [tp, fp, fn, tn].contains { if case .perRow = $0 { return true } else { return false } }
    }

    /// Each row's value under each decision: (tp, fp, fn, tn).
    func values(rows: Int, amount: [Double]?) throws -> [(tp: Double, fp: Double, fn: Double, tn: Double)] {
        try (0..<rows).map { i in (try tp.value(i, amount), try fp.value(i, amount), try fn.value(i, amount), try tn.value(i, amount)) }
    }

    /// The total value of the predictions.
    public func total(_ yTrue: Labels, _ yPred: Labels, amount: [Double]? = nil) throws -> Double {
        try Check.lengths("costMatrix", [("yTrue", yTrue.count), ("yPred", yPred.count)] + (amount.map { [("amount", $0.count)] } ?? []))
        let y = try Check.binary("costMatrix", yTrue), p = try Check.binary("costMatrix", yPred)
        // Only the entry of the cell a row falls in: a closure runs once per row that needs
        // it, not four times per row.
        var sum = 0.0
        for i in y.indices { sum += try (y[i] ? (p[i] ? tp : fn) : (p[i] ? fp : tn)).value(i, amount) }
        return sum
    }
}
