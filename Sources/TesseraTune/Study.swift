import Foundation
import TesseraMetrics

/// A tuning study: a space, what to optimize, a sampler and the trials so far, kept in a
/// storage. `optimize` runs trials until the budget is spent; a study reopened with the
/// same name and storage continues where it stopped.
public final class Study {
    public let name: String
    public let space: SearchSpace
    public let spec: MetricSpec
    public let sampler: any Sampler
    public let seed: UInt64
    public var pruner: (any Pruner)?
    public let storage: any StudyStorage
    let id: Int64
    /// Trials by number, refreshed from the storage before each suggestion.
    public private(set) var trials: [Trial] = []
    /// Who runs the trials of this process (host:pid), stored with each trial.
    public let worker: String

    /// A trial the pruner stopped.
    public struct Pruned: Error {
        public let step: Int, value: Double
        public init(step: Int, value: Double) { self.step = step; self.value = value }
    }

    public init(name: String, space: Space, spec: MetricSpec, sampler: any Sampler, seed: UInt64, storage: any StudyStorage,
                pruner: (any Pruner)? = nil) throws(TuneError) {
        self.name = name
        self.space = try space.compile()
        self.spec = spec; self.sampler = sampler; self.seed = seed; self.storage = storage; self.pruner = pruner
        worker = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        id = try storage.openStudy(StudyHeader(name: name, space: self.space.signature, spec: Self.describe(spec), method: sampler.name, seed: seed))
        try refresh()
    }

    static func describe(_ spec: MetricSpec) -> String {
        (spec.objectives.map { "Objective(\($0.name), \($0.direction.rawValue))" }
            + spec.constraints.map { "Constraint(\($0.name), \($0.atLeast.map { "\($0)" } ?? "-"), \($0.atMost.map { "\($0)" } ?? "-"))" }
            + spec.stored.map { "Stored(\($0))" }).joined(separator: ", ")
    }

    /// Reloads the trials from the storage (other workers may have added some).
    public func refresh() throws(TuneError) {
        trials = try storage.trials(study: id).map { (t) throws(TuneError) -> Trial in
            // A stored point must be one of this space's (a tampered file could hold any numbers).
            if let problem = space.problem(with: t.raw) {
                throw TuneError("trial \(t.number) of the study '\(name)' holds a point that is not in its space: \(problem)",
                                advice: "give storage: a new file name, or a new name:")
            }
            var t = t
            t.params = space.params(t.raw)
            return t
        }
    }

    /// Trials that finished (complete, pruned or failed).
    public var finishedCount: Int { trials.filter { $0.state != .running }.count }

    /// Marks running trials whose process is gone (killed, crashed) as failed, so the
    /// study can go on; returns their numbers.
    @discardableResult
    public func recoverOrphans() throws(TuneError) -> [Int] {
        let host = ProcessInfo.processInfo.hostName
        var recovered: [Int] = []
        try storage.exclusive { () throws(TuneError) in
            try refresh()
            let workers = try storage.workers(study: id)
            for t in trials where t.state == .running {
                if Self.isAlive(worker: workers[t.number] ?? "", host: host) { continue }
                var u = t
                u.state = .failed
                u.error = "its process stopped before it finished (killed or crashed)"
                u.finished = Date()
                try storage.updateTrial(study: id, u)
                recovered.append(t.number)
            }
            try refresh()
        }
        return recovered
    }

