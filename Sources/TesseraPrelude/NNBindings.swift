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
        [sequential] + Architecture.kinds.map(layer) + OptimizerKind.all.map(optimizer) + ScheduleKind.all.map(schedule) + [load, grad]
    }

    // MARK: Layers

    static let sequential = NativeFunction("Sequential", doc: "Sequential(_ layers, inputShape: nil, seed: 0) -> Model\nLayers applied in order; shapes are inferred from the first batch, or from inputShape (per example, e.g. [1, 28, 28]).",
                                           parameters: [.positional(), .labelled("inputShape"), .labelled("seed", default: .int(0))]) { a, _ in
        guard case .array(let items) = a[0] else { throw ScriptError(.type, "Sequential(_:) takes an Array of layers, e.g. Sequential([Dense(10)])") }
        let layers = try items.enumerated().map { (i, v) -> any Layer in
            guard case .object(let o as LayerObject) = v else { throw ScriptError(.type, "Sequential(_:): element \(i) is a \(v.typeName), not a layer") }
            return o.layer
        }
        let model = Sequential(layers, seed: UInt64(truncatingIfNeeded: try Convert.int(a[2], "Sequential(seed:)")))
        if !a[1].isNil { try nn { try model.build(inputShape: try TensorObject.shape(a[1], "Sequential(inputShape:)")) } }
        return .object(ModelObject(model))
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

    static let load = NativeFunction("load", doc: "load(_ path) -> Model\nA model saved with model.save(path) (safetensors), ready to predict or train on.",
                                     parameters: [.positional()]) { a, _ in
        let path = try Convert.string(a[0], "load(_:)")
        let contents = try nn { try Checkpoint.load(path) }
        let model = ModelObject(contents.model)
        model.optimizer = contents.optimizer
        if let name = contents.metadata["loss"] {
            // The loss's name only: class weights and smoothing are training settings, given again to a later fit.
            model.loss = try ModelObject.lossValue(.string(name), classWeights: .nil, smoothing: .int(0), positiveWeight: .int(1))
            model.lossKnown = true
        }
        return .object(model)
    }

    static let grad = NativeFunction("grad", doc: "grad(of: { w in ... }, at: w) -> Tensor\nThe gradient of a closure's scalar result with respect to a tensor, for custom training loops.",
                                     parameters: [.labelled("of", required: true), .labelled("at", required: true)]) { a, interp in
        let point = try TensorObject.tensor(a[1], "grad(at:)")
        let tape = Tape(backend: TensorRuntime.shared.backend)
        let w = Variable(point, requiresGrad: true)
        let result = try interp.call(a[0], [.object(TracedTensor(w, tape))])
        guard case .object(let out as TracedTensor) = result else {
            throw ScriptError(.type, "grad(of:at:): the closure must return a tensor computed from its argument (a one-element result, such as .sum() or .mean()); it returned \(result.typeName)")
        }
        try nn { try tape.backward(out.variable) }
        return .object(TensorObject(w.grad ?? Tensor(zeros: point.shape)))
    }

    /// Runs framework code, turning its errors into the language's (a TrainingError keeps its name).
    static func nn<T>(_ body: () throws -> T) throws -> T {
        try ScriptError.converting(body)
    }
}

/// A layer as a value (its description; shared if put in two models).
final class LayerObject: NativeObject {
    let layer: any Layer
    init(_ layer: any Layer) { self.layer = layer }
    var typeName: String { "Layer" }
    var plainText: String { layer.description }
}

final class OptimizerObject: NativeObject {
    let optimizer: any Optimizer
    /// A learning-rate schedule given with the optimizer (`Adam(lr: 0.01, schedule: cosine(steps: 500))`).
    let schedule: Schedule?
    init(_ optimizer: any Optimizer, schedule: Schedule? = nil) { self.optimizer = optimizer; self.schedule = schedule }
    var typeName: String { "Optimizer" }
    var plainText: String { optimizer.description }
    var memberNames: [String] { ["lr"] }
    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        name == "lr" ? .double(Double(optimizer.learningRate)) : nil
    }
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
