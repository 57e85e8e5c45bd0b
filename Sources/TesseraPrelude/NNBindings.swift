import Foundation
import TesseraData
import TesseraDisplay
import TesseraNN
import TesseraScript
import TesseraTensor

/// The framework piece of the prelude: layers (`Dense Conv2D MaxPool2D AvgPool2D Flatten
/// Dropout BatchNorm Embedding`), `Sequential`, optimizers (`SGD Adam AdamW RMSProp`),
/// schedules (`cosine step warmup`), `load` and `grad(of:at:)`.
enum NNBindings {
    static var functions: [NativeFunction] {
        [sequential, pipeline] + Architecture.kinds.map(layer) + OptimizerKind.all.map(optimizer) + ScheduleKind.all.map(schedule) + [load, grad]
    }

    // MARK: Layers

    static let sequential = NativeFunction(Declaration(
        "Sequential", [.positional("layers", .array, default: .array([]), defaultText: "[]", "the layers, applied in order (or added one by one with model.add(layer), as in Keras)"),
                       .labelled("inputShape", .array, default: .nil, "the shape of one example (e.g. [1, 28, 28]); left out, the first batch tells"),
                       .labelled("seed", .int, default: .int(0), "the seed of the weights' initialisation")],
        returns: "Model", summary: "A network of layers applied in order; fit, predict, evaluate, summary and save it.",
        example: "let model = Sequential([Dense(64, activation: .relu), Dropout(0.2), Dense(10)], seed: 1)\nmodel.fit(randn([32, 8], seed: 1), tensor((0..<32).map { $0 % 10 }), epochs: 1)",
        errors: [(.type, "an element is not a layer"), (.shape, "inputShape does not fit the first layer")])) { a, _ in
        let layers = try a.array("layers").enumerated().map { (i, v) -> any Layer in
            guard case .object(let o as LayerObject) = v else { throw ScriptError(.type, "Sequential(_:): element \(i) is \(v.typeName.withArticle), not a layer") }
            return o.layer
        }
        let model = Sequential(layers, seed: UInt64(truncatingIfNeeded: try a.int("seed")))
        if !a.isNil("inputShape") { try model.build(inputShape: try TensorObject.shape(a["inputShape"], a.place("inputShape"))) }
        return .object(ModelObject(model))
    }

    static let pipeline = NativeFunction(Declaration(
        "Pipeline", [.positional("steps", .array, "transforms (Impute, OneHot, Standardize), in order, then the network (a Sequential)")],
        returns: "Model",
        summary: "A model that is its data pipeline: fit(frame, target:) fits each transform on the training rows, then the network; predict, predictProba, evaluate and drift take raw frames; save writes it all in one file.",
        discussion: "Any model fitted on a frame keeps its columns' names, order and types and its target's classes, so later frames are matched by name; a Pipeline adds the transforms. Later fits continue training with the transforms fitted at the first one.",
        example: "let raw = dataset(\"fraud\", rows: 2000, seed: 1)\nlet (train, test) = raw.split(0.8, stratify: \"label\", seed: 1)\nlet model = Pipeline([Impute(.median), OneHot([\"merchant_category\"]), Standardize(), Sequential([Dense(16, activation: .relu), Dense(2)], seed: 1)])\nmodel.fit(train, target: \"label\", epochs: 2)\nmodel.evaluate(test, metrics: [\"auc\"])",
        errors: [(.type, "a step is not a transform, or the last is not a network"), (.value, "the network was already fitted on a frame")])) { a, _ in
        let steps = try a.array("steps")
        guard case .object(let net as ModelObject)? = steps.last else {
            throw ScriptError(.type, "Pipeline(_:): the last step must be the network (a Sequential), got \(steps.last?.typeName ?? "no steps")",
                              suggestion: "Pipeline([Impute(.median), Standardize(), Sequential([...])])")
        }
        let transforms = try steps.dropLast().enumerated().map { (i, v) -> any Transform in
            guard case .object(let t as TransformObject) = v else {
                throw ScriptError(.type, "Pipeline(_:): step \(i) is \(v.typeName.withArticle), not a transform", suggestion: "the transforms are Impute(), OneHot(), Standardize()")
            }
            return t.transform
        }
        guard net.pipeline == nil && net.transforms.isEmpty else {
            throw ScriptError(.value, "Pipeline(_:): the network already has a pipeline (it was fitted on a frame, or is a Pipeline)", suggestion: "give it a new Sequential")
        }
        let model = ModelObject(net.model, transforms: transforms)
        (model.optimizer, model.optimizerSchedule, model.loss, model.lossKnown) = (net.optimizer, net.optimizerSchedule, net.loss, net.lossKnown)
        return .object(model)
    }

