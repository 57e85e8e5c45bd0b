import Foundation
import TesseraData
import TesseraDisplay
import TesseraMetrics
import TesseraScript
import TesseraTune

/// A study in the language, as `tune` returns it: `.best`, `.trials` (a Frame), `.plot()`,
/// `.importance()`, `.pareto()`, `.resume()`. It keeps the objective closure, so `resume`
/// continues after an interrupt or with a larger budget.
final class StudyObject: DeclaredMembers {
    let study: Study
    let objective: Value
    var budget: Int
    /// Worker processes that run trials at once (1: trials run in this process; 0: only
    /// in workers that join from other hosts).
    let parallel: Int
    /// The session's cells when `tune` ran: what its workers replay, stored in the study.
    var cells: [[String: String]] = []
    /// In an MPI job of several ranks: rank 0 relays its trials to the others (see TrialRelay).
    var relay: TrialRelay?
    /// Errors in the objective's code that stop the study and are raised (the rest are
    /// recorded as failed trials): the programming errors, less what `catch:` names.
    var stopKinds: Set<ErrorKind> = StudyObject.programmingErrors

    /// Errors that say the objective's code is wrong, not that its parameters are: every
    /// trial would fail the same way, so the study stops at the first, as Optuna does.
    static let programmingErrors: Set<ErrorKind> = [.name, .type, .syntax, .key, .recursion]

    init(_ study: Study, objective: Value, budget: Int, parallel: Int = 1) {
        self.study = study; self.objective = objective; self.budget = budget; self.parallel = parallel
    }

    var typeName: String { "Study" }

    /// Runs trials until the budget is spent, with a live progress display; an interrupt
    /// stops after the running trial is recorded.
    func run(_ interp: Interpreter) throws {
        if let relay, !relay.isLeader { return try follow(relay, interp) }
        if relay != nil && parallel != 1 {
            throw ScriptError(.value, "tune(parallel: \(parallel)) under mpirun: the ranks of the job run each trial together (a fit inside trains across them)",
                              suggestion: "leave parallel: out under mpirun; for more trials at once, start more jobs on the same storage:")
        }
        let reporter = ProgressReporter(interp, task: "tune \(study.name) (\(study.sampler.name))", unit: "trials", leavesFinalLine: true)
        let objectiveName = study.spec.objectives[0].name
        // After each finished trial: the best so far, and the last value (or, with
        // workers, how many trials are running).
        let metrics = { [self] () -> [ProgressBar.Metric] in
            var metrics: [ProgressBar.Metric] = []
            if let best = study.bestSoFar.last ?? nil { metrics.append(.init("best \(objectiveName)", best)) }
            if parallel != 1 {
                metrics.append(.init("running", Double(study.trials.filter { $0.state == .running }.count)))
            } else if let last = study.trials.last(where: { $0.state != .running })?.value(study.spec) {
                metrics.append(.init("last", last))
            }
            return metrics
        }
        let show = { [self] in
            reporter.report(done: Double(study.finishedCount), total: Double(budget), metrics: metrics(), finished: study.finishedCount >= budget)
        }
        // The display ends at the study's final state however the run ends.
        var outcome: String? = "stopped by an error"
        try publish()
        show()
        defer { reporter.finish(outcome, done: Double(study.finishedCount), metrics: metrics().filter { $0.name != "running" }) }
        do {
            if parallel != 1, let storage = study.storage.location {
                try TuneWorker.coordinate(self, storage: storage, count: parallel, interp: interp, progress: show)
            } else {
                try study.optimize(budget: budget, shouldStop: { interp.interrupt.isSet }, stopOn: Self.stops,
                                   progress: { _ in show() }) { [self] trial in
                    try relay?.announce(trial)
                    return try evaluate(trial, interp)
                }
                try relay?.finish()
            }
        } catch let e as TuneError {
            throw e.scriptError
        } catch let e as ScriptError where e.kind == .interrupted {
            outcome = "interrupted"
            stopWorkers()
            throw interrupted()
        } catch let stop as StopTuning {
            outcome = "stopped at an error in trial \(stop.trial)"
            var e = stop.error
            let note = "tune stopped at this error in the objective (trial \(stop.trial) is recorded as failed); fix the code, "
                + "or name the kind in catch: [\"\(e.kind.rawValue)\"] to record such trials as failed and go on"
            e.suggestion = e.suggestion.map { $0 + "\n" + note } ?? note
            throw e
        }
        if interp.interrupt.isSet { outcome = "interrupted"; stopWorkers(); throw interrupted() }
        outcome = study.finishedCount >= budget ? nil : "stopped"
        try ScriptError.converting { try study.checkAnyCompleted() }
    }

