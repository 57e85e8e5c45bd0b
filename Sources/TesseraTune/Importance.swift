import Foundation

/// How much each parameter matters: the first-order functional ANOVA of a Gaussian
/// process fitted to the complete trials (Hutter et al.'s fANOVA with a GP in place of the
/// random forest). A parameter's share is the variance of the model's mean as that
/// parameter alone moves, averaged over the others, over the sum of those variances.
public enum Importance {
    public static func mainEffects(_ study: Study, seed: UInt64 = 0) throws(TuneError) -> [(name: String, share: Double)] {
        let space = study.space
        let done = study.trials.filter { $0.state == .complete && $0.value(study.spec) != nil }
        guard done.count >= 3 else {
            throw TuneError("importance needs at least 3 complete trials; the study has \(done.count)")
        }
        let encoder = InputEncoder(space)
        let x = done.flatMap { encoder.encode(space.unit(ofRaw: $0.raw), relaxed: false) }
        let values = done.map { $0.value(study.spec)! }
        let (m, s) = OutputTransform.moments(values)
        let gp = try GaussianProcess.fit(x: x, y: values.map { ($0 - m) / s }, inputs: encoder.width, randomStarts: 1, seed: seed)
        let rng = RandomGeneratorBox(seed: seed ^ 0x1A2B)
        let base = (0..<256).map { _ in rng.unitPoint(space.count) }
        var variances: [Double] = []
        for (i, d) in space.dimensions.enumerated() {
            let levels: [Double]
            if case .categorical(let k) = d.kind { levels = (0..<k).map { (Double($0) + 0.5) / Double(k) } }
            else { levels = (0..<16).map { (Double($0) + 0.5) / 16 } }
            var means: [Double] = []
            for level in levels {
                let points = base.flatMap { u -> [Double] in var v = u; v[i] = level; return encoder.encode(v, relaxed: false) }
                let mean = gp.predict(points, count: base.count).mean
                means.append(mean.reduce(0, +) / Double(mean.count))
            }
            variances.append(variance(means))
        }
        let total = variances.reduce(0, +)
        return zip(space.dimensions, variances).map { ($0.name, total > 0 ? $1 / total : 1 / Double(space.count)) }
            .sorted { $0.1 > $1.1 }
    }

    private static func variance(_ v: [Double]) -> Double {
        let m = v.reduce(0, +) / Double(v.count)
        return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
    }
}
