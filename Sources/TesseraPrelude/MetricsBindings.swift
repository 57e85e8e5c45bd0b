import TesseraData
import TesseraDisplay
import TesseraMetrics
import TesseraScript

/// The metrics piece of the prelude (LANGUAGE.md, "4. Metrics"): every metric called
/// `(yTrue, yPred)` with `average:` and `weights:` where they apply; Arrays and Columns
/// are accepted; business value from amounts and cost matrices; threshold sweeps and
/// curves as charts; the metric spec the tuner takes.
enum MetricsBindings {
    /// Made once: evaluate looks its metrics up here on every call.
    static let functions: [NativeFunction] =
        MetricCatalog.all.map(function) + [confusion, costMatrix, profit, valueReport, thresholdSweep, rocCurve, prCurve, reliabilityCurve,
                                           objective, constraint, stored]

    /// scikit-learn's functions that are not metric names (`confusion_matrix`, `roc_curve`),
    /// and the prelude's name for each.
    static let foreignFunctions = ["confusion_matrix": "confusion", "confusionMatrix": "confusion", "roc_curve": "rocCurve", "precision_recall_curve": "prCurve",
                                   "calibration_curve": "reliabilityCurve", "accuracy_score": "accuracy", "balanced_accuracy_score": "balancedAccuracy",
                                   "average_precision_score": "prAUC"]

    /// How the prelude writes scikit-learn's metric function `name` (`f1_score`, `log_loss`,
    /// `roc_auc_score`): the function and its signature; nil for a name it does not know.
    static func functionNamed(_ name: String) -> String? {
        // (A catalogue alias without an underscore, such as "acc", may be the user's own
        // variable: only scikit-learn's snake_case names are read as metrics.)
        let ours = foreignFunctions[name] ?? (name.contains("_") ? MetricCatalog.resolve(name).map(\.metric.name) : nil)
        guard let ours, let f = functions.first(where: { $0.name == ours }) else { return nil }
        return "'\(f.name)': \(f.declaration?.signature ?? f.name)"
    }

    /// A catalogued metric's function: the ones with more to them than their plain form
    /// (per-class score rows, a beta, bins) have their own; the rest are made from the
    /// descriptor's input kind and computation.
    static func function(_ m: MetricDescriptor) -> NativeFunction {
        switch m.name {
        case "rocAUC": return rocAUC
        case "logLoss": return logLoss
        case "ece": return ece
        case "fbeta": return fbeta
        default: break
        }
        switch m.computation {
        case .labels(let f): return labelMetric(m, f)
        case .scores(let f): return scoreMetric(m, f)
        case .values(let f): return regression(m, f)
        case .amounts(let f): return amountMetric(m, f)
        }
    }

    // MARK: Converting arguments

    static func labels(_ v: Value, _ what: String) throws -> Labels {
        let values: [Value]
        switch IndexTensorObject.promote(v) {
        case .array(let xs): values = xs
        case .object(let o as TensorObject):
            // A tensor of labels or scores: one value per row (a [n, 1] column is fine too).
            let t = o.tensor
            guard t.rank == 1 || (t.rank == 2 && t.shape[1] == 1) else {
                throw ScriptError(.shape, "\(what) needs one value per row; this tensor has shape \(t.shape)")
            }
            return .numbers(t.storage.map(Double.init))
        case .object(let o as ColumnObject):
            // Columns go straight to numbers or text, without a Value per row.
            let c = o.column
            if let i = (0..<c.count).first(where: { c.isMissing($0) }) {
                throw ScriptError(.value, "\(what) has a missing value at row \(i) of column '\(c.name)'", suggestion: "impute or drop missing rows first")
            }
            if c.isNumeric { return .numbers(c.numericValues) }
            return .texts((0..<c.count).map { c.text(at: $0) ?? "" })
        default: throw ScriptError(.type, "\(what) needs an Array or a Column of labels, got \(v.typeName)")
        }
        if values.allSatisfy({ if case .string = $0 { return true }; return false }) {
            return .texts(values.map { if case .string(let s) = $0 { return s }; return "" })
        }
        return .numbers(try values.enumerated().map { i, x in
            switch x {
            case .int(let n): return Double(n)
            case .double(let d): return d
            case .bool(let b): return b ? 1 : 0
            case .nil: throw ScriptError(.value, "\(what) has a missing value (nil) at index \(i)")
            default: throw ScriptError(.type, "\(what) mixes \(x.typeName) with numbers at index \(i)")
            }
        })
    }

