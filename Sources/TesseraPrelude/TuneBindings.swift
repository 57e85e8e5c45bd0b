import Foundation
import TesseraMetrics
import TesseraScript
import TesseraTune

/// The tuning piece of the prelude: the space (`uniform logUniform intRange choice`) and
/// `tune`, which runs a study and returns it.
enum TuneBindings {
    static var functions: [NativeFunction] { [uniform, logUniform, intRange, choice, tune] }

    static let uniform = NativeFunction(Declaration(
        "uniform", [.positional("low", .double, "the smallest value"), .positional("high", .double, "the largest value")], returns: "Distribution",
        summary: "A real number in [low, high], for tune's space.", example: "let space = [\"dropout\": uniform(0, 0.5)]",
        errors: [(.tuning, "low is above high, or either is not finite (when the study starts)")])) { a, _ in
        .object(SpaceObject(.uniform(try a.double("low"), try a.double("high"))))
    }

    static let logUniform = NativeFunction(Declaration(
        "logUniform", [.positional("low", .double, range: .above(0), "the smallest value"), .positional("high", .double, "the largest value")],
        returns: "Distribution", summary: "A positive number in [low, high], searched on a log scale (learning rates).",
        example: "let space = [\"lr\": logUniform(1e-4, 1e-1)]",
        errors: [(.tuning, "low is not above 0 or is above high (when the study starts)")])) { a, _ in
        .object(SpaceObject(.logUniform(try a.double("low"), try a.double("high"))))
    }

    static let intRange = NativeFunction(Declaration(
        "intRange", [.positional("low", .int, "the smallest value"), .positional("high", .int, "the largest value"),
                     .labelled("log", .bool, default: .bool(false), "search on a log scale (widths, counts)")],
        returns: "Distribution", summary: "An integer in low...high.", example: "let space = [\"width\": intRange(16, 256, log: true)]",
        errors: [(.tuning, "low is above high, or log: true with low below 1 (when the study starts)")])) { a, _ in
        .object(SpaceObject(.intRange(try a.int("low"), try a.int("high"), log: try a.bool("log"))))
    }

    static let choice = NativeFunction(Declaration(
        "choice", [.positional("options", .array, "the values to choose among; a Dict option holds parameters that exist only when it is chosen")],
        returns: "Distribution", summary: "One of the options.",
        example: "let space = [\"act\": choice([.relu, .gelu]), \"net\": choice([[\"layers\": 1], [\"layers\": 2, \"width2\": intRange(16, 64)]])]",
        errors: [(.tuning, "there are no options (when the study starts)")])) { a, _ in
        .object(SpaceObject(.choice(try a.array("options").enumerated().map { i, o in try space(o, "choice option \(i)") })))
    }

    // MARK: Values

    /// A language value as a space: distributions, Dicts and Arrays of them, fixed values.
    static func space(_ v: Value, _ path: String) throws -> Space {
        switch v {
        case .object(let s as SpaceObject): return s.space
        case .dict(let d):
            var keys: [String] = [], values: [Space] = []
            for (k, value) in d.entries {
                guard case .string(let key) = k else { throw ScriptError(.type, "\(path): a space's keys are parameter names (Strings), got \(k.typeName)") }
                keys.append(key)
                values.append(try space(value, path.isEmpty ? key : "\(path).\(key)"))
            }
            return .dict(keys: keys, values: values)
        case .array(let items): return .list(try items.enumerated().map { i, item in try space(item, "\(path)[\(i)]") })
        default: return .fixed(try param(v, path))
        }
    }

    static func param(_ v: Value, _ path: String) throws -> ParamValue {
        switch v {
        case .nil: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .symbol(let s): return .symbol(s)
        case .array(let items): return .list(try items.map { try param($0, path) })
        case .dict(let d):
            var keys: [String] = [], values: [ParamValue] = []
            for (k, value) in d.entries {
                guard case .string(let key) = k else { throw ScriptError(.type, "\(path): keys are Strings") }
                keys.append(key); values.append(try param(value, path))
            }
            return .dict(keys: keys, values: values)
        default:
            throw ScriptError(.type, "\(path.isEmpty ? "the space" : "'\(path)'") holds a \(v.typeName); a space holds distributions, numbers, Strings, Bools, symbols, Arrays and Dicts",
                              suggestion: "put the object's name or settings in the space and build it inside the objective")
        }
    }

