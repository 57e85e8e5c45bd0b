/// Row indices ordered by score, highest first, by a least-significant-digit radix sort
/// on the scores' bit patterns (four passes of 16 bits): linear time, so ranking 10^7
/// scores costs a few passes over memory instead of a comparison sort.
enum ScoreOrder {
    /// Indices by descending score; rows with equal scores keep descending index order
    /// (scikit-learn's reversed stable sort), so ties are grouped the same way.
    static func descending(_ scores: [Double]) -> [Int32] {
        let n = scores.count
        guard n > 1 else { return n == 1 ? [0] : [] }
        // A key whose unsigned order is the scores' descending order.
        var keys = [UInt64](repeating: 0, count: n)
        var order = [Int32](repeating: 0, count: n)
        scores.withUnsafeBufferPointer { s in
            keys.withUnsafeMutableBufferPointer { k in
                for i in 0..<n {
                    let bits = s[i].bitPattern
                    let ascending = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                    k[i] = ~ascending
                }
            }
        }
        // Equal keys keep their input order; feeding indices in descending order gives
        // descending index order among ties.
        for i in 0..<n { order[i] = Int32(n - 1 - i) }
        var keyBuffer = [UInt64](repeating: 0, count: n)
        var orderBuffer = [Int32](repeating: 0, count: n)
        var source = keys.withUnsafeBufferPointer { k in (0..<n).map { k[n - 1 - $0] } }
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
