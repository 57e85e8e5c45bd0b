/// Decides from a running trial's intermediate values whether to stop it early.
public protocol Pruner: Sendable {
    var name: String { get }
    /// Whether `trial` (whose last report is at `step`) should stop, given the others.
    func shouldPrune(_ trial: Trial, step: Int, others: [Trial], minimize: Bool) -> Bool
}

/// Stops a trial whose value at a step is worse than the median of what earlier trials
/// had reached by that step (Optuna's and Google Vizier's median rule).
public struct MedianPruner: Pruner {
    /// Trials that must finish before any is pruned.
    public var startupTrials: Int
    /// Steps every trial runs before it can be pruned.
    public var warmupSteps: Int
    public init(startupTrials: Int = 5, warmupSteps: Int = 0) { self.startupTrials = startupTrials; self.warmupSteps = warmupSteps }
    public var name: String { "median" }

    public func shouldPrune(_ trial: Trial, step: Int, others: [Trial], minimize: Bool) -> Bool {
        guard step >= warmupSteps, let value = trial.reports.last(where: { $0.step == step })?.value else { return false }
        if !value.isFinite { return true }
        let finished = others.filter { $0.state == .complete || $0.state == .pruned }
        guard finished.count >= startupTrials else { return false }
        // Each other trial's best value up to this step.
        let bests: [Double] = finished.compactMap { t in
            let upTo = t.reports.filter { $0.step <= step && $0.value.isFinite }.map(\.value)
            guard !upTo.isEmpty else { return nil }
            return minimize ? upTo.min()! : upTo.max()!
        }.sorted()
        guard !bests.isEmpty else { return false }
        let median = bests.count % 2 == 1 ? bests[bests.count / 2] : (bests[bests.count / 2 - 1] + bests[bests.count / 2]) / 2
        return minimize ? value > median : value < median
    }
}

/// Asynchronous successive halving (ASHA, Li et al. 2020): rungs at minResource·ηᵏ steps;
/// a trial reaching a rung goes on only if it is in the top 1/η of the trials that
/// reached that rung so far.
public struct SuccessiveHalvingPruner: Pruner {
    public var minResource: Int
    public var reductionFactor: Int
    public init(minResource: Int = 1, reductionFactor: Int = 3) {
        self.minResource = Swift.max(1, minResource); self.reductionFactor = Swift.max(2, reductionFactor)
    }
    public var name: String { "asha" }

    public func shouldPrune(_ trial: Trial, step: Int, others: [Trial], minimize: Bool) -> Bool {
        guard let value = trial.reports.last(where: { $0.step == step })?.value else { return false }
        if !value.isFinite { return true }
        // Is `step` a rung?
        var rung = minResource
        while rung < step { rung *= reductionFactor }
        guard rung == step else { return false }
        let atRung: [Double] = others.compactMap { t in t.reports.first { $0.step == step }?.value }.filter(\.isFinite) + [value]
        let keep = Swift.max(1, atRung.count / reductionFactor)
        guard atRung.count >= reductionFactor else { return false }
        let sorted = minimize ? atRung.sorted() : atRung.sorted(by: >)
        let cutoff = sorted[keep - 1]
        return minimize ? value > cutoff : value < cutoff
    }
}
