import TesseraTensor
import TesseraMetrics

/// What a sampler sees when it is asked for the next trial's parameters.
public struct SamplingContext: Sendable {
    public let space: SearchSpace
    /// Every trial of the study so far, running ones included (their points are taken).
    public let trials: [Trial]
    /// The number of the trial being suggested.
    public let number: Int
    public let spec: MetricSpec
    public let seed: UInt64

    public init(space: SearchSpace, trials: [Trial], number: Int, spec: MetricSpec, seed: UInt64) {
        self.space = space; self.trials = trials; self.number = number; self.spec = spec; self.seed = seed
    }

    /// Keys of the points already evaluated or being evaluated.
    var taken: Set<String> { Set(trials.filter { $0.number != number }.map { space.key($0.raw) }) }

    /// A generator for this trial alone, so a suggestion does not depend on which worker
    /// made the ones before it.
    func generator(_ salt: UInt64) -> RandomGeneratorBox {
        RandomGeneratorBox(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(number) &* 0xD1B5_4A32_D192_ED03 ^ salt)
    }
}

/// Chooses the next point of a study: raw values, one per dimension of the space (NaN
/// for a dimension the chosen options leave out).
public protocol Sampler: AnyObject {
    /// The method's name as the language writes it: `random`, `grid`, `sobol`, `bayes`.
    var name: String { get }
    func suggest(_ context: SamplingContext) throws(TuneError) -> [Double]
}


/// A seeded generator held by reference, so helpers can share one stream.
final class RandomGeneratorBox {
    var rng: RandomGenerator
    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }
    func uniform() -> Double { rng.nextDouble() }
    func normal() -> Double { rng.nextNormal() }
    func unitPoint(_ d: Int) -> [Double] { (0..<d).map { _ in rng.nextDouble() } }
}
