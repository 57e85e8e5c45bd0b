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
final class ModelObject: DeclaredMembers {
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
    /// What `compile(loss:)` chose: later fits use it unless they name their own (and do not
    /// infer one over it).
    var compiledLoss: Value?
    /// What `compile(metrics:)` chose: evaluate reports them unless it is given `metrics:`.
    var compiledMetrics: [Value] = []
    /// A Pipeline's transforms, before its first fit (they are fitted on the training rows).
    var transforms: [any Transform] = []
    /// The schema, fitted transforms and profile of the frame the model was fitted on; nil
    /// until a fit on a frame (or a load of a model that had one).
    var pipeline: FittedPipeline?

    init(_ model: Sequential, transforms: [any Transform] = []) { self.model = model; self.transforms = transforms }

    var typeName: String { "Model" }
    var plainText: String { summaryTable.bundle.plain }
    var richRepresentations: [(mime: String, data: String)] { summaryTable.bundle.entries.filter { $0.mime != "text/plain" } }

    /// What predict and predictProba take.
    static let predictParameters: [Declaration.Parameter] = [
        .positional("data", .any, "a Frame of raw rows (matched to the fitted columns by name) or a features Tensor"),
        .labelled("target", .string, default: .nil, "a Frame's label column, left out of the features"),
        .labelled("batchSize", .int, default: .int(1024), range: .atLeast(1), "rows per forward pass"),
        strictParameter, quietParameter,
    ]

    /// Keras' `verbose:` on predict and evaluate, which show no progress display here: taken,
    /// so that code written for Keras runs as it is.
    static let quietParameter = Declaration.Parameter.labelled("verbose", .int, default: .int(0), range: ValueRange(lower: 0, upper: 2),
                                                               "taken for Keras code; no progress is shown either way")

    static let strictParameter = Declaration.Parameter.labelled("strict", .bool, default: .bool(true),
                                                                "false: ignore (with a warning) columns the model was not fitted with, instead of a DataError")

