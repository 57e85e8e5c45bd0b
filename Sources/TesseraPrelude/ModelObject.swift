import Foundation
import TesseraData
import TesseraDisplay
import TesseraMetrics
import TesseraNN
import TesseraScript
import TesseraTensor

/// A model in the language: `model.fit(...)`, `.predict(x)`, `.evaluate(test, metrics:)`,
/// `.summary()`, `.save(path)`. It keeps its optimizer between fits (as Keras does) and the
/// History of the last fit, also when that fit was interrupted.
final class ModelObject: NativeObject {
    let model: Sequential
    var optimizer: (any Optimizer)?
    var optimizerSchedule: Schedule?
    /// A schedule runs across fits with the same optimizer: its base rate and steps so far.
    var scheduleBase: Float?
    var scheduleSteps = 0
    var loss: Loss = .crossEntropy()
    /// Whether `loss` is known: given to a fit, inferred by one, or read from a checkpoint.
    /// Until it is, predict returns the raw outputs (it cannot tell scores from values).
    var lossKnown = false
    var history: History?

    init(_ model: Sequential) { self.model = model }

    var typeName: String { "Model" }
    var plainText: String { summaryTable.bundle.plain }
    var richRepresentations: [(mime: String, data: String)] { summaryTable.bundle.entries.filter { $0.mime != "text/plain" } }

