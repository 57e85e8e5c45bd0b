/// The samplers and pruners by the names users and tools write (`.bayes`, `--method
/// sobol`, `pruner: .asha`), each declared once with a summary and how it is made. The
/// language's `tune` and the `tessera tune-bench` command both read this list.
public enum TuningMethods {
    /// What a sampler may be told when it is made.
    public struct Options: Sendable {
        /// The study's budget of trials.
        public var budget: Int
        /// Sobol trials before the model (`.bayes`); nil: its own default.
        public var startup: Int?
        /// Values per continuous parameter (`.grid`); nil: as many as the budget allows.
        public var gridPoints: Int?
        public init(budget: Int, startup: Int? = nil, gridPoints: Int? = nil) {
            self.budget = budget; self.startup = startup; self.gridPoints = gridPoints
        }
    }

    public struct SamplerKind: Sendable {
        public let name: String
        public let summary: String
        public let make: @Sendable (SearchSpace, Options) throws(TuneError) -> any Sampler
    }

    public struct PrunerKind: Sendable {
        public let name: String
        public let summary: String
        public let make: @Sendable () -> any Pruner
    }

    public static let samplers: [SamplerKind] = [
        SamplerKind(name: "bayes", summary: "a Gaussian process: Sobol trials first, then the point of most expected improvement") { space, o throws(TuneError) in
            let s = BayesSampler()
            // A small budget keeps most of its trials for the model: a third at most goes to
            // the Sobol start (ten by default).
            s.startup = o.startup.map { Swift.max(1, $0) } ?? Swift.min(BayesSampler.startupTrials(dimensions: space.count), Swift.max(4, o.budget / 3))
            return s
        },
        SamplerKind(name: "random", summary: "independent uniform draws (on log scales where the space says so)") { _, _ throws(TuneError) in RandomSampler() },
        SamplerKind(name: "sobol", summary: "a scrambled Sobol sequence: random-looking, but spread evenly") { space, _ throws(TuneError) in
            guard space.count <= SobolSequence.maxDimensions else {
                throw TuneError("method sobol takes up to \(SobolSequence.maxDimensions) parameters; this space has \(space.count)")
            }
            return SobolSampler()
        },
        SamplerKind(name: "grid", summary: "every point of a grid, in order") { space, o throws(TuneError) in
            let points = o.gridPoints ?? GridSampler.points(for: space, budget: o.budget)
            guard points >= 1 else { throw TuneError("gridPoints must be at least 1, got \(points)") }
            // The grid is enumerated in full, in order: it must stay a size one can walk.
            guard points <= SearchSpace.largestGrid, space.gridSize(points: points) <= SearchSpace.largestGrid else {
                throw TuneError("gridPoints \(points) makes a grid of more than \(SearchSpace.largestGrid) points for this space",
                                advice: "use fewer grid points, or the bayes or random method for a space this large")
            }
            return GridSampler(points: points)
        },
    ]

    public static let pruners: [PrunerKind] = [
        PrunerKind(name: "median", summary: "stops a trial whose report is below the median of the others at the same step") { MedianPruner() },
        PrunerKind(name: "asha", summary: "successive halving: keeps the best third at each rung") { SuccessiveHalvingPruner() },
    ]

    public static func sampler(_ name: String) -> SamplerKind? { samplers.first { $0.name == name } }
    public static func pruner(_ name: String) -> PrunerKind? { pruners.first { $0.name == name } }
}