    static let nativeMembers = NativeMembers<ModelObject>([
        .method(Declaration("add", [.positional("layer", .object("Layer"), "the layer to append")],
                            summary: "Appends a layer, as Keras' model.add: before the model is built (its first fit or predict).",
                            example: "let m = Sequential(seed: 1)\nm.add(Dense(8, activation: .relu))\nm.add(Dense(2))\nm.summary()",
                            errors: [(.value, "the model is built already")])) { m, a, _ in
            guard case .object(let l as LayerObject) = a["layer"] else { throw ScriptError(.type, "add(_:) takes a layer (Dense(8), Dropout(0.2), ...), got \(a["layer"].typeName)") }
            try ScriptError.converting { try m.model.add(l.layer) }
            return .nil
        },
        .method(Declaration(
            "compile", [.labelled("optimizer", .any, default: .nil,
                                  "an Optimizer (Adam(lr: 1e-3)), or the name of one with its default settings: " + OptimizerKind.all.map { "\"\($0.name.lowercased())\"" }.joined(separator: ", ")),
                        .labelled("loss", .symbol("Loss", LossKind.names), default: .nil, "the loss later fits use (else each fit infers one from the last layer and targets)"),
                        .labelled("metrics", .any, default: .nil, "metric names (\"accuracy\", \"auc\", ...) evaluate reports when not given metrics:")],
            summary: "Keras' compile: the optimizer, loss and metrics that later fits and evaluations use unless they name their own. Optional: fit takes them too.",
            example: "let m = Sequential([Dense(8, activation: .relu), Dense(2)], seed: 1)\nm.compile(optimizer: \"adam\", loss: .crossEntropy, metrics: [\"accuracy\"])\nlet x = randn([32, 4], seed: 1)\nlet y = tensor((0..<32).map { $0 % 2 })\nm.fit(x, y, epochs: 2)\nm.evaluate(x, y).keys.sorted()",
            errors: [(.value, "an unknown optimizer or loss name, or a metric name evaluate does not know")])) { m, a, _ in
            try m.compile(a)
            return .nil
        },
        .method(Declaration(
            "fit", [.positional("data", .any, "a Frame (with target:) or a features Tensor"),
                    .positional("y", .any, default: .nil, "the targets Tensor, when data is a Tensor"),
                    .labelled("target", .string, default: .nil, "a Frame's label column"),
                    .labelled("epochs", .int, default: .int(1), range: .atLeast(1), "passes over the data"),
                    .labelled("batchSize", .int, default: .int(32), range: .atLeast(1), "rows per step"),
                    .labelled("optimizer", .object("Optimizer"), default: .nil, defaultText: "Adam()", "kept between fits, as Keras does"),
                    .labelled("loss", .symbol("Loss", LossKind.names), default: .nil,
                              "left out, the one the last layer and targets call for: " + LossKind.all.map { ".\($0.name), \($0.summary)" }.joined(separator: " ")),
                    .labelled("validation", .any, default: .nil, "a Frame, or a (features, targets) pair, scored after each epoch"),
                    .labelled("validationSplit", .double, default: .nil, range: ValueRange(lower: 0, upper: 1, lowerOpen: true, upperOpen: true),
                              "hold out this share of the rows for validation (shuffled by seed, stratified by class when the target is discrete; a Frame is split before the Pipeline's transforms are fitted)"),
                    .labelled("earlyStopping", .int, default: .nil, range: .atLeast(1), "stop after this many epochs without a better validation loss"),
                    .labelled("seed", .int, default: .int(0), "the seed of shuffling and dropout"),
                    .labelled("shuffle", .bool, default: .bool(true), "shuffle the rows each epoch"),
                    .labelled("verbose", .int, default: .int(1), range: ValueRange(lower: 0, upper: 2), "0: no progress display; 1 or 2: the live progress line (Keras' settings)"),
                    .labelled("clipNorm", .double, default: .nil, range: .above(0), "clip the gradients' global norm to this"),
                    .labelled("schedule", .object("Schedule"), default: .nil, "how the rate changes with the step (else the optimizer's)"),
                    .labelled("classWeights", .any, default: .nil, "a weight per class for cross-entropy"),
                    .labelled("labelSmoothing", .double, default: .int(0), range: .from(0, below: 1), "cross-entropy's label smoothing"),
                    .labelled("positiveWeight", .double, default: .int(1), range: .above(0), "binary cross-entropy's weight of positives"),
                    .labelled("distributed", .symbol("Distributed", DistributedBindings.modes), default: .symbol("auto"),
                              "under mpirun (.auto), train data-parallel across the job's ranks: each takes its share of every batch of batchSize rows and the gradients are averaged before each step; .off trains in this process alone")],
            returns: "History", summary: "Trains on a Frame (with target:) or on a features Tensor and a targets Tensor, with a live progress display.",
            example: "let m = Sequential([Dense(8, activation: .relu), Dense(2)], seed: 1)\nm.fit(randn([64, 4], seed: 1), tensor((0..<64).map { $0 % 2 }), epochs: 2)",
            errors: [(.training, "the loss became NaN or infinite (the weights of the last finite step are kept)"),
                     (.shape, "the data does not fit the model"), (.interrupted, "the cell is interrupted (the model keeps its last step)")])) { m, a, interp in
            try m.fit(a, interp)
        },
        .method(Declaration("predict", predictParameters, returns: "Tensor",
                            summary: "Outputs in inference mode: for a classifier, probabilities (whether its last layer ends in a sigmoid or softmax or its loss applies one), else the outputs.",
                            example: "Sequential([Dense(3)], seed: 1).predict(randn([2, 4], seed: 1))")) { m, a, interp in
            let (x, _) = try m.data(a["data"], nil, target: a["target"], needTarget: false, what: "predict(_:)", strict: a.bool("strict"), interp: interp)
            return .object(TensorObject(try m.probabilities(x, batchSize: Swift.max(1, try a.int("batchSize")))))
        },
        .method(generateDeclaration) { m, a, interp in try m.generate(a, interp) },
        .method(Declaration("predictProba", predictParameters, returns: "Tensor",
                            summary: "Class probabilities [n, classes], as scikit-learn's predict_proba: a binary classifier's two columns are P(0) and P(1).",
                            example: "let m = Sequential([Dense(1, activation: .sigmoid)], seed: 1)\nm.fit(randn([16, 3], seed: 1), tensor((0..<16).map { $0 % 2 }), epochs: 1)\nm.predictProba(randn([2, 3], seed: 2))",
                            errors: [(.type, "the model is not a classifier")])) { m, a, interp in
            let (x, _) = try m.data(a["data"], nil, target: a["target"], needTarget: false, what: "predictProba(_:)", strict: a.bool("strict"), interp: interp)
            guard m.isClassifier else {
                throw ScriptError(.type, "predictProba is for classifiers; this model \(m.lossKnown ? "was trained with a regression loss" : "has not been trained yet")",
                                  suggestion: "use predict(x) for its outputs")
            }
            let p = try m.probabilities(x, batchSize: Swift.max(1, try a.int("batchSize")))
            guard p.rank != 2 || p.shape[1] == 1 else { return .object(TensorObject(p)) }
            // One probability per row (of class 1): both columns, as scikit-learn gives them.
            let p1 = p.storage
            return .object(TensorObject(Tensor(shape: [p1.count, 2], storage: p1.flatMap { [1 - $0, $0] })))
        },
        .method(Declaration(
            "evaluate", [.positional("data", .any, "a Frame (with target:) or a features Tensor"),
                         .positional("y", .any, default: .nil, "the targets Tensor, when data is a Tensor"),
                         .labelled("target", .string, default: .nil, "a Frame's label column"),
                         .labelled("metrics", .any, default: .nil, "metric names (\"accuracy\", \"auc\", \"f1_macro\", ...) and Metric values such as a costMatrix"),
                         .labelled("amount", .any, default: .nil, "a Frame's amount column (by name) or the amounts, for amount metrics and cost matrices"),
                         strictParameter, quietParameter],
            returns: "Dict", summary: "The loss and the metrics on a data set.",
            example: "let m = Sequential([Dense(2)], seed: 1)\nlet x = randn([20, 3], seed: 1)\nlet y = tensor((0..<20).map { $0 % 2 })\nm.fit(x, y)\nm.evaluate(x, y, metrics: [\"accuracy\", \"auc\"])",
            errors: [(.value, "a metric name is unknown, or an amount metric has no amount:")])) { m, a, interp in
            try m.evaluate(a, interp)
        },
        .method(Declaration("summary", returns: "Table", summary: "Layers, output shapes and parameter counts.",
                            example: "Sequential([Dense(4), Dense(2)], inputShape: [3]).summary()")) { m, _, _ in
            .object(RichValue(kind: "Summary", bundle: m.summaryTable.bundle))
        },
        .method(Declaration("save", [.positional("path", .string, "where to write (replaced atomically)")],
                            summary: "Writes the model as safetensors, atomically: weights, architecture, optimizer state, loss, and for a model fitted on a frame its pipeline (schema, fitted transforms, training profile).",
                            discussion: "In an MPI job (mpirun) rank 0 alone writes: every rank holds the same weights after a fit, and the file is written once.",
                            example: "Sequential([Dense(2)], inputShape: [3], seed: 1).save(\"/tmp/tessera-model.safetensors\")",
                            errors: [(.value, "the model has no weights yet, or the file cannot be written")])) { m, a, _ in
            // As Keras's workers under MultiWorkerMirroredStrategy: the chief writes, the others do not.
            if DistributedRun.rank != 0 { return .nil }
            var metadata = m.lossKnown ? ["loss": m.loss.name] : [:]
            if let p = m.pipeline { metadata["pipeline"] = try ScriptError.converting { try p.json() } }
            try Checkpoint.save(m.model, optimizer: m.optimizer, to: try a.string("path"), metadata: metadata)
            return .nil
        },
        .property(name: "layers", doc: "The layers, in order.") { m in .array(m.model.layers.map { .object(LayerObject($0)) }) },
        .property(name: "features", doc: "The feature columns it was fitted on, in order (nil before a fit on a frame).") { m in
            m.pipeline.map { .array($0.schema.featureNames.map { .string($0) }) } ?? .nil
        },
        .property(name: "target", doc: "The target column it was fitted on (nil before a fit on a frame).") { m in m.pipeline?.schema.target.map { .string($0) } ?? .nil },
        .property(name: "classes", doc: "A text target's classes, in the order of the outputs (nil for a numeric target).") { m in
            m.pipeline?.schema.classes.map { .array($0.map { .string($0) }) } ?? .nil
        },
        .property(name: "transforms", doc: "The pipeline's transforms: what each learned once fitted, else how each was written.") { m in
            if let p = m.pipeline { return .array(p.steps.map { .string("\(type(of: $0).kind): " + $0.summary.joined(separator: "; ")) }) }
            return .array(m.transforms.map { .string($0.description) })
        },
        .method(Declaration("drift", [.positional("data", .object("Frame"), "new rows, with the columns the model was fitted on"),
                                      .labelled("margin", .double, default: .double(0.1), range: .atLeast(0), "how far beyond the training range counts as outside, as a share of the range"),
                                      .labelled("zLimit", .double, default: .double(6), range: .above(0), "beyond the range at all, a z-score beyond this counts as outside too")],
                            returns: "DriftReport", summary: "New rows against the training rows, per feature: PSI (as the drift check), rows outside the training range, the range seen, the largest z-score.",
                            example: "let (train, test) = dataset(\"fraud\", rows: 2000, seed: 1).split(0.8, seed: 1)\nlet m = Pipeline([OneHot(), Sequential([Dense(2)], seed: 1)])\nm.fit(train, target: \"label\", epochs: 1)\nm.drift(test)",
                            errors: [(.value, "the model was not fitted on a frame"), (.data, "the frame lacks a column the model was fitted on")])) { m, a, _ in
            guard let p = m.pipeline else {
                throw ScriptError(.value, "drift(_:) compares rows with a model's training frame; this model was not fitted on a frame")
            }
            let frame = try a.object("data", as: FrameObject.self)!.frame
            let rows = try ScriptError.converting { try p.schema.conform(frame, strict: false).frame }
            return .object(DriftObject(p.profile.drift(rows, margin: try a.double("margin"), zLimit: try a.double("zLimit"))))
        },
        .property(name: "parameters", doc: "The number of trainable values.") { m in .int(m.model.parameterCount) },
        .property(name: "history", doc: "The History of the last fit (also of one that was interrupted); nil before any.") { m in
            m.history.map { .object(HistoryObject($0)) } ?? .nil
        },
    ], aliases: [
        // scikit-learn's and Keras' names.
        "predict_proba": "predictProba", "score": "evaluate", "partial_fit": "fit", "get_params": "summary",
        "feature_names_in_": "features", "classes_": "classes", "save_weights": "save", "fit_transform": "fit",
        "count_params": "parameters",
    ])

