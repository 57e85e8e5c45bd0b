/// numpy's sum of Doubles: pairwise, over blocks of at most 128 values summed in eight
/// running accumulators. scikit-learn's metrics are numpy sums divided by a count or a weight,
/// so a metric summed this way agrees with scikit-learn's to the last bit, where a running
/// sum differs in the last place or two (0.24986221999999988 for 0.24986222000000002).
public enum PairwiseSum {
    /// The sum of `values`, as `numpy.sum` computes it for a contiguous array.
    public static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { sum($0) }
    }

    public static func sum(_ x: UnsafeBufferPointer<Double>) -> Double {
        let n = x.count
        if n < 8 {
            var s = 0.0
            for v in x { s += v }
            return s
        }
        if n <= 128 {
            var r0 = x[0], r1 = x[1], r2 = x[2], r3 = x[3], r4 = x[4], r5 = x[5], r6 = x[6], r7 = x[7]
            var i = 8
            while i < n - n % 8 {
                r0 += x[i]; r1 += x[i + 1]; r2 += x[i + 2]; r3 += x[i + 3]
                r4 += x[i + 4]; r5 += x[i + 5]; r6 += x[i + 6]; r7 += x[i + 7]
                i += 8
            }
            var s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { s += x[i]; i += 1 }
            return s
        }
        // Halves that keep the unrolled blocks whole, as numpy splits them.
        var half = n / 2
        half -= half % 8
        return sum(UnsafeBufferPointer(rebasing: x[..<half])) + sum(UnsafeBufferPointer(rebasing: x[half...]))
    }

    /// The mean of `values` weighted by `weights` (numpy's average): Σ w·v / Σ w.
    public static func average(_ values: [Double], weights: [Double]) -> Double {
        sum(zip(values, weights).map { $0 * $1 }) / sum(weights)
    }
}