    /// One trial: the objective closure on the trial's params and a handle to report with.
    private func evaluate(_ trial: Trial, _ interp: Interpreter) throws -> [(name: String, value: Double)] {
        let handle = TrialObject(study, number: trial.number, live: true, relay: relay)
        defer { handle.live = false }
        let result: Value
        do {
            result = try interp.call(objective, TuneBindings.value(trial.params), .object(handle))
        } catch let e as ScriptError where e.kind != .interrupted {
            if stopKinds.contains(e.kind) { throw StopTuning(error: e, trial: trial.number) }
            throw TrialFailure(description: "\(e.kind.rawValue): \(e.messageWithPlace)")
        }
        return try metrics(result)
    }

    /// Stores what workers on any host need to join the study (a storage that outlives
    /// the session only): the cells, their hash, the budget and the failure settings.
    func publish() throws {
        guard study.storage.location != nil else { return }
        let session = StudySession(cells: String(decoding: try TuneWorker.json(cells), as: UTF8.self), hash: TuneWorker.hash(cells), budget: budget,
                                   heartbeat: study.heartbeat, retries: study.retries, host: ProcessInfo.processInfo.hostName)
        try ScriptError.converting { try study.storage.publish(study: study.id, session) }
    }

    /// Tells the workers on other hosts that the session stopped the study (they stop at
    /// their running trial's next report, or before their next trial).
    private func stopWorkers() {
        guard study.storage.location != nil else { return }
        try? study.storage.setStopped(study: study.id, true)
    }

    /// In a worker process: trials until the shared study has its budget, with the
    /// budget and settings the session stored; the worker leaves when that session stops
    /// the study or runs it with other code.
    func runAsWorker(_ interp: Interpreter, _ target: TuneWorker.Target) throws {
        let storage = study.storage, id = study.id
        func apply(_ s: StudySession) { budget = s.budget; study.retries = s.retries; study.heartbeat = s.heartbeat }
        if let stored = try ScriptError.converting({ try storage.session(study: id, cells: false) }) {
            guard stored.hash == target.hash else {
                throw TuneWorker.Leave.otherCode(study: study.name, stored: stored.hash, replayed: target.hash, joining: true)
            }
            apply(stored)
        }
        study.checkpoint = { [self] in
            guard let s = try storage.session(study: id, cells: false) else { return }
            if s.hash != target.hash { throw TuneWorker.Leave.otherCode(study: study.name, stored: s.hash, replayed: target.hash, joining: false) }
            if s.stopped { throw TuneWorker.Leave.stopped(host: s.host) }
            budget = s.budget
        }
        if let relay, !relay.isLeader { return try follow(relay, interp) }
        do {
            try study.optimize(budget: budget, shouldStop: { interp.interrupt.isSet }, stopOn: { Self.stops($0) || $0 is TuneWorker.Leave }) { [self] trial in
                try relay?.announce(trial)
                return try evaluate(trial, interp)
            }
            try relay?.finish()
        } catch let e as TuneError {
            throw e.scriptError
        } catch let leave as TuneWorker.Leave {
            // Between trials the other ranks wait for the next one: tell them there is none.
            try? relay?.finish()
            throw leave
        }
    }

