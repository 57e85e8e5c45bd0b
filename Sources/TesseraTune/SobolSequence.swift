import TesseraTensor

/// A Sobol low-discrepancy sequence in up to 256 dimensions (Joe and Kuo's direction
/// numbers), optionally scrambled with a seeded linear matrix scramble and digital shift,
/// as SciPy's `qmc.Sobol` does: scrambling keeps the balance of every dyadic box and
/// removes the point at the origin and the alignment of the plain sequence.
public struct SobolSequence: Sendable {
    public static let maxDimensions = 256
    static let bits = 32

    public let dimensions: Int
    /// Direction numbers, `[dimension * bits + i]`, as 32-bit fractions.
    private var directions: [UInt32]
    private var shift: [UInt32]
    private var current: [UInt32]
    /// How many points have been drawn.
    public private(set) var count = 0

    public init(dimensions: Int, scramble: Bool = true, seed: UInt64 = 0) throws(TuneError) {
        guard dimensions >= 1 && dimensions <= Self.maxDimensions else {
            throw TuneError("a Sobol sequence takes 1 to \(Self.maxDimensions) dimensions, not \(dimensions)",
                            advice: "use method: .random for a space this large")
        }
        self.dimensions = dimensions
        let b = Self.bits
        directions = [UInt32](repeating: 0, count: dimensions * b)
        for d in 0..<dimensions {
            var m = [UInt32](repeating: 0, count: b)
            let (poly, initial) = Self.directions[d]
            if d == 0 {
                for i in 0..<b { m[i] = 1 }
            } else {
                let s = 31 - poly.leadingZeroBitCount  // the polynomial's degree
                for i in 0..<s { m[i] = initial[i] }
                if s < b {
                    for i in s..<b {
                        var value = m[i - s] ^ (m[i - s] << UInt32(s))
                        for k in 1..<s where (poly >> UInt32(s - k)) & 1 == 1 { value ^= m[i - k] << UInt32(k) }
                        m[i] = value
                    }
                }
            }
            for i in 0..<b { directions[d * b + i] = m[i] << UInt32(b - 1 - i) }
        }
        shift = [UInt32](repeating: 0, count: dimensions)
        if scramble {
            var rng = RandomGenerator(seed: seed ^ 0x50B0_15EE_D5C4_A3B1)
            for d in 0..<dimensions {
                // A random lower-triangular binary matrix with a unit diagonal, one row per
                // digit (the most significant digit first), applied to every direction number.
                var rows = [UInt32](repeating: 0, count: b)
                for r in 0..<b {
                    let above: UInt32 = r == 0 ? 0 : ~UInt32(0) << UInt32(b - r)
                    rows[r] = (UInt32(truncatingIfNeeded: rng.next()) & above) | (1 << UInt32(b - 1 - r))
                }
                for i in 0..<b {
                    let v = directions[d * b + i]
                    var scrambled: UInt32 = 0
                    for r in 0..<b where (rows[r] & v).nonzeroBitCount & 1 == 1 { scrambled |= 1 << UInt32(b - 1 - r) }
                    directions[d * b + i] = scrambled
                }
                shift[d] = UInt32(truncatingIfNeeded: rng.next())
            }
        }
        current = shift
    }

    /// The next point, in [0, 1)^dimensions.
    public mutating func next() -> [Double] {
        let point = current.map { Double($0) * 0x1p-32 }
        // Gray-code order: the next point differs from this one in the direction number of
        // the lowest zero bit of the index.
        let c = (~UInt64(count)).trailingZeroBitCount
        if c < Self.bits {
            for d in 0..<dimensions { current[d] ^= directions[d * Self.bits + c] }
        }
        count += 1
        return point
    }

    /// The next `n` points.
    public mutating func next(_ n: Int) -> [[Double]] { (0..<n).map { _ in next() } }
}
