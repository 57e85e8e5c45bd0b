import Foundation
import TesseraMetrics
import TesseraTensor

/// Gaussian-process Bayesian optimization, the default method. After a scrambled Sobol
/// start, each suggestion fits a Matérn-5/2 ARD process to the power-transformed results
/// and maximizes log expected improvement (times the probability that each constraint
/// holds) by multi-start local search from Sobol points and perturbed incumbents, with
/// integers and choices rounded inside the acquisition. Running trials are fantasized at
/// the model's mean (the kriging believer), so concurrent workers get different points;
/// a failed trial counts as the worst result seen; two objectives are scalarized with a
/// random weight per suggestion (ParEGO).
public final class BayesSampler: Sampler {
    /// Trials drawn from the Sobol sequence before the model takes over (nil: by dimension).
    public var startup: Int?
    private var hyperparameters: GaussianProcess.Hyperparameters?
    private var constraintHyperparameters: [String: GaussianProcess.Hyperparameters] = [:]
    private let sobol = SobolSampler()

    public init(startup: Int? = nil) { self.startup = startup }
    public var name: String { "bayes" }

    /// Sobol trials before the first model: ten (as Optuna's GPSampler), more for a space
    /// with more than nine dimensions, so each is seen to vary.
    public static func startupTrials(dimensions d: Int) -> Int { Swift.max(10, d + 1) }

    public func suggest(_ c: SamplingContext) throws(TuneError) -> [Double] {
        let space = c.space
        let others = c.trials.filter { $0.number != c.number }
        let finished = others.filter { $0.state != .running }
        let successes = finished.filter { $0.objectives(c.spec) != nil }
        if finished.count < (startup ?? Self.startupTrials(dimensions: space.count)) || successes.count < 2 {
            return space.count <= SobolSequence.maxDimensions ? try sobol.suggest(c) : try RandomSampler().suggest(c)
        }
        let rng = c.generator(0xB4)
        let encoder = InputEncoder(space)

        // Targets, to minimize: the objective (or ParEGO's scalarization), the worst
        // success for failures.
        let scalar = scalarization(c.spec, successes, rng)
        let worst = successes.map(scalar).max()!
        var inputs = finished.flatMap { encoder.encode(space.unit(ofRaw: $0.raw), relaxed: false) }
        let raw = finished.map { $0.objectives(c.spec) != nil ? scalar($0) : worst }
        let transform = OutputTransform(fitting: raw)
        var targets = raw.map(transform.apply)
        let columns = encoder.width
        // Random restarts of the kernel fit while the data are few; after that the last
        // fit (warm start) and the priors' mode suffice (same regrets, a third less time).
        var gp = try GaussianProcess.fit(x: inputs, y: targets, inputs: columns, starts: hyperparameters.map { [$0] } ?? [],
                                         randomStarts: finished.count < 30 ? 2 : 0, seed: rng.rng.next())
        hyperparameters = gp.hyperparameters
        var best = Double.infinity
        for (i, t) in finished.enumerated() where t.objectives(c.spec) != nil && t.isFeasible(c.spec) { best = Swift.min(best, targets[i]) }

        // Constraint models: one process per constraint on its standardized margin.
        var constraints: [ConstraintModel] = []
        for spec in c.spec.constraints {
            // The rows already encoded for the objective's process, where the metric was measured.
            var cx: [Double] = [], margins: [Double] = []
            for (i, t) in finished.enumerated() {
                guard let v = t.metric(spec.name), v.isFinite else { continue }
                cx += inputs[(i * columns)..<((i + 1) * columns)]
                margins.append(Self.margin(spec, v))
            }
            guard margins.count >= 2 else { continue }
            let (m, s) = OutputTransform.moments(margins)
            let cgp = try GaussianProcess.fit(x: cx, y: margins.map { ($0 - m) / s }, inputs: columns,
                                              starts: constraintHyperparameters[spec.name].map { [$0] } ?? [], randomStarts: 0, seed: rng.rng.next())
            constraintHyperparameters[spec.name] = cgp.hyperparameters
            constraints.append(ConstraintModel(gp: cgp, threshold: -m / s))
        }

        // Running trials: fantasize their results at the posterior mean.
        let pending = others.filter { $0.state == .running }
        if !pending.isEmpty {
            let px = pending.flatMap { encoder.encode(space.unit(ofRaw: $0.raw), relaxed: false) }
            let (mean, _) = gp.predict(px, count: pending.count)
            inputs += px; targets += mean
            gp = try GaussianProcess(x: inputs, y: targets, inputs: columns, hyperparameters: gp.hyperparameters)
        }

        var acquisition = Acquisition(gp: gp, best: best, constraints: constraints)
        // A portfolio of two: every third suggestion takes the lower confidence bound, which
        // looks further from the incumbent than EI (on the benchmark it found the global
        // basin of Hartmann-6 and Ackley more often). With constraints, EI times the
        // probability of feasibility throughout.
        if constraints.isEmpty && c.number % 3 == 2 { acquisition.kappa = 2 }
        let incumbents = finished.indices.filter { finished[$0].objectives(c.spec) != nil }.sorted { targets[$0] < targets[$1] }.prefix(3).map { space.unit(ofRaw: finished[$0].raw) }
        let search = AcquisitionSearch(space: space, encoder: encoder, acquisition: acquisition, rng: rng, seed: c.seed ^ UInt64(c.number))
        let taken = c.taken
        for candidate in search.run(incumbents: incumbents) {
            let r = space.raw(fromUnit: candidate)
            if !taken.contains(space.key(r)) { return r }
        }
        return try RandomSampler().suggest(c)
    }

