import Foundation

/// Distinct byte strings of one text column, each with a code: looking up a field hashes
/// its bytes in place, and a String is made only once per distinct value, not per row.
struct StringInterner: Sendable {
    /// Open addressing: per slot the code (low 32 bits), the value's length (8 bits, 255
    /// for longer) and the top 24 bits of its hash, or all ones for an empty slot, so a
    /// probe rarely needs to look anywhere else.
    /// Empty until the first value: a file of a million columns has a million interners,
    /// most of them never used.
    private var slots: [UInt64] = []
    private var hashes: [UInt64] = []
    /// The first `keyed` values' keys (see `key`), two words per value: with the length,
    /// the whole value when it is 16 bytes or shorter, as most CSV texts are, so a lookup
    /// compares two words and not bytes in the arena. A column of a million different
    /// values (an id) is compared in the arena past them: its keys would take more memory
    /// than its texts, and its lookups mostly find an empty slot.
    private var heads: [UInt64] = []
    private static let keyed = 1 << 16
    /// The bytes of every distinct value, end to end; value k is arena[offsets[k]..<offsets[k + 1]].
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    /// How each value is decoded: 0 UTF-8, 1 Latin-1 (the file is Latin-1), 2 UTF-8 with
    /// its stray bytes read as Latin-1 (see TextDecoding).
    private var decodings: [UInt8] = []

    var count: Int { hashes.count }

    /// Every value gets a code of its own, repeats included, without a lookup: a column whose
    /// values are nearly all different (an id) only lists its texts, chunk by chunk
    /// (`appendList`), and its few repeats are found once, at the end (`deduplicated`),
    /// instead of a lookup per row in one table of a million values.
    var listsOnly = false

