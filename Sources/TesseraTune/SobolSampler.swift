/// Points of a scrambled, seeded Sobol sequence: space-filling where random draws clump,
/// trial n gets point n, so parallel workers never repeat each other.
public final class SobolSampler: Sampler {
    private var sequence: SobolSequence?
    private var cache: [[Double]] = []

    public init() {}
    public var name: String { "sobol" }

    /// Point `index` of the sequence for this space and seed.
    func point(_ index: Int, dimensions: Int, seed: UInt64) throws(TuneError) -> [Double] {
        if sequence == nil || sequence!.dimensions != dimensions {
            sequence = try SobolSequence(dimensions: dimensions, scramble: true, seed: seed)
            cache = []
        }
        while cache.count <= index { cache.append(sequence!.next()) }
        return cache[index]
    }

    public func suggest(_ context: SamplingContext) throws(TuneError) -> [Double] {
        let taken = context.taken
        var index = context.number
        for _ in 0..<1000 {
            let raw = context.space.raw(fromUnit: try point(index, dimensions: context.space.count, seed: context.seed))
            if !taken.contains(context.space.key(raw)) { return raw }
            index += 1 + context.number  // discrete spaces repeat; jump ahead deterministically
        }
        return try RandomSampler().suggest(context)
    }
}