    var memberNames: [String] { ["fit", "predict", "predictProba", "evaluate", "summary", "save", "layers", "parameters", "history"] }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        switch name {
        case "fit": return .function(fit)
        case "predict":
            return .function(NativeFunction("predict", doc: "predict(_ x, batchSize: 1024) -> Tensor\nOutputs for a Frame's features or a Tensor, in inference mode: for a classifier, probabilities (whether its last layer ends in a sigmoid or softmax or its loss applies one), else the outputs.",
                                            parameters: [.positional(), .labelled("target"), .labelled("batchSize", default: .int(1024))]) { [self] a, _ in
                let (x, _) = try data(a[0], nil, target: a[1], needTarget: false, what: "predict(_:)")
                let size = try Convert.int(a[2], "predict(batchSize:)")
                return .object(TensorObject(try probabilities(x, batchSize: Swift.max(1, size))))
            })
        case "predictProba":
            return .function(NativeFunction("predictProba", doc: "predictProba(_ x, batchSize: 1024) -> Tensor\nClass probabilities [n, classes], as scikit-learn's predict_proba: a binary classifier's two columns are P(0) and P(1).",
                                            parameters: [.positional(), .labelled("target"), .labelled("batchSize", default: .int(1024))]) { [self] a, _ in
                let (x, _) = try data(a[0], nil, target: a[1], needTarget: false, what: "predictProba(_:)")
                guard isClassifier else {
                    throw ScriptError(.type, "predictProba is for classifiers; this model \(lossKnown ? "was trained with a regression loss" : "has not been trained yet")",
                                      suggestion: "use predict(x) for its outputs")
                }
                let p = try probabilities(x, batchSize: Swift.max(1, try Convert.int(a[2], "predictProba(batchSize:)")))
                guard p.rank != 2 || p.shape[1] == 1 else { return .object(TensorObject(p)) }
                // One probability per row (of class 1): both columns, as scikit-learn gives them.
                let p1 = p.storage
                return .object(TensorObject(Tensor(shape: [p1.count, 2], storage: p1.flatMap { [1 - $0, $0] })))
            })
        case "evaluate": return .function(evaluate)
        case "summary":
            return .function(NativeFunction("summary", doc: "summary() -> Table\nLayers, output shapes and parameter counts.", parameters: []) { [self] _, _ in
                .object(RichValue(kind: "Summary", bundle: summaryTable.bundle))
            })
        case "save":
            return .function(NativeFunction("save", doc: "save(_ path)\nWrites the model (weights, architecture, optimizer state) as safetensors, atomically.",
                                            parameters: [.positional()]) { [self] a, _ in
                let path = try Convert.string(a[0], "save(_:)")
                try NNBindings.nn { try Checkpoint.save(model, optimizer: optimizer, to: path, metadata: lossKnown ? ["loss": loss.name] : [:]) }
                return .nil
            })
        case "layers": return .array(model.layers.map { .object(LayerObject($0)) })
        case "parameters": return .int(model.parameterCount)
        case "history": return history.map { .object(HistoryObject($0)) } ?? .nil
        default: return nil
        }
    }

    var summaryTable: Table {
        let rows = model.summary().map { [$0.layer, $0.output.isEmpty ? "?" : "[" + $0.output.map { $0 < 0 ? "batch" : "\($0)" }.joined(separator: ", ") + "]", "\($0.parameters)"] }
        return Table(columns: ["layer", "output shape", "parameters"], rows: rows + [["total", "", "\(model.parameterCount)"]], numericColumns: [2],
                     caption: model.isBuilt ? "Sequential model" : "Sequential model (shapes known after the first batch, or with inputShape:)")
    }

    // MARK: Data

    /// Features (shaped for the model) and targets from a Frame (with `target:`, or its own
    /// target column) or from a features Tensor and a targets Tensor.
    func data(_ first: Value, _ second: Value?, target: Value, needTarget: Bool, what: String) throws -> (Tensor, Tensor?) {
        var x: Tensor, y: Tensor?
        switch first {
        case .object(let f as FrameObject):
            let name = try Convert.optionalString(target, "\(what) target:")
            if needTarget || name != nil || f.frame.target != nil {
                let t = try Convert.data { try f.frame.tensors(target: name) }
                (x, y) = (t.features, t.target)
            } else {
                x = try Convert.data { try f.frame.featureTensor() }
            }
        default:
            x = try TensorObject.tensor(first, what)
            if let second, !second.isNil { y = try TensorObject.tensor(second, "\(what) targets") }
        }
        if needTarget && y == nil {
            throw ScriptError(.value, "\(what) needs targets: a Frame with target: \"label\", or a features Tensor and a targets Tensor")
        }
        // Flat rows for a model that takes images: reshape to the model's input shape.
        if let shape = model.inputShape, x.rank == 2, shape.count > 1, x.shape[1] == shape.reduce(1, *) {
            x = x.reshaped([x.shape[0]] + shape)
        } else if !model.isBuilt, x.rank == 2, model.layers.first is Conv2D {
            throw ScriptError(.shape, "\(what): the first layer is a Conv2D, which takes images, but the data has flat rows of \(x.shape[1]) features",
                              suggestion: "give the image shape: Sequential([...], inputShape: [1, 28, 28])")
        }
        return (x, y)
    }

    static func lossValue(_ v: Value, classWeights: Value, smoothing: Value, positiveWeight: Value) throws -> Loss {
        let name: String
        switch v {
        case .nil: name = "crossEntropy"
        case .symbol(let s), .string(let s): name = s
        default: throw ScriptError(.type, "fit(loss:) is .crossEntropy, .binaryCrossEntropy, .mse or .huber; got \(v.typeName)")
        }
        switch name {
        case "crossEntropy":
            let weights: [Float]? = classWeights.isNil ? nil : try TensorObject.tensor(classWeights, "fit(classWeights:)").storage
            return .crossEntropy(weights: weights, labelSmoothing: Float(try Convert.double(smoothing, "fit(labelSmoothing:)")))
        case "binaryCrossEntropy": return .binaryCrossEntropy(positiveWeight: Float(try Convert.double(positiveWeight, "fit(positiveWeight:)")))
        case "mse", "meanSquaredError": return .meanSquaredError
        case "huber": return .huber()
        default:
            throw ScriptError(.value, "unknown loss .\(name)", suggestion: "the losses are .crossEntropy, .binaryCrossEntropy, .mse and .huber")
        }
    }

    // MARK: fit

    lazy var fit = NativeFunction(
        "fit",
        doc: """
            fit(_ data, _ y = nil, target: nil, epochs: 1, batchSize: 32, optimizer: Adam(), loss: .crossEntropy, validation: nil, earlyStopping: nil, seed: 0, shuffle: true, clipNorm: nil, schedule: nil, classWeights: nil, labelSmoothing: 0, positiveWeight: 1) -> History
            Trains on a Frame (with target:) or on a features Tensor and a targets Tensor, with a live progress display.
            """,
        parameters: [.positional(), .positional(default: .nil), .labelled("target"), .labelled("epochs", default: .int(1)), .labelled("batchSize", default: .int(32)),
                     .labelled("optimizer"), .labelled("loss"), .labelled("validation"), .labelled("earlyStopping"), .labelled("seed", default: .int(0)),
                     .labelled("shuffle", default: .bool(true)), .labelled("clipNorm"), .labelled("schedule"), .labelled("classWeights"),
                     .labelled("labelSmoothing", default: .int(0)), .labelled("positiveWeight", default: .int(1))]
    ) { [unowned self] a, interp in
        let (x, y) = try data(a[0], a[1], target: a[2], needTarget: true, what: "fit(_:)")
        var options = TrainingOptions(epochs: try Convert.int(a[3], "fit(epochs:)"), batchSize: try Convert.int(a[4], "fit(batchSize:)"),
                                      seed: UInt64(truncatingIfNeeded: try Convert.int(a[9], "fit(seed:)")), shuffle: try Convert.bool(a[10], "fit(shuffle:)"))
        guard options.epochs > 0 else { throw ScriptError(.value, "fit(epochs:) must be at least 1, got \(options.epochs)") }
        guard options.batchSize > 0 else { throw ScriptError(.value, "fit(batchSize:) must be at least 1, got \(options.batchSize)") }
        if !a[8].isNil {
            let patience = try Convert.int(a[8], "fit(earlyStopping:)")
            guard patience > 0 else { throw ScriptError(.value, "fit(earlyStopping:) is a patience in epochs, at least 1; got \(patience)") }
            options.earlyStopping = patience
        }
        if !a[11].isNil { options.clipNorm = Float(try Convert.double(a[11], "fit(clipNorm:)")) }
        options.schedule = try NNBindings.scheduleValue(a[12], "fit(schedule:)")
        if !a[5].isNil {
            guard case .object(let o as OptimizerObject) = a[5] else { throw ScriptError(.type, "fit(optimizer:) takes SGD(...), Adam(...), AdamW(...) or RMSProp(...)") }
            if o.optimizer !== optimizer { (scheduleBase, scheduleSteps) = (nil, 0) }
            optimizer = o.optimizer
            optimizerSchedule = o.schedule
        }
        // A schedule given with the optimizer applies unless fit names its own.
        options.schedule = options.schedule ?? optimizerSchedule
        if !a[6].isNil {
            loss = try Self.lossValue(a[6], classWeights: a[13], smoothing: a[14], positiveWeight: a[15])
            lossKnown = true
        } else if !lossKnown || loss == .crossEntropy() {
            // No loss named: the one the model and targets call for (as a Keras user would
            // choose), with the class weights, smoothing and positive weight given.
            let inferred = try NNBindings.nn { try inferredLoss(x, y!) }
            loss = try Self.lossValue(.string(inferred), classWeights: a[13], smoothing: a[14], positiveWeight: a[15])
            lossKnown = true
        }
        var validation: (x: Tensor, y: Tensor)?
        if !a[7].isNil {
            switch a[7] {
            case .array(let pair) where pair.count == 2, .tuple(let pair) where pair.count == 2:
                let (vx, vy) = try data(pair[0], pair[1], target: .nil, needTarget: true, what: "fit(validation:)")
                validation = (vx, vy!)
            default:
                let (vx, vy) = try data(a[7], nil, target: a[2], needTarget: true, what: "fit(validation:)")
                validation = (vx, vy!)
            }
        }
        let opt = optimizer ?? Adam()
        optimizer = opt
        options.scheduleStart = scheduleSteps
        options.baseLearningRate = scheduleBase
        let trainer = Trainer(model: model, loss: loss, optimizer: opt, backend: TensorRuntime.shared.backend, options: options)
        scheduleBase = trainer.baseRate
        defer { scheduleSteps = trainer.stepCount }
        let progress = ProgressReporter(interp, task: "training", unit: "batches", leavesFinalLine: true)
        var latest: [ProgressBar.Metric] = []
        let result: History
        do {
            result = try NNBindings.nn {
                try trainer.fit(x, y!, validation: validation, progress: { e in
                    let done = Double((e.epoch - 1) * e.batches + e.batch), total = Double(e.epochs) * Double(e.batches)
                    if e.kind == .epoch {
                        latest = [.init("epoch", Double(e.epoch)), .init("loss", e.loss)] + e.metrics.filter { $0.key != "loss" }.sorted { $0.key < $1.key }.map { .init($0.key, $0.value) }
                    } else if latest.isEmpty || e.batch % 10 == 0 {
                        latest = [.init("epoch", Double(e.epoch)), .init("loss", e.loss)]
                    }
                    progress.report(done: done, total: total, metrics: latest, finished: done == total)
                }, shouldStop: { interp.interrupt.isSet })
            }
        } catch {
            progress.finish((error as? ScriptError)?.kind == .interrupted ? "interrupted" : "stopped by an error")
            throw error
        }
        switch result.stopReason {
        case .earlyStopping?: progress.finish("stopped early at epoch \(result.epochs.count)")
        case .interrupted?: progress.finish("interrupted")
        default: progress.finish()
        }
        history = result
        if case .interrupted(let epoch, let batch)? = result.stopReason {
            throw ScriptError(.interrupted, "training was interrupted at epoch \(epoch), batch \(batch); the model keeps the weights of its last step and model.history the \(result.epochs.count) finished epoch\(result.epochs.count == 1 ? "" : "s")")
        }
        return .object(HistoryObject(result))
    }

    // MARK: evaluate

    lazy var evaluate = NativeFunction(
        "evaluate",
        doc: """
            evaluate(_ data, _ y = nil, target: nil, metrics: ["accuracy"], amount: nil) -> Dict
            The loss and the metrics on a data set: names (accuracy, balancedAccuracy, precision, recall, f1, mcc, rocAUC, prAUC, logLoss, \
            brier, ece, mse, rmse, mae, r2, amountRecall, amountPrecision, and scikit-learn's scorer names: "auc", "roc_auc", "f1_macro", \
            "neg_log_loss", ...) or Metric values such as a costMatrix. amount: the column (by name, of a Frame) or the values that \
            amount metrics and cost matrices read.
            """,
        parameters: [.positional(), .positional(default: .nil), .labelled("target"), .labelled("metrics"), .labelled("amount")]
    ) { [unowned self] a, interp in
        let (x, y) = try data(a[0], a[1], target: a[2], needTarget: true, what: "evaluate(_:)")
        let requested: [Value]
        switch a[3] {
        case .nil: requested = []
        case .array(let xs): requested = xs
        default: requested = [a[3]]
        }
        var amount: Value = .nil
        if case .string(let column) = a[4], case .object(let f as FrameObject) = a[0] {
            amount = .object(ColumnObject(try Convert.data { try f.frame.column(column) }))
        } else {
            amount = a[4]
        }
        let backend = TensorRuntime.shared.backend
        // Scores (logits) when the model ends in its loss's sigmoid or softmax: the loss,
        // the classes and the probabilities below all read scores.
        let out = try NNBindings.nn { try model.predict(x, backend: backend, scores: loss.takesScores(of: model)) }
        let truth = y!
        var result: [(String, Value)] = [("loss", .double(Double(try NNBindings.nn { try loss.apply(Variable(out), truth, Tape(backend: backend)).value.storage[0] })))]
        let classes = out.rank == 2 ? out.shape[1] : 1
        let needAmount = "needs amount: the amounts it weighs, e.g. evaluate(test, metrics: [...], amount: \"amount\")"
        for item in requested {
            // A Metric value (a cost matrix): called on the classes, with the amounts.
            if case .function(let m as MetricFunction) = item {
                guard !amount.isNil || !m.matrix.needsAmount else { throw ScriptError(.value, "evaluate: a cost matrix with row closures \(needAmount)") }
                let args = [ArgumentValue(.object(TensorObject(truth))), ArgumentValue(.object(TensorObject(try labels(out, backend)))),
                            ArgumentValue(label: "amount", amount)]
                result.append((m.name, try m.call(amount.isNil ? Array(args.prefix(2)) : args, interp)))
                continue
            }
            guard case .string(let name) = item else {
                throw ScriptError(.type, "evaluate(metrics:) takes metric names and Metric values (a costMatrix), got \(item.typeName)")
            }
            if name == "loss" { continue }
            guard let resolved = MetricCatalog.resolve(name), let f = MetricsBindings.functions.first(where: { $0.name == resolved.metric.name }) else {
                throw ScriptError(.value, "evaluate(metrics:): no metric named \"\(name)\"",
                                  suggestion: "the metrics are " + MetricCatalog.all.map(\.name).joined(separator: ", ") + " (and scikit-learn's names: \"auc\", \"f1_macro\", \"neg_log_loss\", ...)")
            }
            let metric = resolved.metric
            var args = [ArgumentValue(.object(TensorObject(truth)))]
            switch metric.input {
            case .scores:
                args.append(ArgumentValue(.object(TensorObject(try scores(out, backend)))))
            case .values:
                args.append(ArgumentValue(.object(TensorObject(out.reshaped([out.count])))))
            case .amounts:
                guard !amount.isNil else { throw ScriptError(.value, "evaluate(metrics: [\"\(name)\"]) \(needAmount)") }
                args += [ArgumentValue(.object(TensorObject(try labels(out, backend)))), ArgumentValue(label: "amount", amount)]
            case .labels:
                args.append(ArgumentValue(.object(TensorObject(try labels(out, backend)))))
                if let average = resolved.average {
                    args.append(ArgumentValue(label: "average", .symbol(average.rawValue)))
                } else if classes > 2 && metric.averaged {
                    args.append(ArgumentValue(label: "average", .symbol("macro")))
                }
            }
            var value = try f.call(args, interp)
            if resolved.negated, let v = value.asDouble { value = .double(-v) }
            result.append((name, value))
        }
        return Convert.dict(result)
    }

    /// Whether the model classifies: its loss is a cross-entropy, or (no loss known yet) it
    /// ends in a sigmoid or softmax.
    var isClassifier: Bool { lossKnown ? loss.isClassification : model.probabilityActivation != nil }

    /// What predict returns: probabilities for a classifier (the model's own when it ends
    /// in a sigmoid or softmax, else its scores through the loss's activation), the raw
    /// outputs otherwise.
    func probabilities(_ x: Tensor, batchSize: Int) throws -> Tensor {
        let backend = TensorRuntime.shared.backend
        let out = try NNBindings.nn { try model.predict(x, backend: backend, batchSize: batchSize) }
        guard lossKnown, model.probabilityActivation == nil else { return out }
        switch loss {
        case .binaryCrossEntropy: return try NNBindings.nn { try backend.unary(.sigmoid, out) }
        case .crossEntropy: return try NNBindings.nn { try backend.softmax(out, axis: -1, log: false) }
        default: return out
        }
    }

    /// The loss a fit without `loss:` uses: the one a last sigmoid or softmax calls for;
    /// for one output, binary cross-entropy when every target is 0 or 1 and mean squared
    /// error otherwise; cross-entropy for several outputs.
    func inferredLoss(_ x: Tensor, _ y: Tensor) throws(TensorError) -> String {
        switch model.probabilityActivation {
        case .sigmoid?: return "binaryCrossEntropy"
        case .softmax?: return "crossEntropy"
        default: break
        }
        if !model.isBuilt { try model.build(inputShape: Array(x.shape.dropFirst())) }
        guard let out = model.shapes.last, out.reduce(1, *) == 1 else { return "crossEntropy" }
        return y.storage.allSatisfy { $0 == 0 || $0 == 1 } ? "binaryCrossEntropy" : "mse"
    }

    /// Predicted classes: the argmax of class scores, or a logit above 0 for one output.
    func labels(_ out: Tensor, _ backend: any Backend) throws -> Tensor {
        if out.rank == 2 && out.shape[1] > 1 { return try NNBindings.nn { try backend.argmax(out, axis: -1).floats } }
        return Tensor(shape: [out.count], storage: out.storage.map { $0 > 0 ? 1 : 0 })
    }

    /// Probabilities: of the positive class for two classes or one logit, else per class.
    func scores(_ out: Tensor, _ backend: any Backend) throws -> Tensor {
        if out.rank == 2 && out.shape[1] > 1 {
            let p = try NNBindings.nn { try backend.softmax(out, axis: -1, log: false) }
            if out.shape[1] == 2 { return Tensor(shape: [out.shape[0]], storage: stride(from: 1, to: p.count, by: 2).map { p.storage[$0] }) }
            return p
        }
        return try NNBindings.nn { try backend.unary(.sigmoid, out.reshaped([out.count])) }
    }
}