    /// The code of these bytes, adding them when new. `undecodable` is true the first time
    /// a value that is not UTF-8 is added (its stray bytes will be read as Latin-1).
    mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int, latin1: Bool, undecodable: inout Bool) -> Int32 {
        let key = Self.key(p, n)
        let (h, ascii) = Self.hash(p, n, key)
        return code(p, n, key: key, hash: h, ascii: ascii, latin1: latin1, undecodable: &undecodable)
    }

    /// The slot a hash starts probing at, read ahead of `code` so that the reads of a batch
    /// of fields miss the cache together rather than one after another (a table of a
    /// million distinct values does not fit in the cache; its reads were most of the time).
    @inline(__always)
    func peek(_ h: UInt64) -> UInt64 { slots.isEmpty ? 0 : slots[Int(truncatingIfNeeded: h) & (slots.count - 1)] }

    /// `code`, for bytes already keyed and hashed.
    @inline(__always)
    private mutating func code(_ p: UnsafePointer<UInt8>, _ n: Int, key: (UInt64, UInt64), hash h: UInt64, ascii: Bool, latin1: Bool,
                               undecodable: inout Bool) -> Int32 {
        var slot = 0
        if !listsOnly {
            let (free, found) = probe(p, n, key: key, hash: h)
            if let found { return found }
            slot = free
        }
        let notUTF8 = !latin1 && !ascii && String(validating: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) == nil
        undecodable = notUTF8
        let decoding: UInt8 = latin1 ? 1 : notUTF8 ? 2 : 0
        return listsOnly ? append(p, n, key: key, hash: h, decoding: decoding) : insert(p, n, key: key, hash: h, at: slot, decoding: decoding)
    }

    /// What a slot holds above the code: the hash's top 24 bits and the length.
    @inline(__always)
    private static func tag(_ h: UInt64, _ n: Int) -> UInt64 { (h >> 40) << 8 | UInt64(Swift.min(n, 255)) }

    /// The code of these bytes if they are here; otherwise the empty slot where they go.
    @inline(__always)
    private mutating func probe(_ p: UnsafePointer<UInt8>, _ n: Int, key: (UInt64, UInt64), hash h: UInt64) -> (slot: Int, code: Int32?) {
        if slots.isEmpty { makeTable() }
        let mask = slots.count - 1
        let tag = Self.tag(h, n)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot == .max { return (i, nil) }
            if slot >> 32 == tag {
                let c = Int(slot & 0xFFFF_FFFF)
                if c < Self.keyed ? heads[2 &* c] == key.0 && heads[2 &* c &+ 1] == key.1 && (n <= 16 || sameBytes(c, p, n)) : sameBytes(c, p, n) {
                    return (i, Int32(c))
                }
            }
            i = (i + 1) & mask
        }
    }

    /// Whether value `c` is these bytes (a long one: the key holds its first 16 bytes).
    @inline(never)
    private func sameBytes(_ c: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let s = offsets[c], e = offsets[c + 1]
        return e - s == n && arena.withUnsafeBufferPointer { Self.same($0.baseAddress! + s, p, n) }
    }

    /// Whether `n` bytes at `a` and `b` are the same: eight at a time, inline (a call to
    /// memcmp cost more than comparing the short texts CSV columns hold).
    @inline(__always)
    static func same(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= n {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// Adds new bytes at an empty slot that `probe` found.
    @inline(__always)
    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, key: (UInt64, UInt64), hash h: UInt64, at i: Int, decoding: UInt8) -> Int32 {
        let c = append(p, n, key: key, hash: h, decoding: decoding)
        slots[i] = Self.tag(h, n) << 32 | UInt64(c)
        // A quarter full while the table is small (most lookups then hit the first slot they
        // try, and the branch that decides it is predicted), half full once it is megabytes.
        if hashes.count * (slots.count < 1 << 16 ? 4 : 2) > slots.count { grow() }
        return c
    }

    /// The value's bytes, key, hash and decoding, after the others: its code.
    @inline(__always)
    private mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int, key: (UInt64, UInt64), hash h: UInt64, decoding: UInt8) -> Int32 {
        let c = Int32(hashes.count)
        hashes.append(h)
        if c < Self.keyed {
            heads.append(key.0)
            heads.append(key.1)
        }
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        offsets.append(arena.count)
        decodings.append(decoding)
        return c
    }

    /// Every value of `other` (another chunk's interner) added here, in its code order: the
    /// code here of each of its codes, and whether each was new here. The hashes are
    /// reused, and the slots of a batch are read ahead together (see `peek`).
    mutating func absorb(_ other: StringInterner) -> (codes: [Int32], added: [Bool]) {
        var codes = [Int32](repeating: 0, count: other.count), added = [Bool](repeating: false, count: other.count)
        var touched: UInt64 = 0
        other.arena.withUnsafeBufferPointer { a in
            let base = a.baseAddress ?? UnsafePointer(bitPattern: 1)!
            var from = 0
            while from < other.count {
                let to = Swift.min(other.count, from + 16)
                for k in from..<to { touched ^= peek(other.hashes[k]) }
                for k in from..<to {
                    let s = other.offsets[k], n = other.offsets[k + 1] - s
                    let key = k < Self.keyed ? (other.heads[2 * k], other.heads[2 * k + 1]) : Self.key(base + s, n)
                    let (slot, found) = probe(base + s, n, key: key, hash: other.hashes[k])
                    if let found { codes[k] = found; continue }
                    codes[k] = insert(base + s, n, key: key, hash: other.hashes[k], at: slot, decoding: other.decodings[k])
                    added[k] = true
                }
                from = to
            }
        }
        if touched == 0x5EED { peekSink &+= 1 }
        return (codes, added)
    }

    /// Written only so the reads ahead are not optimized away.
    private var peekSink = 0

    /// The table, on the first lookup: for values made by a list (`deduplicated`), which
    /// are mostly only made into Strings, it is never needed.
    @inline(never)
    private mutating func makeTable() {
        var size = 64
        while size < count * 4 { size *= 2 }
        if count == 0 { slots = [UInt64](repeating: .max, count: size) } else { rehash(into: size) }
    }

    /// Every value of `other` after these, repeats and all (this is a list: `listsOnly`).
    mutating func appendList(_ other: StringInterner) {
        let shift = arena.count
        arena += other.arena
        offsets += other.offsets.dropFirst().lazy.map { $0 + shift }
        hashes += other.hashes
        decodings += other.decodings
        // Keys for the first `keyed` values only, as `append` keeps them.
        other.arena.withUnsafeBufferPointer { a in
            var k = 0
            while heads.count < 2 * Self.keyed && k < other.count {
                let key = k < Self.keyed ? (other.heads[2 * k], other.heads[2 * k + 1])
                                         : Self.key(a.baseAddress! + other.offsets[k], other.offsets[k + 1] - other.offsets[k])
                heads.append(key.0)
                heads.append(key.1)
                k += 1
            }
        }
    }

    /// A list's distinct values in order of first appearance, and the code among them of
    /// each entry. The repeats are found in partitions of a few thousand entries by their
    /// hash's top bits, on every core: each partition's table stays in the cache, where one
    /// table of a million values would miss it on nearly every lookup.
    /// `codes` is nil when there were no repeats: each entry's code is then its own number.
    func deduplicated() -> (values: StringInterner, codes: [Int32]?) {
        let n = count
        var values = self
        values.listsOnly = false
        values.slots = []
        guard n > 0 else { return (values, nil) }
        var bits = 0
        while (n >> bits) > 4096 && bits < 8 { bits += 1 }
        let (starts, pairs) = groupedByHash(bits: bits)
        let (first, repeats) = firstEntries(starts, pairs)
        // No repeats (an id): the list is the values.
        if !repeats { return (values, nil) }
        // Codes in order of first appearance (entries are in row order).
        var codes = [Int32](repeating: 0, count: n)
        var distinct: Int32 = 0
        for e in 0..<n {
            if first[e] == Int32(e) { codes[e] = distinct; distinct += 1 } else { codes[e] = codes[Int(first[e])] }
        }
        values = StringInterner()
        values.reserveValues(Int(distinct), bytesEach: bytesPerValue)
        arena.withUnsafeBufferPointer { a in
            for e in 0..<n where first[e] == Int32(e) {
                let s = offsets[e], length = offsets[e + 1] - s
                let p = a.baseAddress! + s
                _ = values.append(p, length, key: Self.key(p, length), hash: hashes[e], decoding: decodings[e])
            }
        }
        return (values, codes)
    }

    /// Each entry's hash and number, grouped by the hash's top `bits` bits, each group in entry
    /// order (`starts[q]..<starts[q + 1]` is group q): a group's lookups then read only its own
    /// few pages. Grouped on every core, each core a run of entries, its share of each group
    /// after the earlier cores'.
    private func groupedByHash(bits: Int) -> (starts: [Int], pairs: [(hash: UInt64, entry: Int32)]) {
        let n = count, parts = 1 << bits
        let shift = UInt64(64 - bits)
        let part: @Sendable (UInt64) -> Int = { bits == 0 ? 0 : Int(truncatingIfNeeded: $0 >> shift) }
        let cores = n >= 1 << 16 ? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
        var counts = [Int](repeating: 0, count: cores * parts)
        var starts = [Int](repeating: 0, count: parts + 1)
        // Every slot is written below before it is read.
        var pairs = [(hash: UInt64, entry: Int32)](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        hashes.withUnsafeBufferPointer { hashes in
            let hashes = SendablePointer(UnsafeMutablePointer(mutating: hashes.baseAddress!))
            counts.withUnsafeMutableBufferPointer { counts in
                let counts = SendablePointer(counts.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: cores) { w in
                    for e in (w * n / cores)..<((w + 1) * n / cores) { counts.pointer[w * parts + part(hashes.pointer[e])] += 1 }
                }
            }
            // Where each core's share of each group starts.
            var at = 0
            for q in 0..<parts {
                starts[q] = at
                for w in 0..<cores {
                    let c = counts[w * parts + q]
                    counts[w * parts + q] = at
                    at += c
                }
            }
            starts[parts] = n
            pairs.withUnsafeMutableBufferPointer { pairs in
                let (pairs, next) = (SendablePointer(pairs.baseAddress!), counts)
                DispatchQueue.concurrentPerform(iterations: cores) { w in
                    var next = Array(next[(w * parts)..<((w + 1) * parts)])
                    for e in (w * n / cores)..<((w + 1) * n / cores) {
                        let h = hashes.pointer[e], q = part(h)
                        pairs.pointer[next[q]] = (h, Int32(e))
                        next[q] += 1
                    }
                }
            }
        }
        return (starts, pairs)
    }

    /// The first entry with each entry's value (an entry before it, or itself), found group by
    /// group on every core, each group's table small enough to stay in the cache; and whether
    /// any value repeats.
    private func firstEntries(_ starts: [Int], _ pairs: [(hash: UInt64, entry: Int32)]) -> (first: [Int32], repeats: Bool) {
        let n = count, parts = starts.count - 1
        let workers = Swift.min(parts, ProcessInfo.processInfo.activeProcessorCount)
        // Every slot is written below before it is read.
        var first = [Int32](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        var repeatsBy = [Int](repeating: 0, count: workers)
        repeatsBy.withUnsafeMutableBufferPointer { repeatsBy in
        first.withUnsafeMutableBufferPointer { out in
        pairs.withUnsafeBufferPointer { pairs in
        offsets.withUnsafeBufferPointer { offsets in
        arena.withUnsafeBufferPointer { arena in
            let (repeatsOut, out) = (SendablePointer(repeatsBy.baseAddress!), SendablePointer(out.baseAddress!))
            let (pairs, offsets) = (SendablePointer(UnsafeMutablePointer(mutating: pairs.baseAddress!)), SendablePointer(UnsafeMutablePointer(mutating: offsets.baseAddress!)))
            let bytes = SendablePointer(UnsafeMutablePointer(mutating: arena.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var table: [Int32] = []
                var repeats = 0
                for q in stride(from: w, to: parts, by: workers) {
                    let lo = starts[q], hi = starts[q + 1]
                    var size = 16
                    while size < (hi - lo) * 2 { size *= 2 }
                    table.removeAll(keepingCapacity: true)
                    table.append(contentsOf: repeatElement(-1, count: size))
                    let mask = size - 1
                    table.withUnsafeMutableBufferPointer { table in
                        for i in lo..<hi {
                            let (h, e) = pairs.pointer[i]
                            var slot = Int(truncatingIfNeeded: h) & mask
                            while true {
                                let k = Int(table[slot])
                                if k < 0 { table[slot] = Int32(i); out.pointer[Int(e)] = e; break }
                                let (kh, c) = pairs.pointer[k]
                                if kh == h {
                                    let s = offsets.pointer[Int(e)], cs = offsets.pointer[Int(c)], length = offsets.pointer[Int(e) + 1] - s
                                    if offsets.pointer[Int(c) + 1] - cs == length && Self.same(bytes.pointer + cs, bytes.pointer + s, length) {
                                        out.pointer[Int(e)] = c
                                        repeats += 1
                                        break
                                    }
                                }
                                slot = (slot + 1) & mask
                            }
                        }
                    }
                }
                repeatsOut.pointer[w] = repeats
            }
        }}}}}
        return (first, repeatsBy.contains { $0 > 0 })
    }

    /// Empty again, keeping the memory (a chunk's interner is reused for the next chunk).
    mutating func removeAll() {
        if !slots.isEmpty { slots.withUnsafeMutableBufferPointer { $0.update(repeating: .max) } }
        hashes.removeAll(keepingCapacity: true)
        heads.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        decodings.removeAll(keepingCapacity: true)
    }

    /// The average bytes of a value (to size an arena for many more like them).
    var bytesPerValue: Int { count == 0 ? 1 : arena.count / count + 1 }

    private mutating func grow() { rehash(into: slots.count * 2) }

    /// Every value's slot again, in a table of `size` slots (a power of two).
    private mutating func rehash(into size: Int) {
        slots = [UInt64](hugePagesRepeating: .max, count: size)
        let mask = size - 1
        for (c, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != .max { i = (i + 1) & mask }
            slots[i] = Self.tag(h, offsets[c + 1] - offsets[c]) << 32 | UInt64(c)
        }
    }

    /// The distinct values as Strings, in code order.
    func strings() -> [String] {
        // A million values (an id column) are made on every core: this is the last step of a
        // read, with nothing else left to overlap it.
        let parts = count >= 1 << 16 ? 4 : 1
        return [String](unsafeUninitializedCapacity: count) { out, initialized in
            let target = SendablePointer(out.baseAddress!)
            arena.withUnsafeBufferPointer { a in
            offsets.withUnsafeBufferPointer { o in
            decodings.withUnsafeBufferPointer { d in
                let (arena, offsets, decodings) = (SendablePointer(UnsafeMutablePointer(mutating: a.baseAddress ?? UnsafePointer(bitPattern: 1)!)),
                                                   SendablePointer(UnsafeMutablePointer(mutating: o.baseAddress!)),
                                                   SendablePointer(UnsafeMutablePointer(mutating: d.baseAddress ?? UnsafePointer(bitPattern: 1)!)))
                let total = count
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for k in (part * total / parts)..<((part + 1) * total / parts) {
                        let bytes = UnsafeBufferPointer(start: arena.pointer + offsets.pointer[k], count: offsets.pointer[k + 1] - offsets.pointer[k])
                        let text: String
                        switch decodings.pointer[k] {
                        case 1: text = TextDecoding.latin1(bytes)
                        case 2: text = TextDecoding.repairingUTF8(bytes)
                        default: text = String(decoding: bytes, as: UTF8.self)
                        }
                        (target.pointer + k).initialize(to: text)
                    }
                }
            }}}
            initialized = count
        }
    }

    /// A value's first 16 bytes as two words, read without a loop and never past its end:
    /// 8 to 16 bytes as the first eight and the last eight (they overlap), 4 to 7 as the
    /// first four and the last four in one word, fewer byte by byte. With the length, the
    /// key of a value of 16 bytes or fewer is the whole value.
    @inline(__always)
    static func key(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: n <= 16 ? n - 8 : 8, as: UInt64.self))
        }
        if n >= 4 {
            return (UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32, 0)
        }
        var w: UInt64 = 0
        for i in 0..<n { w |= UInt64(p[i]) << UInt64(8 * i) }
        return (w, 0)
    }

    /// The key's words (and a long value's further bytes, eight at a time) each mixed in by
    /// a multiply and xor-shift, finished so short keys spread well; and whether the bytes
    /// are all ASCII (then they are valid UTF-8 without checking).
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: (UInt64, UInt64)) -> (UInt64, ascii: Bool) {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var high = key.0 | key.1
        h = (h ^ key.0) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        if n > 8 {
            h = (h ^ key.1) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
        }
        if n > 16 {
            // The rest in words, the last one overlapping the one before it.
            let raw = UnsafeRawPointer(p)
            var k = 16
            while k < n {
                let w = raw.loadUnaligned(fromByteOffset: Swift.min(k, n - 8), as: UInt64.self)
                high |= w
                h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h >> 32
                k += 8
            }
        }
        h = (h ^ (h >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return (h ^ (h >> 33), high & 0x8080_8080_8080_8080 == 0)
    }

    /// Room for `entries` distinct values in all, made at once: a column whose values are
    /// nearly all distinct (an id) would otherwise grow its table a dozen times.
    mutating func reserve(_ entries: Int, bytesEach: Int) {
        guard entries * 2 > slots.count else { return }
        if !listsOnly {
            var size = 64
            while size < entries * 2 { size *= 2 }
            rehash(into: size)
        }
        reserveValues(entries, bytesEach: bytesEach)
    }

    /// Room for `entries` values' bytes, hashes and offsets.
    private mutating func reserveValues(_ entries: Int, bytesEach: Int) {
        hashes.reserveCapacityInHugePages(entries)
        heads.reserveCapacity(2 * Swift.min(entries, Self.keyed))
        offsets.reserveCapacityInHugePages(entries + 1)
        decodings.reserveCapacityInHugePages(entries)
        arena.reserveCapacityInHugePages(entries * bytesEach)
    }
}
