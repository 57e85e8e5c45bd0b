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
    public let id: Int64
    /// Trials by number, refreshed from the storage before each suggestion.
    public private(set) var trials: [Trial] = []
    /// Who runs the trials of this process (host:pid), stored with each trial.
    public let worker: String
    /// Seconds between the heartbeats of a running trial (a storage that outlives the
    /// process only); a trial silent for `grace` is lost: failed, and run again under `retries`.
    public var heartbeat: Double = 10
    /// How long a running trial may go without a heartbeat: three beats, so one slow beat
    /// (a busy database, a long pause of its host) does not lose a trial.
    public var grace: Double { heartbeat * 3 }
    /// How many times a lost trial runs again with the same parameters (Optuna's
    /// RetryFailedTrialCallback); the failed trial's retry takes its place in the budget.
    public var retries = 0
    /// Called before each suggestion and after each report: a worker throws here when the
    /// study's session stopped it or changed its code.
    public var checkpoint: (() throws -> Void)?

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

    /// Takes a trial another process runs the study for (rank 0 of an MPI job relays its
    /// trials to the other ranks, whose studies only follow), so a handle can read it.
    public func adopt(_ trial: Trial) {
        if !trials.contains(where: { $0.number == trial.number }) { trials.append(trial) }
    }

    /// Trials that finished (complete, pruned or failed).
    public var finishedCount: Int { trials.filter { $0.state != .running }.count }

    /// Marks running trials whose process is gone (killed, crashed) or silent past the grace
    /// period as failed, so the study can go on; returns their numbers. A lost trial that may
    /// run again (`retries`) is left for the next suggestion to claim, unless `retrying` is
    /// false (no worker is left to claim it).
    @discardableResult
    public func recoverOrphans(retrying: Bool = true) throws(TuneError) -> [Int] {
        try storage.exclusive { () throws(TuneError) -> [Int] in
            try refresh()
            let lost = try lostTrials().filter { !retrying || retriesLeft($0.trial.number) == 0 }
            for (t, why) in lost { try fail(t, why) }
            try refresh()
            return lost.map(\.trial.number)
        }
    }

    /// Running trials whose worker is gone: a process of this host that no longer runs, or
    /// a trial whose heartbeat is older than the grace period; with why.
    private func lostTrials() throws(TuneError) -> [(trial: Trial, why: String)] {
        let host = ProcessInfo.processInfo.hostName
        let running = trials.filter { $0.state == .running }
        guard !running.isEmpty else { return [] }
        let silent = heartbeat > 0 ? Set(try storage.silentTrials(study: id, grace: grace)) : []
        return running.compactMap { t in
            // The worker of the same read as the state: a trial told since is not judged on a later read.
            let worker = t.worker ?? ""
            if !Self.isAlive(worker: worker, host: host) { return (t, "its process stopped before it finished (killed or crashed)") }
            if silent.contains(t.number) {
                return (t, "its worker \(worker) sent no heartbeat for \(ParamValue.format(grace)) s (killed, hung, or cut off from the database)")
            }
            return nil
        }
    }

    /// How many more times a lost trial may run again: `retries` less the retries before it.
    private func retriesLeft(_ number: Int) -> Int {
        var done = 0, n = number
        while let previous = trials.first(where: { $0.number == n })?.retryOf { done += 1; n = previous }
        return max(0, retries - done)
    }

    /// Fails a lost trial; false when it finished meanwhile (its worker told it after all).
    @discardableResult
    private func fail(_ t: Trial, _ why: String) throws(TuneError) -> Bool {
        var u = t
        u.state = .failed
        u.error = why
        u.finished = Date()
        guard try storage.updateTrial(study: id, u) else { return false }
        if let i = trials.firstIndex(where: { $0.number == t.number }) { trials[i] = u }
        return true
    }

    /// Under the lock: fails lost trials and claims a retry of one that may run again (one
    /// per suggestion; the other lost trials wait, still running, for the next).
    private func claimRetry() throws(TuneError) -> Trial? {
        var claimed: Trial?
        for (t, why) in try lostTrials() {
            let again = retriesLeft(t.number) > 0
            if again && claimed != nil { continue }
            guard try fail(t, why + (again ? "; run again with the same parameters" : "")), again else { continue }
            let retry = Trial(number: 0, raw: t.raw, params: t.params, worker: worker, retryOf: t.number)
            let number = try storage.insertTrial(study: id, retry, worker: worker)
            claimed = Trial(number: number, raw: t.raw, params: t.params, worker: worker, retryOf: t.number)
            trials.append(claimed!)
        }
        return claimed
    }

    /// Trials that take a place in the budget: all but lost ones another trial runs again.
    public var budgetedCount: Int { trials.count - trials.filter { $0.retryOf != nil }.count }

    /// Whether the process that runs a trial is still there: a live process on this host,
    /// or one on another host (which cannot be checked from here: its heartbeat tells). This
    /// very process counts as alive: a trial it left running (an earlier run that stopped at
    /// a storage error) no longer beats, and is lost after the grace period.
    static func isAlive(worker: String, host: String) -> Bool {
        let parts = worker.split(separator: ":")
        guard parts.count == 2, let pid = Int32(parts[1]) else { return false }
        guard String(parts[0]) == host else { return true }
        guard kill(pid, 0) == 0 else { return false }
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
            if let retry = try claimRetry() { return retry }
            if budgetedCount >= budget { return nil }
            let number = (trials.map(\.number).max() ?? -1) + 1
            let raw = space.normalized(try sampler.suggest(SamplingContext(space: space, trials: trials, number: number, spec: spec, seed: seed)))
            let params = space.params(raw)
            let stored = try storage.insertTrial(study: id, Trial(number: number, raw: raw, params: params), worker: worker)
            let trial = Trial(number: stored, raw: raw, params: params, worker: worker)
            trials.append(trial)
            return trial
        }
    }

    /// Records a finished trial: the objective's metrics, or its error.
    public func tell(_ number: Int, metrics: [(name: String, value: Double)], error: String? = nil, state: Trial.State? = nil) throws(TuneError) {
        guard let i = trials.firstIndex(where: { $0.number == number }) else { throw TuneError("no trial \(number) in the study '\(name)'") }
        let t = finished(trials[i], metrics: metrics, error: error, state: state)
        trials[i] = t
        // Another worker judged the trial lost (this worker went silent past the grace
        // period) and failed it, or ran it again: the study keeps that verdict.
        if try !storage.updateTrial(study: id, t) { try refresh() }
    }

    /// A follower's record of a trial it ran beside rank 0 of an MPI job (rank 0 tells the
    /// storage; the follower's study keeps none of its own).
    public func mirror(_ number: Int, metrics: [(name: String, value: Double)], error: String? = nil, state: Trial.State? = nil) {
        guard let i = trials.firstIndex(where: { $0.number == number }) else { return }
        trials[i] = finished(trials[i], metrics: metrics, error: error, state: state)
    }

    /// The trial ended with `metrics` (or `error`, or in `state`).
    private func finished(_ trial: Trial, metrics: [(name: String, value: Double)], error: String?, state: Trial.State?) -> Trial {
        var t = trial
        t.metrics = metrics
        t.finished = Date()
        if let state { t.state = state; t.error = error }
        else if let error { t.state = .failed; t.error = error }
        else if let problem = problem(with: metrics) { t.state = .failed; t.error = problem }
        else { t.state = .complete }
        return t
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
    ///
    /// With a storage that outlives the process, each running trial has a heartbeat, and
    /// once the budget is taken the run waits for the trials other workers (here or on
    /// other hosts) are running, so that it ends with the study's last result, and so that
    /// a trial lost on the way is failed, or run again here under `retries`.
    public func optimize(budget: @autoclosure () -> Int, shouldStop: () throws -> Bool = { false }, stopOn: (any Error) -> Bool = { _ in false },
                         progress: (Progress) -> Void = { _ in },
                         objective: (Trial) throws -> [(name: String, value: Double)]) throws {
        let start = Date()
        try recoverOrphans()
        let beats = heartbeat > 0 ? try storage.reopen().map { Heartbeat(storage: $0, study: id, interval: heartbeat) } : nil
        defer { beats?.end() }
        var seen = finishedCount
        while true {
            if try shouldStop() { break }
            try checkpoint?()
            let asked: Result<Trial?, TuneError> = Result { () throws(TuneError) -> Trial? in try ask(within: budget()) }
            if case .failure(let e) = asked, e.isExhausted { break }
            guard let trial = try asked.get() else {
                // The budget is taken: wait for the trials still running elsewhere.
                guard storage.location != nil, trials.contains(where: { $0.state == .running }) else { break }
                Thread.sleep(forTimeInterval: min(0.5, max(0.05, heartbeat / 4)))
                try refresh()
                if finishedCount != seen, let last = trials.last(where: { $0.state != .running }) {
                    seen = finishedCount
                    progress(Progress(finished: finishedCount, budget: budget(), best: bestSoFar.last ?? nil, last: last, elapsed: Date().timeIntervalSince(start)))
                }
                continue
            }
            beats?.begin(trial.number)
            defer { beats?.pause() }
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
            seen = finishedCount
            progress(Progress(finished: finishedCount, budget: budget(), best: bestSoFar.last ?? nil, last: done, elapsed: Date().timeIntervalSince(start)))
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