    /// A layer kind's function, made from the settings the kind declares (`Setting`s):
    /// its parameters, their defaults and ranges, its doc and example. The ranges are
    /// checked once, by `Settings`, for checkpoints and calls alike.
    static func layer(_ kind: any ConfigurableLayer.Type) -> NativeFunction {
        let declaration = Declaration(kind.kind, kind.fields.map(parameter), returns: "Layer", summary: kind.summary, example: kind.example,
                                      errors: [(.value, "a setting is outside the range its parameter gives")])
        return NativeFunction(declaration) { args, _ in .object(LayerObject(try kind.make(try settings(kind.fields, args)))) }
    }

    /// The arguments given for declared settings, as the domain kind takes them (the ones
    /// left out are the kind's to default).
    static func settings(_ fields: [Setting], _ args: Arguments) throws -> [String: SettingValue] {
        var given: [String: SettingValue] = [:]
        for f in fields where !args.isNil(f.name) {
            switch f.kind {
            case .count: given[f.name] = .number(Double(try args.int(f.name)))
            case .number: given[f.name] = .number(try args.double(f.name))
            case .flag: given[f.name] = .flag(try args.bool(f.name))
            case .activation: given[f.name] = .name(try args.symbol(f.name) ?? "linear")
            }
        }
        return given
    }

    /// A layer setting as a parameter of its function.
    static func parameter(_ f: Setting) -> Declaration.Parameter {
        let type: ParameterType
        switch f.kind {
        case .count: type = .int
        case .number: type = .double
        case .flag: type = .bool
        case .activation: type = .symbol("Activation", Activation.allCases.map(\.rawValue))
        }
        var value: Value?
        switch f.defaultValue {
        case nil: value = nil
        case .number(let d)?: value = f.kind == .count ? .int(Int(d)) : .double(d)
        case .flag(let b)?: value = .bool(b)
        // An activation left out (or nil, as Keras's None) is the identity.
        case .name?, SettingValue.none?: value = .nil
        }
        let range = f.range.map { ValueRange(lower: $0.lowerBound, upper: $0.upperBound.isInfinite ? nil : $0.upperBound, lowerOpen: f.lowerOpen, upperOpen: f.upperOpen) }
        return f.positional ? .positional(f.name, type, default: value, range: range, f.doc)
                            : .labelled(f.name, type, default: value, range: range, f.doc)
    }

    // MARK: Optimizers and schedules

    /// An optimizer kind's function, made from its declared settings, and `schedule:`.
    static func optimizer(_ kind: OptimizerKind) -> NativeFunction {
        let scheduleParameter = Declaration.Parameter.labelled("schedule", .object("Schedule"), default: .nil,
                                                               "how the rate changes with the step: cosine(steps:), step(every:factor:), warmup(steps:)")
        let d = Declaration(kind.name, kind.fields.map(parameter) + [scheduleParameter], returns: "Optimizer", summary: kind.summary,
                            example: kind.example, errors: [(.value, "a setting is outside the range its parameter gives")])
        return NativeFunction(d) { args, _ in
            let o = try kind.make(try settings(kind.fields, args))
            return .object(OptimizerObject(o, schedule: try args.object("schedule", as: ScheduleObject.self)?.schedule))
        }
    }

    /// A schedule argument of a binding that is not declared yet (nil when absent).
    static func scheduleValue(_ v: Value, _ what: String) throws -> Schedule? {
        if v.isNil { return nil }
        guard case .object(let s as ScheduleObject) = v else {
            throw ScriptError(.type, "\(what) takes " + ScheduleKind.all.map { "\($0.name)(...)" }.joined(separator: ", ") + ", got \(v.typeName)")
        }
        return s.schedule
    }

    /// A schedule kind's function, made from its declared settings.
    static func schedule(_ kind: ScheduleKind) -> NativeFunction {
        let d = Declaration(kind.name, kind.fields.map(parameter), returns: "Schedule", summary: kind.summary, example: kind.example,
                            errors: [(.value, "a setting is outside the range its parameter gives")])
        return NativeFunction(d) { args, _ in .object(ScheduleObject(try kind.make(try settings(kind.fields, args)))) }
    }