    var summaryTable: Table {
        let rows = model.summary().map { [$0.layer, $0.output.isEmpty ? "?" : "[" + $0.output.map { $0 < 0 ? "batch" : "\($0)" }.joined(separator: ", ") + "]", "\($0.parameters)"] }
        return Table(columns: ["layer", "output shape", "parameters"], rows: rows + [["total", "", "\(model.parameterCount)"]], numericColumns: [2],
                     caption: model.isBuilt ? "Sequential model" : "Sequential model (shapes known after the first batch, or with inputShape:)")
    }

    // MARK: Data

    /// Features (shaped for the model) and targets from a Frame (with `target:`, or its own
    /// target column) or from a features Tensor and a targets Tensor.
    func data(_ first: Value, _ second: Value?, target: Value, needTarget: Bool, what: String, fitting: Bool = false,
              strict: Bool = true, interp: Interpreter? = nil) throws -> (Tensor, Tensor?) {
        guard !model.layers.isEmpty else {
            throw ScriptError(.value, "\(what): the model has no layers", suggestion: "give them to Sequential([Dense(8, activation: .relu), Dense(2)]), or add them one by one: model.add(Dense(8))")
        }
        var x: Tensor, y: Tensor?
        switch first {
        case .object(let f as FrameObject):
            (x, y) = try frameData(f.frame, target: target, needTarget: needTarget, fitting: fitting, strict: strict, what: what, interp: interp)
        default:
            // A Pipeline's transforms work on frames; a plain model fitted on a frame also takes
            // its features as a tensor, in the fitted columns' order (as Keras takes arrays).
            if !transforms.isEmpty || !(pipeline?.steps.isEmpty ?? true) {
                throw ScriptError(.type, "\(what): this model is a Pipeline, whose transforms work on a Frame; give it a Frame of rows, not \(first.typeName)",
                                  suggestion: pipeline.map { "its columns are " + $0.schema.featureNames.prefix(8).joined(separator: ", ") + ($0.schema.features.count > 8 ? ", ..." : "") })
            }
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
        default: throw ScriptError(.type, "fit(loss:) is one of " + LossKind.names.map { "." + $0 }.joined(separator: ", ") + "; got \(v.typeName)")
        }
        guard let kind = LossKind.named(name) else {
            throw ScriptError(.value, "unknown loss .\(name)", suggestion: "the losses are " + LossKind.names.map { "." + $0 }.joined(separator: ", "))
        }
        let options = LossKind.Options(classWeights: classWeights.isNil ? nil : try TensorObject.tensor(classWeights, "fit(classWeights:)").storage,
                                        labelSmoothing: Float(try Convert.double(smoothing, "fit(labelSmoothing:)")),
                                        positiveWeight: Float(try Convert.double(positiveWeight, "fit(positiveWeight:)")))
        return try kind.make(options)
    }