    /// Whether the process that runs a trial is still there: another live process on this
    /// host, or one on another host (which cannot be checked from here). A trial of this
    /// very process that is still marked running was left by an earlier, stopped run.
    static func isAlive(worker: String, host: String) -> Bool {
        let parts = worker.split(separator: ":")
        guard parts.count == 2, let pid = Int32(parts[1]) else { return false }
        guard String(parts[0]) == host else { return true }
        guard pid != getpid() && kill(pid, 0) == 0 else { return false }
        // A zombie (killed, not yet reaped by its new parent) still answers kill(pid, 0).
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") {
            return false
        }
        return true
    }

    /// Suggests the next trial and stores it as running.
    public func ask() throws(TuneError) -> Trial {
        try ask(within: .max)!
    }

    /// The next trial, or nil when the study already has `budget` trials (finished or
    /// running): checked under the storage's lock, so workers sharing a study stop at
    /// the budget together.
    public func ask(within budget: Int) throws(TuneError) -> Trial? {
        try storage.exclusive { () throws(TuneError) -> Trial? in
            try refresh()
            if trials.count >= budget { return nil }
            let number = (trials.map(\.number).max() ?? -1) + 1
            let raw = space.normalized(try sampler.suggest(SamplingContext(space: space, trials: trials, number: number, spec: spec, seed: seed)))
            let params = space.params(raw)
            let stored = try storage.insertTrial(study: id, Trial(number: number, raw: raw, params: params), worker: worker)
            let trial = Trial(number: stored, raw: raw, params: params)
            trials.append(trial)
            return trial
        }
    }

    /// Records a finished trial: the objective's metrics, or its error.
    public func tell(_ number: Int, metrics: [(name: String, value: Double)], error: String? = nil, state: Trial.State? = nil) throws(TuneError) {
        guard let i = trials.firstIndex(where: { $0.number == number }) else { throw TuneError("no trial \(number) in the study '\(name)'") }
        var t = trials[i]
        t.metrics = metrics
        t.finished = Date()
        if let state { t.state = state; t.error = error }
        else if let error { t.state = .failed; t.error = error }
        else if let problem = problem(with: metrics) { t.state = .failed; t.error = problem }
        else { t.state = .complete }
        trials[i] = t
        try storage.updateTrial(study: id, t)
    }

    /// Why metrics cannot count as a result, or nil when they can.
    func problem(with metrics: [(name: String, value: Double)]) -> String? {
        for o in spec.objectives {
            guard let v = metrics.first(where: { $0.name == o.name })?.value else {
                let returned = metrics.map(\.name)
                return "the objective returned no '\(o.name)'" + (returned.isEmpty ? "" : " (it returned \(returned.joined(separator: ", ")))")
            }
            if !v.isFinite { return "the objective's '\(o.name)' is \(v.isNaN ? "NaN" : "\(v)")" }
        }
        return nil
    }

    /// Records an intermediate value; throws `Pruned` when the pruner stops the trial.
    public func report(_ number: Int, step: Int, value: Double) throws(TuneError) -> Bool {
        guard let i = trials.firstIndex(where: { $0.number == number }) else { throw TuneError("no trial \(number) in the study '\(name)'") }
        let r = Trial.Report(step: step, value: value)
        trials[i].reports.removeAll { $0.step == step }
        trials[i].reports.append(r)
        try storage.addReport(study: id, trial: number, r)
        guard let pruner else { return false }
        return pruner.shouldPrune(trials[i], step: step, others: trials.filter { $0.number != number }, minimize: spec.objectives[0].direction == .minimize)
    }

    // MARK: Results

    /// The best complete trial that meets every constraint (for two objectives: the best
    /// by the first; see `pareto`).
    public var best: Trial? {
        let sign = spec.objectives[0].direction == .maximize ? -1.0 : 1.0
        return trials.filter { $0.state == .complete && $0.isFeasible(spec) && $0.value(spec) != nil }
            .min { sign * $0.value(spec)! < sign * $1.value(spec)! }
    }

    /// The best feasible value after each finished trial, in trial order (nil before the first).
    public var bestSoFar: [Double?] {
        let sign = spec.objectives[0].direction == .maximize ? -1.0 : 1.0
        var best: Double?
        return trials.filter { $0.state != .running }.map { t in
            if t.state == .complete, t.isFeasible(spec), let v = t.value(spec), best == nil || sign * v < sign * best! { best = v }
            return best
        }
    }

    /// The complete, feasible trials that no other beats on both objectives, by the first.
    public var pareto: [Trial] {
        let signs = spec.objectives.map { $0.direction == .maximize ? -1.0 : 1.0 }
        let candidates = trials.filter { $0.state == .complete && $0.isFeasible(spec) && $0.objectives(spec) != nil }
        let points = candidates.map { t in zip(t.objectives(spec)!, signs).map { $0 * $1 } }
        var front: [Trial] = []
        for (i, p) in points.enumerated() {
            let dominated = points.enumerated().contains { j, q in
                j != i && zip(q, p).allSatisfy { $0 <= $1 } && zip(q, p).contains { $0 < $1 }
            }
            if !dominated { front.append(candidates[i]) }
        }
        return front.sorted { signs[0] * $0.objectives(spec)![0] < signs[0] * $1.objectives(spec)![0] }
    }

    // MARK: Running

    /// What the progress display shows after each trial.
    public struct Progress: Sendable {
        public let finished: Int
        public let budget: Int
        public let best: Double?
        public let last: Trial
        public let elapsed: Double
    }

    /// Runs trials until the study has `budget` trials (trials from earlier runs and those
    /// other workers are running count), calling `objective` for each. `shouldStop` is checked between trials (an
    /// interrupt); an objective's `Pruned` marks its trial pruned; any other error marks
    /// it failed and the study goes on, unless `stopOn` says the error must end the run
    /// (an interrupt inside the objective), in which case the trial is marked failed and
    /// the error rethrown.
    public func optimize(budget: Int, shouldStop: () -> Bool = { false }, stopOn: (any Error) -> Bool = { _ in false },
                         progress: (Progress) -> Void = { _ in },
                         objective: (Trial) throws -> [(name: String, value: Double)]) throws {
        let start = Date()
        try recoverOrphans()
        while true {
            if shouldStop() { break }
            let asked: Result<Trial?, TuneError> = Result { () throws(TuneError) -> Trial? in try ask(within: budget) }
            if case .failure(let e) = asked, e.isExhausted { break }
            guard let trial = try asked.get() else { break }
            do {
                let metrics = try objective(trial)
                try tell(trial.number, metrics: metrics)
            } catch let p as Pruned {
                try tell(trial.number, metrics: spec.objectives.prefix(1).map { ($0.name, p.value) }, error: "pruned at step \(p.step)", state: .pruned)
            } catch {
                try tell(trial.number, metrics: [], error: "\(error)")
                if stopOn(error) { throw error }
            }
            let done = trials.first { $0.number == trial.number }!
            progress(Progress(finished: finishedCount, budget: budget, best: bestSoFar.last ?? nil, last: done, elapsed: Date().timeIntervalSince(start)))
        }
    }

    /// Whether any trial completed; when none did, an error that says why.
    public func checkAnyCompleted() throws(TuneError) {
        let finished = trials.filter { $0.state != .running }
        guard !finished.isEmpty, !finished.contains(where: { $0.state == .complete }) else { return }
        let failed = finished.filter { $0.state == .failed }
        let first = failed.first?.error ?? "pruned"
        throw TuneError("every trial of the study '\(name)' failed (\(failed.count) failed, \(finished.count - failed.count) pruned); the first error: \(first)",
                        advice: "fix the objective (try it once on fixed params) and run tune again; the failed trials are kept in the study")
    }
}