    // MARK: Checkpoints and gradients

    static let load = NativeFunction(Declaration(
        "load", [.positional("path", .string, "a file written by model.save(path)")], returns: "Model",
        summary: "A model saved with model.save(path) (safetensors), ready to predict or train on: weights, architecture, optimizer state and loss, and the pipeline of a model fitted on a frame (so it takes raw rows).",
        example: "let m = Sequential([Dense(2)], inputShape: [3], seed: 1)\nm.save(\"/tmp/tessera-example.safetensors\")\nload(\"/tmp/tessera-example.safetensors\").summary()",
        errors: [(.value, "there is no such file, it is not a regular file, or it is not a valid Tessera checkpoint"), (.data, "its saved pipeline is not valid")])) { a, _ in
        let path = try a.string("path")
        let contents = try Checkpoint.load(path)
        let model = ModelObject(contents.model)
        if let json = contents.metadata["pipeline"] {
            do { model.pipeline = try FittedPipeline(json: json) } catch let e as DataError {
                throw ScriptError(.data, "\(path): \(e.message)", suggestion: e.suggestion)
            }
        }
        model.optimizer = contents.optimizer
        if let name = contents.metadata["loss"] {
            // The loss's name only: class weights and smoothing are training settings, given again to a later fit.
            model.loss = try ModelObject.lossValue(.string(name), classWeights: .nil, smoothing: .int(0), positiveWeight: .int(1))
            model.lossKnown = true
        }
        return .object(model)
    }

    static let grad = NativeFunction(Declaration(
        "grad", [.labelled("of", .function, "a closure of one tensor returning a one-element tensor (a loss)"),
                 .labelled("at", .object("Tensor"), "where to take the gradient")],
        returns: "Tensor", summary: "The gradient of a closure's scalar result with respect to a tensor, for custom training loops.",
        example: "let w = tensor([1.0, 2.0])\ngrad(of: { v in (v * v).sum() }, at: w)",
        errors: [(.type, "the closure does not return a tensor computed from its argument")])) { a, interp in
        let point = try TensorObject.tensor(a["at"], a.place("at"))
        let tape = Tape(backend: TensorRuntime.shared.backend)
        let w = Variable(point, requiresGrad: true)
        let result = try interp.call(a["of"], [.object(TensorObject(w, on: tape))])
        guard case .object(let out as TensorObject) = result, out.tape === tape else {
            throw ScriptError(.type, "grad(of:at:): the closure must return a tensor computed from its argument (a one-element result, such as .sum() or .mean()); it returned \(result.typeName == "Tensor" ? "a tensor that does not depend on it" : result.typeName)")
        }
        try ScriptError.converting { try tape.backward(out.variable) }
        return .object(TensorObject(w.grad ?? Tensor(zeros: point.shape)))
    }
}

/// A layer as a value (its description; shared if put in two models).
final class LayerObject: NativeObject {
    let layer: any Layer
    init(_ layer: any Layer) { self.layer = layer }
    var typeName: String { "Layer" }
    var plainText: String { layer.description }
}

final class OptimizerObject: DeclaredMembers {
    let optimizer: any Optimizer
    /// A learning-rate schedule given with the optimizer (`Adam(lr: 0.01, schedule: cosine(steps: 500))`).
    let schedule: Schedule?
    init(_ optimizer: any Optimizer, schedule: Schedule? = nil) { self.optimizer = optimizer; self.schedule = schedule }
    var typeName: String { "Optimizer" }
    var plainText: String { optimizer.description }
    static let nativeMembers = NativeMembers<OptimizerObject>([
        .property(name: "lr", doc: "The learning rate now (a schedule changes it as training goes).") { o in .double(Double(o.optimizer.learningRate)) },
    ])
}

final class ScheduleObject: NativeObject {
    let schedule: Schedule
    init(_ schedule: Schedule) { self.schedule = schedule }
    var typeName: String { "Schedule" }
    var plainText: String {
        switch schedule {
        case .cosine(let s): return "cosine(steps: \(s))"
        case .step(let e, let f): return "step(every: \(e), factor: \(f))"
        case .warmup(let s): return "warmup(steps: \(s))"
        }
    }
}
