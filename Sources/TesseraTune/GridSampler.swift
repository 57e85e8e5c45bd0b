/// Every point of a grid, in order: the method whose cost users should see next to the
/// others. `points` values per continuous dimension; every option of a choice.
public final class GridSampler: Sampler {
    public let points: Int
    private var grid: [[Double]]?

    public init(points: Int) { self.points = Swift.max(1, points) }
    public var name: String { "grid" }

    /// The grid for a space, computed once.
    public func grid(_ space: SearchSpace) -> [[Double]] {
        if let grid { return grid }
        let g = space.grid(points: points)
        grid = g
        return g
    }

    /// The largest number of points per dimension whose grid fits in `budget` trials (at least 2).
    public static func points(for space: SearchSpace, budget: Int) -> Int {
        var k = 2
        while k < 64 && space.gridSize(points: k + 1) <= budget { k += 1 }
        return k
    }

    public func suggest(_ context: SamplingContext) throws(TuneError) -> [Double] {
        let g = grid(context.space)
        guard context.number < g.count else {
            var e = TuneError("the grid has \(g.count) points and all of them have been tried")
            e.isExhausted = true
            throw e
        }
        return g[context.number]
    }
}