    /// A rank other than 0 of an MPI job: runs each trial rank 0 relays, with the same
    /// parameters, until rank 0 has no more. Rank 0 records the results in the storage; this
    /// rank's study mirrors them (a fit's metrics are reduced across the ranks: the same).
    private func follow(_ relay: TrialRelay, _ interp: Interpreter) throws {
        while let (number, raw) = try relay.next() {
            let trial = Trial(number: number, raw: raw, params: study.space.params(raw))
            study.adopt(trial)
            do {
                study.mirror(number, metrics: try evaluate(trial, interp))
            } catch let p as Study.Pruned {
                study.mirror(number, metrics: study.spec.objectives.prefix(1).map { ($0.name, p.value) }, error: "pruned at step \(p.step)", state: .pruned)
            } catch let f as TrialFailure {
                study.mirror(number, metrics: [], error: f.description)
            } catch is TrialRelay.Released {
                return
            } catch let stop as StopTuning {
                // The same error in the objective's code stops rank 0's study.
                throw stop.error
            }
        }
    }

    private func interrupted() -> ScriptError {
        let kept = study.storage.location.map { "; they are stored in \($0): run the cell again (same name:) or study.resume() to continue" } ?? ""
        return ScriptError(.interrupted, "tuning was interrupted after \(study.finishedCount) finished trial\(study.finishedCount == 1 ? "" : "s")\(kept)")
    }

    struct TrialFailure: Error, CustomStringConvertible { let description: String }

    /// An error in the objective's code that ends the study; the trial records its headline.
    struct StopTuning: Error, CustomStringConvertible {
        let error: ScriptError
        let trial: Int
        var description: String { "\(error.kind.rawValue): \(error.messageWithPlace)" }
    }

    /// The errors that end `optimize` (after the trial is recorded): an interrupt, or an error in the objective's code.
    static func stops(_ error: any Error) -> Bool { (error as? ScriptError)?.kind == .interrupted || error is StopTuning }

    /// The objective's result as metrics: a Dict of numbers, or one number for the objective.
    private func metrics(_ v: Value) throws -> [(name: String, value: Double)] {
        switch v {
        case .int(let i): return [(study.spec.objectives[0].name, Double(i))]
        case .double(let d): return [(study.spec.objectives[0].name, d)]
        case .dict(let d):
            var out: [(name: String, value: Double)] = []
            for (k, value) in d.entries {
                guard case .string(let name) = k else { throw TrialFailure(description: "the objective's Dict has a \(k.typeName) key; metric names are Strings") }
                switch IndexTensorObject.promote(value) {
                case .int(let i): out.append((name, Double(i)))
                case .double(let x): out.append((name, x))
                case .object(let t as TensorObject) where t.tensor.count == 1: out.append((name, Double(t.tensor.storage[0])))
                default: throw TrialFailure(description: "the objective's metric '\(name)' is \(value.typeName.withArticle), not a number")
                }
            }
            return out
        default:
            throw TrialFailure(description: "the objective returned \(v.typeName); return a Dict of metrics, e.g. [\"\(study.spec.objectives[0].name)\": value]")
        }
    }

    // MARK: Members