/// What `fit` returns: per-epoch metrics, `.last`, `history["loss"]`, `.plot()`.
final class HistoryObject: NativeSubscriptable {
    let history: History
    init(_ history: History) { self.history = history }

    var typeName: String { "History" }

    /// All epochs, or (`elided`) the first and last five of a long run.
    func table(elided: Bool) -> Table {
        let names = history.names
        var rows = history.epochs.enumerated().map { i, e in ["\(i + 1)"] + names.map { e[$0].map { String(format: "%.4f", $0) } ?? "" } }
        if elided && rows.count > 12 { rows = Array(rows.prefix(5)) + [["..."] + names.map { _ in "" }] + Array(rows.suffix(5)) }
        var caption = "\(history.epochs.count) epoch\(history.epochs.count == 1 ? "" : "s")"
        switch history.stopReason {
        case .earlyStopping(let p)?: caption += "; stopped early (no better validation loss in \(p) epochs), weights of epoch \(history.restoredEpoch ?? 0) restored"
        case .interrupted(let e, let b)?: caption += "; interrupted at epoch \(e), batch \(b)"
        case nil: if let r = history.restoredEpoch { caption += "; weights of the best epoch (\(r)) restored" }
        }
        return Table(columns: ["epoch"] + names, rows: rows, numericColumns: Set(0...names.count), caption: caption)
    }

