/// NumPy's broadcasting rule, shared by every backend: shapes are aligned from the right,
/// and each pair of dimensions must be equal or one of them 1.
public enum Broadcast {
    /// The result shape of combining `a` and `b`.
    public static func shape(_ a: [Int], _ b: [Int]) throws(TensorError) -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw .shape("shapes \(a) and \(b) cannot be broadcast together: dimension \(i) is \(x) against \(y) (each pair must be equal or 1)")
            }
            out[i] = x == 1 ? y : x
        }
        // Broadcasting can multiply sizes: [n, 1] + [1, n] has n² values.
        if out.count > 1 { try HostMemory.check(shape: out, what: "combining shapes \(a) and \(b)") }
        return out
    }

    /// Checks that `a` broadcasts to exactly `target` (a reduction's gradient spread back).
    public static func check(_ a: [Int], to target: [Int]) throws(TensorError) {
        guard try shape(a, target) == target else { throw .shape("cannot broadcast a tensor of shape \(a) to \(target)") }
    }

    /// For each element of `result`, the offset of the element of an operand of `shape`
    /// that broadcasts to it (its strides are 0 along broadcast dimensions).
    public static func strides(of shape: [Int], in result: [Int]) -> [Int] {
        let pad = result.count - shape.count
        var strides = [Int](repeating: 0, count: result.count)
        var step = 1
        for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + pad] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }
}
