/// Row indices ordered by score, highest first, by a least-significant-digit radix sort
/// on the scores' bit patterns (four passes of 16 bits): linear time, so ranking 10^7
/// scores costs a few passes over memory instead of a comparison sort.
enum ScoreOrder {
    /// Indices by descending score; rows with equal scores keep their index order, as
    /// scikit-learn's stable descending sort keeps them (1.9; before, it reversed a stable
    /// ascending sort): weights within a tie are summed in the same order, so weighted
    /// curves and their areas agree to the last bit.
    static func descending(_ scores: [Double]) -> [Int32] {
        let n = scores.count
        guard n > 1 else { return n == 1 ? [0] : [] }
        // A key whose unsigned order is the scores' descending order.
        var keys = [UInt64](repeating: 0, count: n)
        var order = [Int32](repeating: 0, count: n)
        scores.withUnsafeBufferPointer { s in
            keys.withUnsafeMutableBufferPointer { k in
                for i in 0..<n {
                    // (-0.0 is 0: equal scores, kept in index order as numpy's sort keeps them.)
                    let bits = (s[i] == 0 ? 0.0 : s[i]).bitPattern
                    let ascending = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                    k[i] = ~ascending
                }
            }
        }
        // Equal keys keep their input order: indices fed in ascending order stay so among ties.
        for i in 0..<n { order[i] = Int32(i) }
        var keyBuffer = [UInt64](repeating: 0, count: n)
        var orderBuffer = [Int32](repeating: 0, count: n)
        var source = keys
        keys = []
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(pass * 16)
            for k in 0..<counts.count { counts[k] = 0 }
            // A pass whose digit is the same in every key would move nothing: skip it.
            let uniform = source.withUnsafeBufferPointer { src in
                counts.withUnsafeMutableBufferPointer { c -> Bool in
                    for i in 0..<n { c[Int((src[i] >> shift) & 0xFFFF)] += 1 }
                    if c[Int((src[0] >> shift) & 0xFFFF)] == n { return true }
                    var total = 0
                    for k in 0..<c.count { let x = c[k]; c[k] = total; total += x }
                    return false
                }
            }
            if uniform { continue }
            source.withUnsafeBufferPointer { src in
            order.withUnsafeBufferPointer { ord in
            keyBuffer.withUnsafeMutableBufferPointer { kb in
            orderBuffer.withUnsafeMutableBufferPointer { ob in
            counts.withUnsafeMutableBufferPointer { c in
                for i in 0..<n {
                    let d = Int((src[i] >> shift) & 0xFFFF)
                    let to = c[d]
                    c[d] = to + 1
                    kb[to] = src[i]
                    ob[to] = ord[i]
                }
            }}}}}
            swap(&source, &keyBuffer)
            swap(&order, &orderBuffer)
        }
        return order
    }
}