    // MARK: compile

    func compile(_ a: Arguments) throws {
        // Everything is checked before anything changes: a compile that fails leaves the
        // model as it was.
        var chosen: (optimizer: any Optimizer, schedule: Schedule?)?
        switch a["optimizer"] {
        case .nil: break
        case .string(let name), .symbol(let name):
            guard let kind = OptimizerKind.all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw ScriptError(.value, "compile: unknown optimizer \"\(name)\"",
                                  suggestion: "the optimizers are " + OptimizerKind.all.map { "\"\($0.name.lowercased())\"" }.joined(separator: ", ") + ", or one made with its settings: Adam(lr: 1e-3)")
            }
            chosen = (try ScriptError.converting { try kind.make([:]) }, nil)
        case .object(let o as OptimizerObject):
            chosen = (o.optimizer, o.schedule)
        case let other:
            throw ScriptError(.type, "compile(optimizer:) takes an Optimizer (Adam(lr: 1e-3)) or its name (\"adam\"), got \(other.typeName)")
        }
        // The loss is made now, so that a wrong name fails at compile, as in Keras.
        let newLoss = a.isNil("loss") ? nil : try Self.lossValue(a["loss"], classWeights: .nil, smoothing: .int(0), positiveWeight: .int(1))
        var metrics: [Value]?
        switch a["metrics"] {
        case .nil: break
        case .array(let xs): metrics = xs
        case let one: metrics = [one]
        }
        for item in metrics ?? [] {
            if case .function(let f) = item, f is MetricFunction { continue }
            guard case .string(let name) = item else {
                throw ScriptError(.type, "compile(metrics:) takes metric names and Metric values (a costMatrix), got \(item.typeName)")
            }
            guard name == "loss" || MetricCatalog.resolve(name) != nil else {
                let names = MetricCatalog.all.map(\.name)
                throw ScriptError(.value, "compile: evaluate has no metric \"\(name)\"",
                                  suggestion: Suggest.closest(to: name, in: names).map { "did you mean \"\($0)\"?" } ?? "the metrics are " + names.joined(separator: ", "))
            }
        }
        if let chosen { use(chosen.optimizer, schedule: chosen.schedule) }
        if let newLoss {
            (loss, lossKnown, compiledLoss) = (newLoss, true, a["loss"])
        }
        if let metrics { compiledMetrics = metrics }
    }

    /// `optimizer` for the fits to come (a new one starts its schedule over).
    private func use(_ o: any Optimizer, schedule: Schedule?) {
        if o !== optimizer { (scheduleBase, scheduleSteps) = (nil, 0) }
        optimizer = o
        optimizerSchedule = schedule
    }

    // MARK: fit

    func fit(_ a: Arguments, _ interp: Interpreter) throws -> Value {
        let split = try a.optionalDouble("validationSplit")
        if split != nil && !a.isNil("validation") {
            throw ScriptError(.value, "fit: give validation: or validationSplit:, not both")
        }
        var trainData = a["data"], heldOut: Value?
        if let split, case .object(let f as FrameObject) = trainData {
            // A frame is split before anything is fitted, so the transforms see the training share only.
            let targetName = try a.optionalString("target") ?? pipeline?.schema.target ?? f.frame.target
            var stratify: String?
            if let targetName, Self.isDiscrete(try ScriptError.converting { try f.frame.column(targetName) }) { stratify = targetName }
            guard split > 0 && split < 1 else { throw ScriptError(.value, "fit(validationSplit:) is a fraction between 0 and 1 (exclusive), got \(split)") }
            let (train, held) = try ScriptError.converting { try f.frame.split(1 - split, stratify: stratify, seed: UInt64(truncatingIfNeeded: try a.int("seed"))) }
            (trainData, heldOut) = (.object(FrameObject(train)), .object(FrameObject(held)))
        }
        var (x, y) = try data(trainData, a["y"], target: a["target"], needTarget: true, what: "fit(_:)", fitting: true)
        var splitValidation: (x: Tensor, y: Tensor)?
        if let heldOut {
            let (vx, vy) = try data(heldOut, nil, target: a["target"], needTarget: true, what: "fit(validationSplit:)")
            splitValidation = (vx, vy!)
        } else if let split {
            let stratify = Self.isDiscrete(y!.storage)
            let parts = try Self.validationSplit(x, y!, fraction: split, seed: UInt64(truncatingIfNeeded: try a.int("seed")), stratify: stratify)
            (x, y) = parts.train
            splitValidation = parts.validation
        }
        var options = TrainingOptions(epochs: try a.int("epochs"), batchSize: try a.int("batchSize"),
                                      seed: UInt64(truncatingIfNeeded: try a.int("seed")), shuffle: try a.bool("shuffle"))
        options.communicator = try DistributedBindings.communicator(a["distributed"])
        guard options.epochs > 0 else { throw ScriptError(.value, "fit(epochs:) must be at least 1, got \(options.epochs)") }
        guard options.batchSize > 0 else { throw ScriptError(.value, "fit(batchSize:) must be at least 1, got \(options.batchSize)") }
        if let patience = try a.optionalInt("earlyStopping") {
            guard patience > 0 else { throw ScriptError(.value, "fit(earlyStopping:) is a patience in epochs, at least 1; got \(patience)") }
            options.earlyStopping = patience
        }
        if let clip = try a.optionalDouble("clipNorm") {
            // A norm of 0 or below would flip or zero every step: training would climb the loss.
            guard clip > 0, clip.isFinite else { throw ScriptError(.value, "fit(clipNorm:) is the largest gradient norm a step keeps, above 0; got \(clip)", suggestion: "clipNorm: 1 is a common start") }
            options.clipNorm = Float(clip)
        }
        options.schedule = try a.object("schedule", as: ScheduleObject.self)?.schedule
        if let o = try a.object("optimizer", as: OptimizerObject.self) { use(o.optimizer, schedule: o.schedule) }
        // A schedule given with the optimizer applies unless fit names its own.
        options.schedule = options.schedule ?? optimizerSchedule
        if let named = a.isNil("loss") ? compiledLoss : a["loss"] {
            loss = try Self.lossValue(named, classWeights: a["classWeights"], smoothing: a["labelSmoothing"], positiveWeight: a["positiveWeight"])
            lossKnown = true
        } else if !lossKnown || loss == .crossEntropy() {
            // No loss named: the one the model and targets call for (as a Keras user would
            // choose), with the class weights, smoothing and positive weight given.
            let inferred = try ScriptError.converting { try inferredLoss(x, y!) }
            loss = try Self.lossValue(.string(inferred), classWeights: a["classWeights"], smoothing: a["labelSmoothing"], positiveWeight: a["positiveWeight"])
            lossKnown = true
        }
        var validation: (x: Tensor, y: Tensor)? = splitValidation
        if !a.isNil("validation") {
            switch a["validation"] {
            case .array(let pair) where pair.count == 2, .tuple(let pair) where pair.count == 2:
                let (vx, vy) = try data(pair[0], pair[1], target: .nil, needTarget: true, what: "fit(validation:)")
                validation = (vx, vy!)
            default:
                let (vx, vy) = try data(a["validation"], nil, target: a["target"], needTarget: true, what: "fit(validation:)")
                validation = (vx, vy!)
            }
        }
        y = try classTargets(y!, of: x, "fit")
        if let v = validation { validation = (v.x, try classTargets(v.y, of: v.x, "fit(validation:)")) }
        let opt = optimizer ?? Adam()
        optimizer = opt
        options.scheduleStart = scheduleSteps
        options.baseLearningRate = scheduleBase
        let trainer = Trainer(model: model, loss: loss, optimizer: opt, backend: TensorRuntime.shared.backend, options: options)
        scheduleBase = trainer.baseRate
        defer { scheduleSteps = trainer.stepCount }
        let progress = try a.int("verbose") > 0 ? ProgressReporter(interp, task: "training", unit: "batches", leavesFinalLine: true) : nil
        var latest: [ProgressBar.Metric] = []
        let result: History
        do {
            result = try ScriptError.converting {
                try trainer.fit(x, y!, validation: validation, progress: { e in
                    let done = Double((e.epoch - 1) * e.batches + e.batch), total = Double(e.epochs) * Double(e.batches)
                    if e.kind == .epoch {
                        latest = [.init("epoch", Double(e.epoch)), .init("loss", e.loss)] + e.metrics.filter { $0.key != "loss" }.sorted { $0.key < $1.key }.map { .init($0.key, $0.value) }
                    } else if latest.isEmpty || e.batch % 10 == 0 {
                        latest = [.init("epoch", Double(e.epoch)), .init("loss", e.loss)]
                    }
                    progress?.report(done: done, total: total, metrics: latest, finished: done == total)
                }, shouldStop: { interp.interrupt.isSet })
            }
        } catch {
            progress?.finish((error as? ScriptError)?.kind == .interrupted ? "interrupted" : "stopped by an error")
            throw error
        }
        switch result.stopReason {
        case .earlyStopping?: progress?.finish("stopped early at epoch \(result.epochs.count)")
        case .interrupted?: progress?.finish("interrupted")
        default: progress?.finish()
        }
        history = result
        if case .interrupted(let epoch, let batch)? = result.stopReason {
            throw ScriptError(.interrupted, "training was interrupted at epoch \(epoch), batch \(batch); the model keeps the weights of its last step and model.history the \(result.epochs.count) finished epoch\(result.epochs.count == 1 ? "" : "s")")
        }
        return .object(HistoryObject(result))
    }

    // MARK: evaluate

    func evaluate(_ a: Arguments, _ interp: Interpreter) throws -> Value {
        let (x, y) = try data(a["data"], a["y"], target: a["target"], needTarget: true, what: "evaluate(_:)", strict: a.bool("strict"), interp: interp)
        let requested: [Value]
        switch a["metrics"] {
        case .nil: requested = compiledMetrics
        case .array(let xs): requested = xs
        case let one: requested = [one]
        }
        var amount: Value = .nil
        if case .string(let column) = a["amount"], case .object(let f as FrameObject) = a["data"] {
            amount = .object(ColumnObject(try ScriptError.converting { try f.frame.column(column) }))
        } else {
            amount = a["amount"]
        }
        let backend = TensorRuntime.shared.backend
        // Scores (logits) when the model ends in its loss's sigmoid or softmax: the loss,
        // the classes and the probabilities below all read scores.
        var out = try ScriptError.converting { try model.predict(x, backend: backend, scores: loss.takesScores(of: model)) }
        var truth = try classTargets(y!, of: x, "evaluate")
        let lossValue = Double(try ScriptError.converting { try loss.apply(Variable(out), truth, Tape(backend: backend)).value.storage[0] })
        var result: [(String, Value)] = [("loss", .double(lossValue))]
        // A sequence model predicts per position ([n, length, classes] against labels
        // [n, length]): its metrics count every position as one prediction, as its loss does.
        if out.rank == 3, truth.rank == 2, Array(out.shape.prefix(2)) == truth.shape {
            out = out.reshaped([out.shape[0] * out.shape[1], out.shape[2]])
            truth = truth.reshaped([truth.count])
        }
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
        let out = try ScriptError.converting { try model.predict(x, backend: backend, batchSize: batchSize) }
        guard lossKnown, model.probabilityActivation == nil else { return out }
        switch loss {
        case .binaryCrossEntropy: return try ScriptError.converting { try backend.unary(.sigmoid, out) }
        case .crossEntropy: return try ScriptError.converting { try backend.softmax(out, axis: -1, log: false) }
        default: return out
        }
    }

    /// The loss a fit without `loss:` uses: the one a last sigmoid or softmax calls for;
    /// for one output, binary cross-entropy when every target is 0 or 1 and mean squared
    /// error otherwise; cross-entropy for several outputs.
    /// Whether targets look like classes (text, or at most 50 distinct whole numbers), so a
    /// validation split keeps their shares.
    static func isDiscrete<Values: Sequence>(_ values: Values) -> Bool where Values.Element: BinaryFloatingPoint & Hashable {
        var seen = Set<Values.Element>()
        for v in values {
            guard v == v.rounded() else { return false }
            seen.insert(v)
            if seen.count > 50 { return false }
        }
        return true
    }

    static func isDiscrete(_ c: Column) -> Bool { c.dtype == .string || c.dtype == .bool || isDiscrete(c.numericValues) }

    /// Targets as a cross-entropy takes them: one-hot rows [n, classes] (Keras'
    /// `to_categorical` labels for its categorical cross-entropy) become the class indices
    /// [n], so that the loss, the accuracy and every metric read them. Other targets stay.
    func classTargets(_ y: Tensor, of x: Tensor, _ what: String) throws -> Tensor {
        guard case .crossEntropy = loss, y.rank == 2, y.shape[1] > 1 else { return y }
        if !model.isBuilt { try ScriptError.converting { try model.build(inputShape: Array(x.shape.dropFirst())) } }
        guard model.shapes.last == [y.shape[1]] else { return y }
        let (n, c) = (y.shape[0], y.shape[1])
        var classes = [Float]()
        classes.reserveCapacity(n)
        for i in 0..<n {
            var hot = -1
            for k in 0..<c {
                let v = y.storage[i * c + k]
                if v == 1 && hot == -1 { hot = k } else if v != 0 { hot = -2; break }
            }
            guard hot >= 0 else {
                let row = (0..<c).map { Double(y.storage[i * c + $0]) }
                throw ScriptError(.value, "\(what): row \(i) of the [\(n), \(c)] targets, \(row), is not one-hot; cross-entropy takes class indices [\(n)] or one-hot rows",
                                  suggestion: "the classes of probability rows: y.argmax(axis: 1); soft targets: fit(labelSmoothing:)")
            }
            classes.append(Float(hot))
        }
        return Tensor(shape: [n], storage: classes)
    }

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
        if out.rank == 2 && out.shape[1] > 1 { return try ScriptError.converting { try backend.argmax(out, axis: -1).floats } }
        return Tensor(shape: [out.count], storage: out.storage.map { $0 > 0 ? 1 : 0 })
    }

    /// Probabilities: of the positive class for two classes or one logit, else per class.
    func scores(_ out: Tensor, _ backend: any Backend) throws -> Tensor {
        if out.rank == 2 && out.shape[1] > 1 {
            let p = try ScriptError.converting { try backend.softmax(out, axis: -1, log: false) }
            if out.shape[1] == 2 { return Tensor(shape: [out.shape[0]], storage: stride(from: 1, to: p.count, by: 2).map { p.storage[$0] }) }
            return p
        }
        return try ScriptError.converting { try backend.unary(.sigmoid, out.reshaped([out.count])) }
    }
}