    static func numbers(_ v: Value, _ what: String) throws -> [Double] {
        guard case .numbers(let xs) = try labels(v, what) else { throw ScriptError(.type, "\(what) needs numbers, got text labels") }
        return xs
    }

    static func optionalNumbers(_ v: Value, _ what: String) throws -> [Double]? { v.isNil ? nil : try numbers(v, what) }

    static func average(_ v: Value) throws -> Average {
        guard case .symbol(let s) = v, let a = Average(rawValue: s) else {
            throw ScriptError(.value, "average: must be .binary, .macro, .micro or .weighted, got \(v.debugDescription)")
        }
        return a
    }

    // MARK: Metrics

    /// What metrics take as labels, scores or values: an Array, a Tensor or a frame's Column.
    static let series = ParameterType.either("Array | Tensor | Column", [.array, .object("Tensor"), .object("Column")])

    static func yTrue(_ doc: String = "the true classes (0/1, or class numbers)") -> Declaration.Parameter { .positional("yTrue", series, doc) }
    static let weights = Declaration.Parameter.labelled("weights", series, default: .nil, "a weight per row (all 1 when left out)")
    static let averageParameter = Declaration.Parameter.labelled("average", .symbol("Average", ["binary", "macro", "micro", "weighted"]), default: .symbol("binary"),
                                                                  "how classes combine: .binary (class 1 only), .macro, .micro, .weighted")

    static func labelMetric(_ m: MetricDescriptor, _ body: @escaping @Sendable (Labels, Labels, [Double]?, Average) throws(MetricError) -> Double) -> NativeFunction {
        let name = m.name
        let params = [yTrue(), .positional("yPred", series, "the predicted classes")] + (m.averaged ? [averageParameter] : []) + [weights]
        let d = Declaration(name, params, returns: "Double", summary: m.summary, example: "\(name)([0, 1, 1, 0, 1], [0, 1, 0, 0, 1])",
                            errors: [(.value, "the two have different lengths or are empty")])
        return NativeFunction(d) { a, _ in
            let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
            let average = m.averaged ? try Self.average(a["average"]) : .binary
            return .double(try body(t, p, try optionalNumbers(a["weights"], a.place("weights")), average))
        }
    }

    static func summary(_ name: String) -> String { MetricCatalog.all.first { $0.name == name }?.summary ?? "" }