    /// How far a value is inside a constraint (negative: violated).
    static func margin(_ c: MetricSpec.Constraint, _ v: Double) -> Double {
        Swift.min(c.atLeast.map { v - $0 } ?? .infinity, c.atMost.map { $0 - v } ?? .infinity)
    }

    /// One number to minimize per trial: the objective, or for two objectives an augmented
    /// Chebyshev scalarization of the normalized pair with a random weight (ParEGO).
    private func scalarization(_ spec: MetricSpec, _ successes: [Trial], _ rng: RandomGeneratorBox) -> (Trial) -> Double {
        let signs = spec.objectives.map { $0.direction == .maximize ? -1.0 : 1.0 }
        if spec.objectives.count == 1 { return { signs[0] * $0.objectives(spec)![0] } }
        let values = successes.map { t in zip(t.objectives(spec)!, signs).map { $0 * $1 } }
        let lows = (0..<signs.count).map { i in values.map { $0[i] }.min()! }
        let highs = (0..<signs.count).map { i in values.map { $0[i] }.max()! }
        let u = rng.uniform()
        let weights = [u, 1 - u]
        return { t in
            let f = zip(t.objectives(spec)!, signs).enumerated().map { i, p in (p.0 * p.1 - lows[i]) / Swift.max(highs[i] - lows[i], 1e-12) }
            let weighted = zip(weights, f).map { $0 * $1 }
            return weighted.max()! + 0.05 * weighted.reduce(0, +)
        }
    }
}

/// A constraint's model: feasible where its standardized margin is above `threshold`.
struct ConstraintModel {
    let gp: GaussianProcess
    let threshold: Double
}

/// Maps unit-cube points of a space to the process's inputs: one column per number, one
/// per option (one-hot) per choice; inactive parameters sit at the centre (or all zeros).
struct InputEncoder {
    let space: SearchSpace
    let offsets: [Int]
    let width: Int

    init(_ space: SearchSpace) {
        self.space = space
        var offsets: [Int] = [], w = 0
        for d in space.dimensions {
            offsets.append(w)
            if case .categorical(let k) = d.kind { w += k } else { w += 1 }
        }
        self.offsets = offsets; width = w
    }

    /// `relaxed`: integers at their unrounded position (for gradients); otherwise rounded.
    func encode(_ u: [Double], relaxed: Bool) -> [Double] {
        let raw = space.raw(fromUnit: u)
        var x = [Double](repeating: 0, count: width)
        for (i, d) in space.dimensions.enumerated() {
            let o = offsets[i]
            switch d.kind {
            case .continuous: x[o] = raw[i].isNaN ? 0.5 : Swift.min(1, Swift.max(0, u[i]))
            case .integer: x[o] = raw[i].isNaN ? 0.5 : relaxed ? Swift.min(1, Swift.max(0, u[i])) : d.unit(of: raw[i])
            case .categorical: if !raw[i].isNaN { x[o + Int(raw[i])] = 1 }
            }
        }
        return x
    }
}

/// Log expected improvement plus the log probability of feasibility of each constraint.
struct Acquisition {
    let gp: GaussianProcess
    let best: Double
    let constraints: [ConstraintModel]
    /// When set, the lower confidence bound μ − κσ (negated, to maximize) replaces log EI:
    /// the more exploratory member of the portfolio.
    var kappa: Double? = nil

    func values(_ x: [Double], count m: Int) -> [Double] {
        var out = [Double](repeating: 0, count: m)
        if let kappa {
            let (mean, variance) = gp.predict(x, count: m)
            for i in 0..<m { out[i] = -(mean[i] - kappa * variance[i].squareRoot()) }
        } else if best.isFinite {
            let (mean, variance) = gp.predict(x, count: m)
            for i in 0..<m { out[i] = ExpectedImprovement.logEI(mean: mean[i], sd: variance[i].squareRoot(), best: best) }
        }
        for c in constraints {
            let (mean, variance) = c.gp.predict(x, count: m)
            for i in 0..<m { out[i] += ExpectedImprovement.logNormalCDF((mean[i] - c.threshold) / variance[i].squareRoot()) }
        }
        return out
    }

    func valueAndGradient(_ x: [Double]) -> (Double, [Double]) {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: x.count)
        if let kappa {
            let p = gp.predictWithGradient(x)
            let sd = p.variance.squareRoot()
            value = -(p.mean - kappa * sd)
            for i in x.indices { gradient[i] = -(p.dMean[i] - kappa * p.dVariance[i] / (2 * sd)) }
        } else if best.isFinite {
            let p = gp.predictWithGradient(x)
            let sd = p.variance.squareRoot()
            let z = (best - p.mean) / sd
            value = log(sd) + ExpectedImprovement.logH(z)
            let dlh = ExpectedImprovement.dLogH(z)
            for i in x.indices {
                let dsd = p.dVariance[i] / (2 * sd)
                let dz = -p.dMean[i] / sd - z * dsd / sd
                gradient[i] = dsd / sd + dlh * dz
            }
        }
        for c in constraints {
            let p = c.gp.predictWithGradient(x)
            let sd = p.variance.squareRoot()
            let z = (p.mean - c.threshold) / sd
            value += ExpectedImprovement.logNormalCDF(z)
            let mills = ExpectedImprovement.inverseMills(z)
            for i in x.indices {
                let dsd = p.dVariance[i] / (2 * sd)
                gradient[i] += mills * (p.dMean[i] / sd - z * dsd / sd)
            }
        }
        return (value, gradient)
    }
}