    static let nativeMembers = NativeMembers<StudyObject>([
        .property(name: "name", doc: "The study's name in its storage.") { o in .string(o.study.name) },
        .property(name: "best", doc: "The best feasible finished Trial (.params, .value, .values); nil before any.") { o in
            o.study.best.map { .object(TrialObject(o.study, number: $0.number, live: false)) } ?? .nil
        },
        .property(name: "trials", doc: "Every trial as a Frame: number, state, the metrics, the parameters, duration, host (with storage:), error.") { o in
            .object(FrameObject(try o.trialsFrame(o.study.trials)))
        },
        .method(Declaration("plot", [.labelled("compare", .array, default: .nil, "other studies, drawn beside this one as best so far")],
                            returns: "Chart", summary: "Each trial's value and the best so far, against the trial; with compare:, the best so far of each study side by side.",
                            example: "let s = tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 6) { p, t in p.x }\ns.plot()")) { o, a, _ in
            guard !a.isNil("compare") else { return .object(RichValue(kind: "Chart", bundle: o.chart.bundle)) }
            let others = try a.array("compare").map { v -> StudyObject in
                guard case .object(let s as StudyObject) = v else { throw ScriptError(.type, "plot(compare:) takes studies, got \(v.typeName)") }
                return s
            }
            return .object(RichValue(kind: "Chart", bundle: o.comparison([o] + others).bundle))
        },
        .method(Declaration("importance", returns: "Importance",
                            summary: "Each parameter's share of the objective's variation (fANOVA main effects on a Gaussian process).",
                            example: "let s = tune([\"x\": uniform(0, 1), \"y\": uniform(0, 1)], objective: \"loss\", budget: 12) { p, t in p.x * 3 + p.y }\ns.importance()",
                            errors: [(.tuning, "too few trials have finished")])) { o, _, _ in
            .object(ImportanceObject(try Importance.mainEffects(o.study, seed: o.study.seed)))
        },
        .method(Declaration("pareto", returns: "Frame", summary: "The trials no other beats on every objective.",
                            example: "let s = tune([\"x\": uniform(0, 1)], objective: [Objective(\"a\", .minimize), Objective(\"b\", .minimize)], budget: 8) { p, t in [\"a\": p.x, \"b\": 1 - p.x] }\ns.pareto()")) { o, _, _ in
            .object(FrameObject(try o.trialsFrame(o.study.pareto)))
        },
        .method(Declaration("resume", [.labelled("budget", .int, default: .nil, range: .atLeast(1), "a new budget; left out, the study's own")],
                            returns: "Study", summary: "Runs the study on to its budget (or a new one), after an interrupt or a crash.",
                            example: "let s = tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 4) { p, t in p.x }\ns.resume(budget: 6).count")) { o, a, interp in
            if let b = try a.optionalInt("budget") { o.budget = b }
            try o.study.refresh()
            try o.run(interp)
            return .object(o)
        },
        .property(name: "budget", doc: "The trials the study runs to.") { o in .int(o.budget) },
        .property(name: "method", doc: "The sampler's name: bayes, random, sobol or grid.") { o in .string(o.study.sampler.name) },
        .property(name: "storage", doc: "The SQLite file or PostgreSQL server (its URL, less any password) that keeps the study; nil in memory.") { o in o.study.storage.location.map { .string($0) } ?? .nil },
        .property(name: "count", doc: "How many trials the study holds (running ones included).") { o in .int(o.study.trials.count) },
    ], aliases: [
        // Optuna's names.
        "best_params": "best.params", "best_value": "best.value", "best_trial": "best", "best_trials": "pareto",
        "trials_dataframe": "trials", "optimize": "resume", "n_trials": "count",
    ])

    var chart: LineChart {
        let finished = study.trials.filter { $0.state != .running }
        let done = finished.enumerated().filter { $0.element.state == .complete }
        let values = done.map { ($0.offset + 1, $0.element.value(study.spec)) }.filter { $0.1 != nil }
        let best = study.bestSoFar
        let objective = study.spec.objectives[0]
        return LineChart(title: "Study \(study.name) (\(study.sampler.name))", xLabel: "trial", yLabel: objective.name, series: [
            .init("trial", x: values.map { Double($0.0) }, y: values.map { $0.1! }, points: true),
            .init("best so far", x: best.indices.filter { best[$0] != nil }.map { Double($0 + 1) }, y: best.compactMap { $0 }),
        ])
    }

    /// The best so far of several studies against the trial number, one line each.
    func comparison(_ studies: [StudyObject]) -> LineChart {
        let objective = study.spec.objectives[0]
        let series = studies.map { o -> LineChart.Series in
            let best = o.study.bestSoFar
            let label = studies.filter({ $0.study.sampler.name == o.study.sampler.name }).count > 1 ? "\(o.study.name) (\(o.study.sampler.name))" : o.study.sampler.name
            return .init(label, x: best.indices.filter { best[$0] != nil }.map { Double($0 + 1) }, y: best.compactMap { $0 })
        }
        return LineChart(title: "Best \(objective.name) so far", xLabel: "trial", yLabel: objective.name, series: series)
    }