    static func value(_ p: ParamValue) -> Value {
        switch p {
        case .null: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .symbol(let s): return .symbol(s)
        case .list(let items): return .array(items.map(value))
        case .dict(let keys, let values): return Convert.dict(Array(zip(keys, values.map(value))))
        }
    }

    /// `objective:` as an Objective, a metric name, or an Array of Objectives, Constraints and Stored.
    static func spec(_ v: Value, constraints extra: Value = .nil) throws -> MetricSpec {
        var objectives: [MetricSpec.Objective] = [], constraints: [MetricSpec.Constraint] = [], stored: [String] = []
        func add(_ item: Value) throws {
            switch item {
            case .object(let s as SpecObject):
                if let o = s.objective { objectives.append(o) } else if let c = s.constraint { constraints.append(c) } else { stored.append(s.name) }
            case .string(let name):
                objectives.append(.init(name, direction(of: name)))
            default:
                throw ScriptError(.type, "tune(objective:) takes Objective(\"auc\", .maximize), a metric name, or an Array of Objective, Constraint and Stored; got \(item.typeName)")
            }
        }
        switch v {
        case .nil: throw ScriptError(.value, "tune needs objective: what to optimize, e.g. objective: Objective(\"auc\", .maximize)")
        case .array(let items): for i in items { try add(i) }
        default: try add(v)
        }
        // constraints: [Constraint(...)] beside the objective, as Optuna's constraints_func sits beside its direction.
        let before = objectives.count
        switch extra {
        case .nil: break
        case .array(let items): for i in items { try add(i) }
        default: try add(extra)
        }
        if objectives.count != before {
            throw ScriptError(.type, "tune(constraints:) takes Constraint(\"precision\", atLeast: 0.9) values (and Stored(...)); put objectives in objective:")
        }
        return try ScriptError.converting { try MetricSpec(objectives: objectives, constraints: constraints, stored: stored) }
    }

