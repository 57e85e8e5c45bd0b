/// Independent uniform draws in the (warped) space: the baseline every other method must beat.
public final class RandomSampler: Sampler {
    public init() {}
    public var name: String { "random" }

    public func suggest(_ context: SamplingContext) throws(TuneError) -> [Double] {
        let g = context.generator(0x52)
        let taken = context.taken
        for _ in 0..<1000 {
            let raw = context.space.raw(fromUnit: g.unitPoint(context.space.count))
            if !taken.contains(context.space.key(raw)) { return raw }
        }
        throw TuneError.exhausted(taken.count)
    }
}