    /// One row per trial: number, state, the metrics, the params by path, duration, error.
    func trialsFrame(_ trials: [Trial]) throws -> Frame {
        var columns: [Column] = [Column("number", ints: trials.map { Int64($0.number) }), Column("state", strings: trials.map { $0.state.rawValue })]
        var metricNames = study.spec.objectives.map(\.name) + study.spec.constraints.map(\.name) + study.spec.stored
        for t in trials { for m in t.metrics where !metricNames.contains(m.name) { metricNames.append(m.name) } }
        for m in metricNames { columns.append(Column(m, doubles: trials.map { $0.metric(m) })) }
        var paths: [String] = []
        let flat = trials.map { t in Dictionary(t.params.flattened().map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        for t in trials { for p in t.params.flattened() where !paths.contains(p.path) && !metricNames.contains(p.path) { paths.append(p.path) } }
        for p in paths {
            let cells = flat.map { $0[p] }
            if cells.allSatisfy({ $0 == nil || $0?.number != nil }) {
                if cells.allSatisfy({ if case .int? = $0 { return true }; return $0 == nil }) {
                    columns.append(Column(p, ints: cells.map { c in c.flatMap { if case .int(let i) = $0 { return Int64(i) }; return nil } }))
                } else {
                    columns.append(Column(p, doubles: cells.map { $0?.number }))
                }
            } else {
                columns.append(Column(p, strings: cells.map { c in c.map { if case .string(let s) = $0 { return s }; return $0.description } }))
            }
        }
        columns.append(Column("duration", doubles: trials.map(\.duration)))
        // Where each ran, for a study that workers share (in memory, this process ran them all).
        if study.storage.location != nil { columns.append(Column("host", strings: trials.map(\.host))) }
        columns.append(Column("error", strings: trials.map(\.error)))
        return try ScriptError.converting { try Frame(columns: columns) }
    }

    var plainText: String {
        let t = study.trials
        let counts = Trial.State.allCases.compactMap { s -> String? in
            let n = t.filter { $0.state == s }.count
            return n == 0 ? nil : "\(n) \(s.rawValue)"
        }
        var text = "Study \"\(study.name)\" (\(study.sampler.name), \(t.count) trial\(t.count == 1 ? "" : "s")\(counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))"
        if let best = study.best, let v = best.value(study.spec) {
            text += "\nbest \(study.spec.objectives[0].name) \(ParamValue.format(v)) at trial \(best.number): " + best.params.flattened().map { "\($0.path) = \($0.value)" }.joined(separator: ", ")
        }
        return text
    }

    var richRepresentations: [(mime: String, data: String)] {
        let top = study.trials.filter { $0.state == .complete && $0.value(study.spec) != nil }
            .sorted { a, b in study.spec.objectives[0].direction == .maximize ? a.value(study.spec)! > b.value(study.spec)! : a.value(study.spec)! < b.value(study.spec)! }
            .prefix(5)
        let objective = study.spec.objectives[0].name
        let table = Table(columns: ["trial", objective, "params"],
                          rows: top.map { ["\($0.number)", ParamValue.format($0.value(study.spec)!), $0.params.flattened().map { "\($0.path) = \($0.value)" }.joined(separator: ", ")] },
                          numericColumns: [0, 1], caption: plainText.components(separatedBy: "\n")[0] + (top.isEmpty ? "" : "; the best \(top.count)"))
        return table.bundle.entries.filter { $0.mime != "text/plain" }
    }
}

/// A trial: inside the objective (`trial.report(step, value)`, `trial.number`) and as
/// `study.best` (`.number .params .value .values .state`).
final class TrialObject: DeclaredMembers {
    let study: Study
    let number: Int
    /// True while its objective runs: only then can it report.
    var live: Bool
    /// In an MPI job: where the ranks agree on what a report decides.
    let relay: TrialRelay?

    init(_ study: Study, number: Int, live: Bool, relay: TrialRelay? = nil) {
        self.study = study; self.number = number; self.live = live; self.relay = relay
    }

    var trial: Trial { study.trials.first { $0.number == number }! }
    var typeName: String { "Trial" }
    var plainText: String {
        let t = trial
        let value = t.value(study.spec).map { " \(study.spec.objectives[0].name) \(ParamValue.format($0))" } ?? ""
        return "Trial \(t.number) (\(t.state.rawValue))\(value): \(t.params)"
    }

    static let nativeMembers = NativeMembers<TrialObject>([
        .property(name: "number", doc: "The trial's number, from 0.") { o in .int(o.trial.number) },
        .property(name: "params", doc: "The parameters it ran with, as a Dict (p.lr also reads one).") { o in TuneBindings.value(o.trial.params) },
        .property(name: "value", doc: "Its objective's value; nil while running or when it failed.") { o in o.trial.value(o.study.spec).map { .double($0) } ?? .nil },
        .property(name: "values", doc: "Every metric it returned.") { o in Convert.dict(o.trial.metrics.map { ($0.name, .double($0.value)) }) },
        .property(name: "state", doc: "\"running\", \"complete\", \"pruned\" or \"failed\".") { o in .string(o.trial.state.rawValue) },
        .property(name: "error", doc: "Why it failed; nil otherwise.") { o in o.trial.error.map { .string($0) } ?? .nil },
        .method(Declaration("report", [.positional("step", .int, "the step (an epoch)"), .positional("value", .double, "the objective's value at that step")],
                            summary: "An intermediate value (the validation metric after an epoch); the pruner may stop the trial here.",
                            example: "tune([\"x\": uniform(0, 1)], objective: \"loss\", budget: 6) { p, trial in\n    for epoch in 1...3 { trial.report(epoch, p.x / Double(epoch)) }\n    return p.x\n}",
                            errors: [(.value, "the trial has finished (report works inside its objective)")])) { o, a, interp in
            let step = try a.int("step"), value = try a.double("value")
            guard o.live else { throw ScriptError(.value, "trial \(o.number) has finished; report(_:_:) works inside its objective") }
            if let relay = o.relay {
                // Rank 0 decides (it holds the study); every rank stops the trial at this same report.
                var decision = TrialRelay.Decision.goOn
                var leaving: (any Error)?
                if relay.isLeader {
                    if try o.study.report(o.number, step: step, value: value) { decision = .prune }
                    do { try o.study.checkpoint?() } catch { leaving = error; decision = .leave }
                }
                switch try relay.agree(decision) {
                case .prune: throw Study.Pruned(step: step, value: value)
                case .leave: throw leaving ?? TrialRelay.Released()
                case .goOn: break
                }
                try interp.interrupt.check()
                return .nil
            }
            if try o.study.report(o.number, step: step, value: value) { throw Study.Pruned(step: step, value: value) }
            // A worker leaves here when the session that started the study stopped it.
            try o.study.checkpoint?()
            try interp.interrupt.check()
            return .nil
        },
        .property(name: "duration", doc: "Seconds it ran; nil while running.") { o in o.trial.duration.map { .double($0) } ?? .nil },
    ], aliases: [
        // Optuna's names: a trial's parameters come from the space given to tune.
        "suggest_float": "params", "suggest_int": "params", "suggest_categorical": "params", "should_prune": "report",
    ])
}

/// Each parameter's share of the objective's variation: `imp["lr"]`, `.names`, shown as a bar chart.
final class ImportanceObject: NativeSubscriptable, DeclaredMembers {
    let shares: [(name: String, share: Double)]
    init(_ shares: [(name: String, share: Double)]) { self.shares = shares }
    var typeName: String { "Importance" }
    var chart: BarChart { BarChart(title: "Parameter importance", unit: "share", groups: shares.map(\.name), series: [("importance", shares.map { $0.share })], logarithmic: false) }
    var plainText: String { shares.map { "\($0.name): \(String(format: "%.3f", $0.share))" }.joined(separator: "\n") }
    var richRepresentations: [(mime: String, data: String)] { [("image/svg+xml", chart.svg)] }

    static let nativeMembers = NativeMembers<ImportanceObject>([
        .property(name: "names", doc: "The parameters, most important first.") { o in .array(o.shares.map { .string($0.name) }) },
        .property(name: "values", doc: "Each parameter's share of the objective's variation, in the order of names.") { o in .array(o.shares.map { .double($0.share) }) },
    ])

    func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        let name = try Convert.string(index, "importance[...]")
        guard let s = shares.first(where: { $0.name == name }) else {
            throw ScriptError(.key, "no parameter \"\(name)\"; the parameters are \(shares.map(\.name).joined(separator: ", "))")
        }
        return .double(s.share)
    }

    func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws { throw ScriptError(.type, "an Importance is read-only") }
}
