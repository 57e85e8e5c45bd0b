import Foundation

/// Maximizes an acquisition over a space's unit cube: scores Sobol points and perturbed
/// incumbents in one batch, then polishes the best few by bounded L-BFGS on the numeric
/// parameters and by trying the neighbours of the discrete ones (every other option of a
/// choice, the integers on either side). Returns candidates best first.
struct AcquisitionSearch {
    let space: SearchSpace
    let encoder: InputEncoder
    let acquisition: Acquisition
    let rng: RandomGeneratorBox
    let seed: UInt64
    var rawCandidates = 1024
    var perturbationsPerIncumbent = 128
    var starts = 5

    func run(incumbents: [[Double]]) -> [[Double]] {
        let d = space.count
        var pool: [[Double]] = []
        if d <= SobolSequence.maxDimensions, var sobol = try? SobolSequence(dimensions: d, scramble: true, seed: seed) {
            pool = sobol.next(Swift.min(rawCandidates, Swift.max(256, 128 * d)))
        } else {
            pool = (0..<rawCandidates).map { _ in rng.unitPoint(d) }
        }
        for center in incumbents {
            for k in 0..<perturbationsPerIncumbent {
                // Scales from a tenth to a thousandth of the cube: near the incumbent, nearer.
                let scale = 0.1 * pow(0.01, Double(k % 4) / 3)
                var u = center
                for i in 0..<d {
                    if space.dimensions[i].isDiscrete && !space.dimensions[i].isInteger {
                        if rng.uniform() < 1 / Double(d) { u[i] = rng.uniform() }
                    } else if rng.uniform() < Swift.max(0.2, 1 / Double(d)) || d <= 4 {
                        u[i] = Swift.min(1, Swift.max(0, u[i] + scale * rng.normal()))
                    }
                }
                pool.append(u)
            }
        }
        let encoded = pool.flatMap { encoder.encode($0, relaxed: false) }
        let scores = acquisition.values(encoded, count: pool.count)
        let order = pool.indices.sorted { scores[$0] > scores[$1] }
        var results: [([Double], Double)] = []
        var seen = Set<String>()
        for i in order {
            let key = space.key(space.raw(fromUnit: pool[i]))
            guard seen.insert(key).inserted else { continue }
            results.append(polish(pool[i], scores[i]))
            if results.count >= starts { break }
        }
        // The polished points first, then the rest of the batch as fallbacks.
        results.sort { $0.1 > $1.1 }
        return results.map(\.0) + order.prefix(64).map { pool[$0] }
    }

    private func score(_ u: [Double]) -> Double { acquisition.values(encoder.encode(u, relaxed: false), count: 1)[0] }

    /// Local refinement of one start.
    private func polish(_ start: [Double], _ startScore: Double) -> ([Double], Double) {
        var u = start, best = startScore
        for round in 0..<2 {
            let before = u
            u = gradientStep(u)
            u = snap(u)
            let s = score(u)
            if s >= best { best = s } else { u = before }
            var moved = false
            for i in 0..<space.count where space.dimensions[i].isDiscrete {
                let raw = space.raw(fromUnit: u)
                guard !raw[i].isNaN else { continue }
                for candidate in neighbours(i, raw[i]) {
                    var v = u
                    v[i] = space.dimensions[i].unit(of: candidate)
                    let s = score(v)
                    if s > best + 1e-12 { best = s; u = v; moved = true }
                }
            }
            if !moved && round > 0 { break }
        }
        return (u, best)
    }

    private func neighbours(_ i: Int, _ value: Double) -> [Double] {
        switch space.dimensions[i].kind {
        case .categorical(let k): return (0..<k).map(Double.init).filter { $0 != value }
        case .integer(let lo, let hi, _): return [value - 1, value + 1, value - 2, value + 2].filter { $0 >= Double(lo) && $0 <= Double(hi) }
        case .continuous: return []
        }
    }

    /// Integers to the centre of their cell.
    private func snap(_ u: [Double]) -> [Double] {
        let raw = space.raw(fromUnit: u)
        var v = u
        for i in 0..<space.count where space.dimensions[i].isInteger && !raw[i].isNaN { v[i] = space.dimensions[i].unit(of: raw[i]) }
        return v
    }

    /// Bounded L-BFGS on the active numeric parameters, choices held fixed.
    private func gradientStep(_ u: [Double]) -> [Double] {
        let raw = space.raw(fromUnit: u)
        let free = (0..<space.count).filter { !raw[$0].isNaN && (space.dimensions[$0].isInteger || !space.dimensions[$0].isDiscrete) }
        guard !free.isEmpty else { return u }
        let r = BoundedLBFGS.minimize(start: free.map { u[$0] }, lower: [Double](repeating: 0, count: free.count),
                                      upper: [Double](repeating: 1, count: free.count), maxIterations: 40, tolerance: 1e-5) { z in
            var v = u
            for (j, i) in free.enumerated() { v[i] = z[j] }
            let (value, gradient) = acquisition.valueAndGradient(encoder.encode(v, relaxed: true))
            return (-value, free.map { -gradient[encoder.offsets[$0]] })
        }
        var v = u
        for (j, i) in free.enumerated() { v[i] = r.x[j] }
        return v
    }
}