    /// The error kinds `catch:` names (["TypeError", "KeyError"] or [.TypeError]).
    static func caughtKinds(_ v: Value) throws -> Set<ErrorKind> {
        let items: [Value]
        switch v {
        case .nil: return []
        case .array(let xs): items = xs
        default: items = [v]
        }
        return Set(try items.map { item in
            let text: String
            switch item {
            case .string(let s), .symbol(let s): text = s
            default: throw ScriptError(.type, "tune(catch:) takes error kinds by name, e.g. [\"TypeError\"]; got \(item.typeName)")
            }
            guard let kind = ErrorKind.allCases.first(where: { $0.rawValue == text || $0.rawValue == text + "Error" }) else {
                throw ScriptError(.value, "tune(catch:): there is no error kind '\(text)'",
                                  suggestion: "the kinds are " + ErrorKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return kind
        })
    }

    /// The direction a bare objective name implies: a catalogued metric's own (with
    /// scikit-learn's neg_ names flipped); names of what is spent (a loss, an error, a
    /// latency, a cost, a regret) are minimized; anything else is maximized.
    static func direction(of name: String) -> MetricSpec.Direction {
        if let m = MetricCatalog.resolve(name) { return m.direction }
        let spent = ["loss", "error", "latency", "cost", "regret", "time", "seconds"]
        let lower = name.lowercased()
        return spent.contains { lower == $0 || lower.hasSuffix("_" + $0) || lower.hasPrefix($0 + "_") } ? .minimize : .maximize
    }

    // MARK: tune

    static let tune = NativeFunction(Declaration(
        "tune", [.positional("space", .dict, "parameter name → distribution (uniform, logUniform, intRange, choice), fixed value or nested Dict"),
                 .labelled("objective", .any, default: .nil, "Objective(\"auc\", .maximize), a metric name, or an Array of Objectives, Constraints and Stored"),
                 .labelled("constraints", .array, default: .nil, "Constraint(...)s, beside objective:"),
                 .labelled("budget", .int, default: .int(30), range: .atLeast(1), "trials to finish"),
                 .labelled("method", .symbol("Method", TuningMethods.samplers.map(\.name)), default: .symbol("bayes"),
                           "how parameters are chosen: " + TuningMethods.samplers.map { ".\($0.name), \($0.summary)" }.joined(separator: "; ")),
                 .labelled("parallel", .int, default: .int(1), range: .from(0, through: 64), "worker processes on this machine (needs storage:); 0 runs none here and shows the trials of workers that join from other hosts (tessera worker)"),
                 .labelled("seed", .int, default: .int(1), "the sampler's seed"),
                 .labelled("storage", .string, default: .nil, "a SQLite file, or a PostgreSQL server's URL (postgresql://user@host:5432/db) that workers on other hosts share; it keeps each trial as it finishes, and a second run with the same name continues"),
                 .labelled("name", .string, default: .nil, "the study's name in its storage (\"study\" when left out)"),
                 .labelled("pruner", .symbol("Pruner", TuningMethods.pruners.map(\.name) + ["none"]), default: .symbol("median"),
                           "what stops a trial behind the others (from trial.report): " + TuningMethods.pruners.map { ".\($0.name), \($0.summary)" }.joined(separator: "; ") + "; nil for none"),
                 .labelled("gridPoints", .int, default: .nil, "values per continuous parameter for .grid"),
                 .labelled("startup", .int, default: .nil, "Sobol trials before the model, for .bayes"),
                 .labelled("heartbeat", .double, default: .double(10), range: .above(0), "seconds between a running trial's heartbeats (with storage:); a trial silent for three beats is lost: failed, or run again under retries:"),
                 .labelled("retries", .int, default: .int(0), range: .from(0, through: 100), "times a lost trial (its worker killed, hung or cut off) runs again with the same parameters"),
                 .labelled("catch", .array, default: .nil, "error kinds in the objective's code to record as failed trials instead of stopping (\"TypeError\")"),
                 .positional("objectiveClosure", .function, default: .nil, "the objective: { params, trial in ... return [\"auc\": v] } (a Dict of metrics, or a number)")],
        trailingClosure: "{ params, trial in ... }", returns: "Study",
        summary: "Runs the objective on parameters from the space until budget trials have finished, with a live progress bar; returns the Study.",
        discussion: "An error in the objective's code (NameError, TypeError, SyntaxError, KeyError, RecursionError) stops the study and is raised, as Optuna does; other errors are recorded as failed trials and the study goes on.",
        example: "let study = tune([\"x\": uniform(-2, 2), \"n\": intRange(1, 8)], objective: Objective(\"loss\", .minimize), budget: 12, seed: 1) { p, trial in\n    [\"loss\": (p.x - 0.5) * (p.x - 0.5) + Double(p.n) / 10]\n}\nstudy.best.params",
        errors: [(.tuning, "the space or spec is malformed, the method cannot take it, or every trial failed"),
                 (.value, "budget, parallel or another setting is out of range, or parallel > 1 without storage")])) { a, interp in
        let userSpace = try space(a["space"], "")
        guard case .dict = userSpace else {
            throw ScriptError(.type, "tune(_:) takes the space as a Dict of parameter names, e.g. [\"lr\": logUniform(1e-4, 1e-1)]; got \(a["space"].typeName)")
        }
        let (budgetArg, methodArg, parallelArg, seedArg, storageArg, nameArg) = (a["budget"], a["method"], a["parallel"], a["seed"], a["storage"], a["name"])
        let (prunerArg, gridArg, startupArg, catchArg, closure) = (a["pruner"], a["gridPoints"], a["startup"], a["catch"], a["objectiveClosure"])
        let (heartbeatArg, retriesArg) = (a["heartbeat"], a["retries"])
        let spec = try spec(a["objective"], constraints: a["constraints"])
        let budget = try Convert.int(budgetArg, "tune(budget:)")
        guard budget > 0 else { throw ScriptError(.value, "tune(budget:) needs at least one trial, got \(budget)") }
        let parallel = try Convert.int(parallelArg, "tune(parallel:)")
        guard parallel >= 0 && parallel <= 64 else { throw ScriptError(.value, "tune(parallel:) is 0 to 64 worker processes, got \(parallel)") }
        let heartbeat = try Convert.double(heartbeatArg, "tune(heartbeat:)")
        guard heartbeat.isFinite && heartbeat > 0 else { throw ScriptError(.value, "tune(heartbeat:) is the seconds between a running trial's heartbeats, above 0; got \(heartbeat)") }
        let retries = try Convert.int(retriesArg, "tune(retries:)")
        guard (0...100).contains(retries) else { throw ScriptError(.value, "tune(retries:) is 0 to 100 runs again of a lost trial, got \(retries)") }
        let seed = UInt64(truncatingIfNeeded: try Convert.int(seedArg, "tune(seed:)"))
        let caught = try caughtKinds(catchArg)
        let storagePath = try Convert.optionalString(storageArg, "tune(storage:)").map(TuneWorker.normalizedStorage)
        if parallel != 1 && storagePath == nil {
            throw ScriptError(.value, "tune(parallel: \(parallel)) needs storage: the worker processes share the study through its file or database",
                              suggestion: "add storage: \"study.sqlite\" (one machine) or storage: \"postgresql://user@host:5432/db\" (workers on many hosts)")
        }
        let name = try Convert.optionalString(nameArg, "tune(name:)") ?? "study"
        guard case .function = closure else {
            throw ScriptError(.type, "tune needs the objective as a closure: tune(space, objective: ...) { params, trial in ... return [\"auc\": v] }")
        }
        let compiled = try ScriptError.converting { try userSpace.compile() }
        let sampler = try sampler(methodArg, space: compiled, budget: budget, gridPoints: gridArg, startup: startupArg)
        let pruner = try pruner(prunerArg)
        // In a worker process: the tune call of the study it joins, reached through the
        // worker's own storage path (a server's name differs from host to host).
        let target = TuneWorker.target
        let joining = target.map { t in name == t.study && storagePath.map { TuneWorker.reaches($0, t) } == true } ?? false
        // Under mpirun, rank 0 runs the study and the other ranks follow its trials (TrialRelay):
        // they keep no storage of their own.
        let relay = try TrialRelay.forJob(dimensions: compiled.count)
        let following = relay.map { !$0.isLeader } ?? false
        let storage: any StudyStorage = following ? MemoryStorage() : try (joining ? target?.storage : storagePath).map { p in
            try ScriptError.converting { () throws(TuneError) -> any StudyStorage in try TuneWorker.openStorage(p) }
        } ?? MemoryStorage()
        let study = try ScriptError.converting { try Study(name: name, space: userSpace, spec: spec, sampler: sampler, seed: seed, storage: storage, pruner: pruner) }
        study.heartbeat = heartbeat
        study.retries = retries
        let object = StudyObject(study, objective: closure, budget: budget, parallel: parallel)
        object.stopKinds = StudyObject.programmingErrors.subtracting(caught)
        object.relay = relay
        if let target {
            // Join the shared study, or pass over another stored one.
            if joining {
                try object.runAsWorker(interp, target)
                throw TuneWorker.Finished()
            }
            if storagePath != nil { return .object(object) }
        }
        object.cells = TuneWorker.sessionCells(interp)
        try object.run(interp)
        return .object(object)
    }

    static func sampler(_ v: Value, space: SearchSpace, budget: Int, gridPoints: Value, startup: Value) throws -> any Sampler {
        let names = TuningMethods.samplers.map { "." + $0.name }.joined(separator: ", ")
        guard case .symbol(let method) = v else { throw ScriptError(.type, "tune(method:) is one of \(names); got \(v.typeName)") }
        guard let kind = TuningMethods.sampler(method) else {
            throw ScriptError(.value, "unknown tuning method .\(method)", suggestion: "the methods are \(names) (.bayes is the default)")
        }
        let options = TuningMethods.Options(budget: budget, startup: startup.isNil ? nil : try Convert.int(startup, "tune(startup:)"),
                                            gridPoints: gridPoints.isNil ? nil : try Convert.int(gridPoints, "tune(gridPoints:)"))
        return try ScriptError.converting { try kind.make(space, options) }
    }

    static func pruner(_ v: Value) throws -> (any Pruner)? {
        switch v {
        case .nil, .symbol("none"): return nil
        case .symbol(let name) where TuningMethods.pruner(name) != nil: return TuningMethods.pruner(name)!.make()
        default:
            let names = TuningMethods.pruners.map { "." + $0.name }.joined(separator: ", ")
            throw ScriptError(.value, "tune(pruner:) is one of \(names) (.median is the default) or nil; got \(v)")
        }
    }
}

/// A distribution of a search space, as `uniform(...)` and friends return it.
final class SpaceObject: NativeObject {
    let space: Space
    init(_ space: Space) { self.space = space }
    var typeName: String { "Distribution" }
    var plainText: String { space.text }
}