    var plainText: String { table(elided: true).bundle.plain }
    var richRepresentations: [(mime: String, data: String)] { table(elided: false).bundle.entries.filter { $0.mime != "text/plain" } }

    var memberNames: [String] { ["last", "epochs", "names", "plot", "stopped"] }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        switch name {
        case "last": return Convert.dict(history.names.compactMap { n in history.last[n].map { (n, .double($0)) } })
        case "epochs": return .int(history.epochs.count)
        case "names": return .array(history.names.map { .string($0) })
        case "stopped":
            switch history.stopReason {
            case .earlyStopping?: return .string("early stopping")
            case .interrupted?: return .string("interrupted")
            case nil: return .nil
            }
        case "plot":
            return .function(NativeFunction("plot", doc: "plot(_ metrics = nil) -> Chart\nThe loss curves (or the named metrics) against the epoch.",
                                            parameters: [.positional(default: .nil)]) { [self] a, _ in
                let wanted = a[0].isNil ? history.names.filter { $0.hasSuffix("loss") } : try Convert.strings(a[0], "plot(_:)")
                for w in wanted where !history.names.contains(w) {
                    throw ScriptError(.key, "the history has no metric \"\(w)\"; it has \(history.names.joined(separator: ", "))")
                }
                let series = wanted.map { n in
                    LineChart.Series(n, x: history.series(n).indices.map { Double($0 + 1) }, y: history.series(n), dashed: n.hasPrefix("val_"))
                }
                let chart = LineChart(title: "Training history", xLabel: "epoch", yLabel: wanted.count == 1 ? wanted[0] : "value", series: series)
                return .object(RichValue(kind: "Chart", bundle: chart.bundle))
            })
        default: return nil
        }
    }

    func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        let name = try Convert.string(index, "history[...]")
        guard history.names.contains(name) else {
            throw ScriptError(.key, "the history has no metric \"\(name)\"; it has \(history.names.joined(separator: ", "))")
        }
        return .array(history.series(name).map { .double($0) })
    }

    func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "a History is read-only")
    }
}