/// What `fit` returns: per-epoch metrics, `.last`, `history["loss"]`, `.plot()`.
final class HistoryObject: NativeSubscriptable, DeclaredMembers {
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

    static let nativeMembers = NativeMembers<HistoryObject>([
        .property(name: "last", doc: "The last epoch's metrics: [\"loss\": ..., \"val_accuracy\": ...].") { o in
            Convert.dict(o.history.names.compactMap { n in o.history.last[n].map { (n, .double($0)) } })
        },
        .property(name: "epochs", doc: "How many epochs finished.") { o in .int(o.history.epochs.count) },
        .property(name: "history", doc: "Each metric's values by epoch, [\"loss\": [...], \"val_loss\": [...]], as Keras' history.history.") { o in
            Convert.dict(o.history.names.map { n in (n, .array(o.history.series(n).map { .double($0) })) })
        },
        .property(name: "names", doc: "The metrics recorded each epoch.") { o in .array(o.history.names.map { .string($0) }) },
        .property(name: "stopped", doc: "\"early stopping\" or \"interrupted\" when the fit ended before its epochs; nil otherwise.") { o in
            switch o.history.stopReason {
            case .earlyStopping?: return .string("early stopping")
            case .interrupted?: return .string("interrupted")
            case nil: return .nil
            }
        },
        .method(Declaration("plot", [.positional("metrics", .either("String | Array", [.string, .array]), default: .nil,
                                                 "the metrics to draw; the losses (loss, val_loss) when left out")],
                            returns: "Chart", summary: "The loss curves (or the named metrics) against the epoch.",
                            example: "let m = Sequential([Dense(2)], seed: 1)\nlet h = m.fit(randn([32, 3], seed: 1), tensor((0..<32).map { $0 % 2 }), epochs: 3)\nh.plot()",
                            errors: [(.key, "a metric was not recorded")])) { o, a, _ in
            let history = o.history
            let wanted = a.isNil("metrics") ? history.names.filter { $0.hasSuffix("loss") } : try Convert.strings(a["metrics"], a.place("metrics"))
            for w in wanted where !history.names.contains(w) {
                throw ScriptError(.key, "the history has no metric \"\(w)\"; it has \(history.names.joined(separator: ", "))")
            }
            let series = wanted.map { n in
                LineChart.Series(n, x: history.series(n).indices.map { Double($0 + 1) }, y: history.series(n), dashed: n.hasPrefix("val_"))
            }
            let chart = LineChart(title: "Training history", xLabel: "epoch", yLabel: wanted.count == 1 ? wanted[0] : "value", series: series)
            return .object(RichValue(kind: "Chart", bundle: chart.bundle))
        },
    ])

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