    static let fbeta = NativeFunction(Declaration(
        "fbeta", [yTrue(), .positional("yPred", series, "the predicted classes"),
                  .labelled("beta", .double, default: .double(1), range: .above(0), "how many times recall counts as much as precision"),
                  averageParameter, weights],
        returns: "Double", summary: summary("fbeta"), example: "fbeta([0, 1, 1, 0, 1], [0, 1, 0, 0, 1], beta: 2)",
        errors: [(.value, "the two have different lengths, or beta is not positive")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
        let beta = try a.double("beta")
        guard beta > 0, beta.isFinite else { throw ScriptError(.value, "fbeta(beta:) must be above 0, got \(beta)") }
        return .double(try ClassificationMetrics.scores(t, p, beta: beta, average: try average(a["average"]),
                                                         weights: try optionalNumbers(a["weights"], a.place("weights")), function: "fbeta").f)
    }

    static func scoreMetric(_ m: MetricDescriptor, _ body: @escaping @Sendable (Labels, [Double], [Double]?) throws(MetricError) -> Double) -> NativeFunction {
        let name = m.name
        let d = Declaration(name, [yTrue("the true classes, 0 or 1"), .positional("scores", series, "a score or probability of class 1 per row"), weights],
                            returns: "Double", summary: m.summary, example: "\(name)([0, 1, 1, 0, 1], [0.1, 0.8, 0.6, 0.4, 0.9])",
                            errors: [(.value, "the two have different lengths, or only one class is present")])
        return NativeFunction(d) { a, _ in
            let t = try labels(a["yTrue"], a.place("yTrue")), s = try numbers(a["scores"], a.place("scores"))
            return .double(try body(t, s, try optionalNumbers(a["weights"], a.place("weights"))))
        }
    }

    /// Scores as rows of per-class scores (several classes) or one score per row.
    static func scoreRows(_ v: Value, _ what: String) throws -> [[Double]]? {
        if case .object(let o as TensorObject) = IndexTensorObject.promote(v), o.tensor.rank == 2, o.tensor.shape[1] > 1 {
            let (n, k) = (o.tensor.shape[0], o.tensor.shape[1])
            return (0..<n).map { i in (0..<k).map { Double(o.tensor.storage[i * k + $0]) } }
        }
        guard case .array(let rows) = v, case .array? = rows.first else { return nil }
        return try rows.enumerated().map { i, r in try numbers(r, "\(what) row \(i)") }
    }

    /// Scores: one per row, or (several classes) a row of per-class scores per row.
    static let scoreRowsParameter = Declaration.Parameter.positional(
        "scores", series, "a score or probability of class 1 per row, or a row of per-class scores per row (a [n, k] Tensor)")

    static let rocAUC = NativeFunction(Declaration(
        "rocAUC", [yTrue(), scoreRowsParameter,
                   .labelled("average", .symbol("Average", ["macro", "weighted", "micro"]), default: .symbol("macro"),
                             "how the one-against-rest areas of several classes combine"), weights],
        returns: "Double", summary: summary("rocAUC"),
        discussion: "Binary with one score per row; one-against-rest over the classes with a row of scores per row.",
        example: "rocAUC([0, 1, 1, 0, 1], [0.1, 0.8, 0.6, 0.4, 0.9])",
        errors: [(.value, "the lengths differ, or a class has no rows")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), w = try optionalNumbers(a["weights"], a.place("weights"))
        if let rows = try scoreRows(a["scores"], a.place("scores")) {
            return .double(try RankingMetrics.rocAUC(t, multiclass: rows, average: try average(a["average"]), weights: w))
        }
        return .double(try RankingMetrics.rocAUC(t, try numbers(a["scores"], a.place("scores")), weights: w))
    }

    static let logLoss = NativeFunction(Declaration(
        "logLoss", [yTrue(), .positional("probabilities", series, "the probability of class 1 per row, or a row of per-class probabilities per row"), weights],
        returns: "Double", summary: summary("logLoss"), example: "logLoss([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.3])",
        errors: [(.value, "the lengths differ, or a probability is outside [0, 1]")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), w = try optionalNumbers(a["weights"], a.place("weights"))
        if let rows = try scoreRows(a["probabilities"], a.place("probabilities")) {
            return .double(try ProbabilityMetrics.logLoss(t, multiclass: rows, weights: w))
        }
        return .double(try ProbabilityMetrics.logLoss(t, try numbers(a["probabilities"], a.place("probabilities")), weights: w))
    }

    static let ece = NativeFunction(Declaration(
        "ece", [yTrue("the true classes, 0 or 1"), .positional("probabilities", series, "the probability of class 1 per row"),
                .labelled("bins", .int, default: .int(10), range: .atLeast(1), "uniform bins over [0, 1]"), weights],
        returns: "Double", summary: summary("ece"), example: "ece([0, 1, 1, 0, 1], [0.1, 0.8, 0.6, 0.4, 0.9], bins: 5)",
        errors: [(.value, "the lengths differ, a probability is outside [0, 1], or bins is below 1")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try numbers(a["probabilities"], a.place("probabilities"))
        return .double(try ProbabilityMetrics.ece(t, p, bins: try a.int("bins"), weights: try optionalNumbers(a["weights"], a.place("weights"))))
    }

    static let confusion = NativeFunction(Declaration(
        "confusion", [yTrue(), .positional("yPred", series, "the predicted classes"), weights], returns: "Confusion",
        summary: "Counts of (true, predicted) classes, shown as a heatmap; .counts and .classes give them.",
        example: "confusion([0, 1, 1, 2, 2], [0, 1, 2, 2, 2])", errors: [(.value, "the two have different lengths or are empty")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
        return .object(ConfusionObject(try ConfusionMatrix(t, p, weights: try optionalNumbers(a["weights"], a.place("weights")))))
    }

    static func regression(_ m: MetricDescriptor, _ body: @escaping @Sendable ([Double], [Double], [Double]?) throws(MetricError) -> Double) -> NativeFunction {
        let name = m.name
        let d = Declaration(name, [yTrue("the true values"), .positional("yPred", series, "the predicted values"), weights],
                            returns: "Double", summary: m.summary, example: "\(name)([1.0, 2.0, 3.0, 4.0], [1.1, 1.9, 3.2, 3.8])",
                            errors: [(.value, "the two have different lengths or are empty")])
        return NativeFunction(d) { a, _ in
            let t = try numbers(a["yTrue"], a.place("yTrue")), p = try numbers(a["yPred"], a.place("yPred"))
            return .double(try body(t, p, try optionalNumbers(a["weights"], a.place("weights"))))
        }
    }

    static func amountMetric(_ m: MetricDescriptor, _ body: @escaping @Sendable (Labels, Labels, [Double]) throws(MetricError) -> Double) -> NativeFunction {
        let name = m.name
        let d = Declaration(name, [yTrue(), .positional("yPred", series, "the predicted classes"),
                                   .labelled("amount", series, "what each row is worth (a transaction's amount)")],
                            returns: "Double", summary: m.summary, example: "\(name)([0, 1, 1, 0], [0, 1, 0, 1], amount: [20.0, 950.0, 40.0, 15.0])",
                            errors: [(.value, "the lengths differ, or an amount is negative or not finite")])
        return NativeFunction(d) { a, _ in
            let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
            return .double(try body(t, p, try numbers(a["amount"], a.place("amount"))))
        }
    }

    // MARK: Business value

    static let costEntry = ParameterType.either("Number | Function", [.double, .function])

    static let costMatrix = NativeFunction(Declaration(
        "costMatrix", [.labelled("tp", costEntry, default: .int(0), "the value of catching a positive"),
                       .labelled("fp", costEntry, default: .int(0), "the value (a cost: negative) of a false alarm"),
                       .labelled("fn", costEntry, default: .int(0), "the value (a cost: negative) of a missed positive"),
                       .labelled("tn", costEntry, default: .int(0), "the value of a quiet negative")],
        returns: "Metric", summary: "The value of each decision, as a metric: call it m(yTrue, yPred, amount: a) for the total.",
        discussion: "Each entry is a number, or a closure of the row ({ row in 50 + row.amount }) whose row has .amount and .index.",
        example: "let value = costMatrix(tp: { row in row.amount - 5 }, fp: -10, fn: { row in -row.amount }, tn: 0)\nvalue([0, 1, 1], [0, 1, 0], amount: [20.0, 300.0, 80.0])")) { a, interp in
        func entry(_ label: String) throws -> CostMatrix.Entry {
            let v = a[label]
            switch v {
            case .int, .double: return .constant(try a.double(label))
            default:
                let box = UncheckedBox((v, interp))
                return .perRow { row, amount in
                    let (fn, interp) = box.value
                    let result = try interp.call(fn, .object(DecisionRow(index: row, amount: amount)))
                    return try Convert.double(result, "costMatrix(\(label):)'s closure result")
                }
            }
        }
        let m = CostMatrix(tp: try entry("tp"), fp: try entry("fp"), fn: try entry("fn"), tn: try entry("tn"))
        return .function(MetricFunction(matrix: m))
    }

    static let profit = NativeFunction(Declaration(
        "profit", [yTrue(), .positional("yPred", series, "the predicted classes"), .labelled("gain", .function, "a costMatrix(...)"),
                   .labelled("amount", series, default: .nil, "what each row is worth, for entries that are closures of the row")],
        returns: "Double", summary: "The total value of the predictions under a cost matrix.",
        example: "profit([0, 1, 1], [0, 1, 0], gain: costMatrix(tp: 100, fp: -10, fn: -100))",
        errors: [(.type, "gain is not a costMatrix"), (.value, "the lengths differ, or a closure needs amount:")])) { a, _ in
        guard case .function(let f) = a["gain"], let m = f as? MetricFunction else { throw ScriptError(.type, "profit(gain:) needs a costMatrix(...)") }
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
        return .double(try m.matrix.total(t, p, amount: try optionalNumbers(a["amount"], a.place("amount"))))
    }

    static let valueReport = NativeFunction(Declaration(
        "valueReport", [yTrue(), .positional("yPred", series, "the predicted classes"), .labelled("amount", series, "what each row is worth")],
        returns: "Table", summary: "Counts beside amounts: positives caught and their amount, precision by count and by amount, what was missed.",
        example: "valueReport([0, 1, 1, 0], [0, 1, 0, 1], amount: [20.0, 950.0, 40.0, 15.0])",
        errors: [(.value, "the lengths differ, or an amount is negative or not finite")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try labels(a["yPred"], a.place("yPred"))
        let amount = try numbers(a["amount"], a.place("amount"))
        let r = try BusinessValue.report(t, p, amount: amount)
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        func money(_ x: Double) -> String { ProgressBar.money(x) }
        let table = Table(columns: ["", "by count", "by amount"], rows: [
            ["positives", String(Int(r.positives)), money(r.positiveAmount)],
            ["caught (recall)", "\(Int(r.caught)) (\(pct(r.recall)))", "\(money(r.caughtAmount)) (\(pct(r.amountRecall)))"],
            ["missed", String(Int(r.positives - r.caught)), money(r.positiveAmount - r.caughtAmount)],
            ["flagged", String(Int(r.flagged)), money(r.flaggedAmount)],
            ["precision", pct(r.precision), pct(r.amountPrecision)],
        ], numericColumns: [1, 2], caption: r.headline)
        return .object(RichValue(kind: "Table", bundle: table.bundle))
    }

    static let thresholdSweep = NativeFunction(Declaration(
        "thresholdSweep", [yTrue("the true classes, 0 or 1"), .positional("scores", series, "a score or probability of class 1 per row"),
                           .positional("metric", .either("String | Metric", [.string, .function]), "a metric name that counts decisions (\"f1\", \"amountRecall\") or a costMatrix"),
                           .labelled("amount", series, default: .nil, "what each row is worth, for amount metrics and cost matrices")],
        returns: "Chart", summary: "The metric at every threshold of the scores, charted; .best gives the threshold worth most and its value.",
        example: "thresholdSweep([0, 1, 1, 0, 1], [0.2, 0.9, 0.6, 0.4, 0.7], \"f1\").best",
        errors: [(.value, "the metric does not count decisions, or the lengths differ")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), s = try numbers(a["scores"], a.place("scores"))
        let amount = try optionalNumbers(a["amount"], a.place("amount"))
        let (m, name): (ThresholdSweep.Metric, String)
        switch a["metric"] {
        case .string(let n):
            guard let named = MetricCatalog.resolve(n)?.metric.sweep else {
                let sweepable = MetricCatalog.all.filter { $0.sweep != nil }.map(\.name).joined(separator: ", ")
                throw ScriptError(.value, "thresholdSweep: '\(n)' cannot be swept: it does not count decisions at a threshold",
                                  suggestion: "use \(sweepable) or a costMatrix")
            }
            (m, name) = (named, n)
        case .function(let f as MetricFunction): (m, name) = (.value(f.matrix), "value")
        default: throw ScriptError(.type, "thresholdSweep's metric must be a name or a costMatrix, got \(a["metric"].typeName)")
        }
        let sweep = try ThresholdSweep(t, s, metric: m, name: name, amount: amount)
        return .object(SweepObject(sweep))
    }

    // MARK: Curves

    static let rocCurve = NativeFunction(Declaration(
        "rocCurve", [yTrue("the true classes, 0 or 1"), .positional("scores", series, "a score or probability of class 1 per row"), weights],
        returns: "Chart", summary: "The ROC curve (true against false positive rate at every threshold) with its area.",
        example: "rocCurve([0, 1, 1, 0, 1, 0], [0.1, 0.8, 0.6, 0.4, 0.9, 0.3])",
        errors: [(.value, "the lengths differ, or only one class is present")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), s = try numbers(a["scores"], a.place("scores"))
        let (fpr, tpr, _) = try RankingMetrics.rocCurve(t, s, weights: try optionalNumbers(a["weights"], a.place("weights")))
        let auc = RankingMetrics.area(fpr: fpr, tpr: tpr)
        var chart = LineChart(title: "ROC curve (AUC \(String(format: "%.3f", auc)))", xLabel: "false positive rate", yLabel: "true positive rate",
                              series: [.init("model", x: fpr, y: tpr), .init("chance", x: [0, 1], y: [0, 1], reference: true)])
        chart.xRange = 0...1; chart.yRange = 0...1
        return .object(RichValue(kind: "Chart", bundle: chart.bundle))
    }

    static let prCurve = NativeFunction(Declaration(
        "prCurve", [yTrue("the true classes, 0 or 1"), .positional("scores", series, "a score or probability of class 1 per row"), weights],
        returns: "Chart", summary: "Precision against recall at every threshold, with the average precision.",
        example: "prCurve([0, 1, 1, 0, 1, 0], [0.1, 0.8, 0.6, 0.4, 0.9, 0.3])",
        errors: [(.value, "the lengths differ, or there is no positive row")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), s = try numbers(a["scores"], a.place("scores"))
        let (p, r, _) = try RankingMetrics.precisionRecallCurve(t, s, weights: try optionalNumbers(a["weights"], a.place("weights")))
        let ap = RankingMetrics.averagePrecision(precision: p, recall: r)
        var chart = LineChart(title: "Precision-recall (AP \(String(format: "%.3f", ap)))", xLabel: "recall", yLabel: "precision",
                              series: [.init("model", x: [0] + r, y: [p.first ?? 1] + p)])
        chart.xRange = 0...1; chart.yRange = 0...1
        return .object(RichValue(kind: "Chart", bundle: chart.bundle))
    }

    static let reliabilityCurve = NativeFunction(Declaration(
        "reliabilityCurve", [yTrue("the true classes, 0 or 1"), .positional("probabilities", series, "the probability of class 1 per row"),
                             .labelled("bins", .int, default: .int(10), range: .atLeast(1), "uniform bins over [0, 1]")],
        returns: "Chart", summary: "Observed against predicted rates per bin, beside perfect calibration, with the expected calibration error.",
        example: "reliabilityCurve([0, 1, 1, 0, 1, 0], [0.1, 0.8, 0.6, 0.4, 0.9, 0.3], bins: 5)",
        errors: [(.value, "the lengths differ, a probability is outside [0, 1], or bins is below 1")])) { a, _ in
        let t = try labels(a["yTrue"], a.place("yTrue")), p = try numbers(a["probabilities"], a.place("probabilities"))
        let bins = try a.int("bins")
        let r = try ProbabilityMetrics.reliability(t, p, bins: bins)
        let e = try ProbabilityMetrics.ece(t, p, bins: bins)
        var chart = LineChart(title: "Reliability (ECE \(String(format: "%.3f", e)))", xLabel: "mean predicted probability", yLabel: "observed rate",
                              series: [.init("model", x: r.map(\.meanPredicted), y: r.map(\.observed)), .init("perfect", x: [0, 1], y: [0, 1], reference: true)])
        chart.xRange = 0...1; chart.yRange = 0...1
        return .object(RichValue(kind: "Chart", bundle: chart.bundle))
    }

    // MARK: The metric spec

    static let objective = NativeFunction(Declaration(
        "Objective", [.positional("name", .string, "the metric the objective closure returns under this name"),
                      .positional("direction", .symbol("Direction", ["maximize", "minimize"]), default: .nil,
                                  "which way is better; left out, the metric's own (a catalogued metric's, else minimize for losses, errors, costs and times)")],
        returns: "Objective", summary: "What a study optimizes; it takes one, or two for a Pareto front.",
        example: "Objective(\"auc\", .maximize)")) { a, _ in
        let name = try a.string("name")
        let direction = try a.symbol("direction").flatMap(MetricSpec.Direction.init(rawValue:)) ?? TuneBindings.direction(of: name)
        return .object(SpecObject(kind: "Objective", name: name, text: "Objective(\"\(name)\", .\(direction.rawValue))", objective: .init(name, direction)))
    }

    static let constraint = NativeFunction(Declaration(
        "Constraint", [.positional("name", .string, "the metric the objective closure returns under this name"),
                       .labelled("atLeast", .double, default: .nil, "the smallest acceptable value"),
                       .labelled("atMost", .double, default: .nil, "the largest acceptable value")],
        returns: "Constraint", summary: "A bound a trial's metric must meet to count as feasible; a study takes up to four.",
        example: "Constraint(\"precision\", atLeast: 0.9)", errors: [(.value, "neither bound is given, or atLeast is above atMost")])) { a, _ in
        let name = try a.string("name")
        let lo = try a.optionalDouble("atLeast"), hi = try a.optionalDouble("atMost")
        let c = try MetricSpec.Constraint(name, atLeast: lo, atMost: hi)
        let bounds = [lo.map { "atLeast: \($0)" }, hi.map { "atMost: \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return .object(SpecObject(kind: "Constraint", name: name, text: "Constraint(\"\(name)\", \(bounds))", constraint: c))
    }

    static let stored = NativeFunction(Declaration(
        "Stored", [.positional("name", .string, "the metric the objective closure returns under this name")], returns: "Stored",
        summary: "A metric kept with each trial for the report, neither optimized nor bounded; a study keeps up to fifty.",
        example: "Stored(\"latency\")")) { a, _ in
        let name = try a.string("name")
        return .object(SpecObject(kind: "Stored", name: name, text: "Stored(\"\(name)\")"))
    }
}

/// Lets a value that is only used on the worker thread ride in a @Sendable closure.
struct UncheckedBox<T>: @unchecked Sendable { let value: T; init(_ v: T) { value = v } }

/// A cost matrix: callable as `m(yTrue, yPred, amount: a)`, and accepted by
/// thresholdSweep, profit and (later) evaluate and tune.
final class MetricFunction: Callable {
    let matrix: CostMatrix
    init(matrix: CostMatrix) { self.matrix = matrix }
    var name: String { "costMatrix" }
    func call(_ arguments: [ArgumentValue], _ interpreter: Interpreter) throws -> Value {
        let bound = try bindArguments(arguments, to: [(nil, false), (nil, false), ("amount", true)], function: "metric(_:_:amount:)")
        let t = try MetricsBindings.labels(bound[0]!, "metric(yTrue)"), p = try MetricsBindings.labels(bound[1]!, "metric(yPred)")
        let amount = try bound[2].flatMap { $0.isNil ? nil : try MetricsBindings.numbers($0, "metric(amount:)") }
        return .double(try ScriptError.converting { try matrix.total(t, p, amount: amount) })
    }
}

/// What a cost-matrix closure sees: `row.amount`, `row.index`.
final class DecisionRow: DeclaredMembers {
    let index: Int
    let amount: Double?
    init(index: Int, amount: Double?) { self.index = index; self.amount = amount }
    var typeName: String { "Row" }
    var plainText: String { "Row(index: \(index), amount: \(amount.map { "\($0)" } ?? "nil"))" }
    static let nativeMembers = NativeMembers<DecisionRow>([
        .property(name: "index", doc: "The row's position in yTrue.") { o in .int(o.index) },
        .property(name: "amount", doc: "The row's amount (a ValueError when the metric was called without amount:).") { o in
            guard let amount = o.amount else { throw ScriptError(.value, "row.amount: the metric was called without amount:") }
            return .double(amount)
        },
    ])
}

/// A threshold sweep: a chart, `.best` (`.threshold`, `.value`), `.thresholds`, `.values`.
final class SweepObject: DeclaredMembers {
    let sweep: ThresholdSweep
    init(_ sweep: ThresholdSweep) { self.sweep = sweep }
    var typeName: String { "Chart" }
    var chart: LineChart {
        let best = sweep.best
        var c = LineChart(title: "\(sweep.name) by threshold", xLabel: "threshold", yLabel: sweep.name,
                          series: [.init(sweep.name, x: sweep.thresholds, y: sweep.values)])
        c.marker = (best.threshold, best.value, "best: \(LineChart.label(best.value)) at threshold \(String(format: "%.3g", best.threshold))")
        return c
    }
    var plainText: String { chart.plainText }
    var richRepresentations: [(mime: String, data: String)] { [("image/svg+xml", chart.svg)] }
    static let nativeMembers = NativeMembers<SweepObject>([
        .property(name: "best", doc: "The threshold worth most and its value: [\"threshold\": t, \"value\": v] (ties: the one nearest 0.5).") { o in
            let b = o.sweep.best
            return Convert.dict([("threshold", .double(b.threshold)), ("value", .double(b.value))])
        },
        .property(name: "thresholds", doc: "Every threshold, lowest first.") { o in .array(o.sweep.thresholds.map { .double($0) }) },
        .property(name: "values", doc: "The metric at each threshold.") { o in .array(o.sweep.values.map { .double($0) }) },
    ])
}

/// A confusion matrix shown as a heatmap: `.counts`, `.classes`.
final class ConfusionObject: DeclaredMembers {
    let matrix: ConfusionMatrix
    init(_ m: ConfusionMatrix) { matrix = m }
    var typeName: String { "Confusion" }
    var heatmap: Heatmap {
        Heatmap(title: "Confusion matrix (rows: true, columns: predicted)", rowLabels: matrix.classes, columnLabels: matrix.classes,
                values: matrix.counts, rowAxis: "true", columnAxis: "predicted")
    }
    var plainText: String { heatmap.table.plainText }
    var richRepresentations: [(mime: String, data: String)] { [("text/html", heatmap.html), ("image/svg+xml", heatmap.svg)] }
    static let nativeMembers = NativeMembers<ConfusionObject>([
        .property(name: "counts", doc: "Rows of counts: true class by row, predicted class by column (weighted when weights were given).") { o in
            .array(o.matrix.counts.map { .array($0.map { $0 == $0.rounded() && abs($0) < 9e15 ? .int(Int($0)) : .double($0) }) })
        },
        .property(name: "classes", doc: "The class names, in the order of the rows and columns.") { o in .array(o.matrix.classes.map { .string($0) }) },
    ])
}

/// Objective, Constraint and Stored values, as tune() will take them.
final class SpecObject: DeclaredMembers {
    let kind: String, name: String, text: String
    let objective: MetricSpec.Objective?, constraint: MetricSpec.Constraint?
    init(kind: String, name: String, text: String, objective: MetricSpec.Objective? = nil, constraint: MetricSpec.Constraint? = nil) {
        self.kind = kind; self.name = name; self.text = text; self.objective = objective; self.constraint = constraint
    }
    var typeName: String { kind }
    var plainText: String { text }
    static let nativeMembers = NativeMembers<SpecObject>([
        .property(name: "name", doc: "The metric's name.") { o in .string(o.name) },
    ])
}
