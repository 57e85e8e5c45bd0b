import Foundation

/// How a Dict key hashes: FNV-1a over a String's UTF-8 and one multiply for an Int, then a
/// mixing step, given to Swift's `Dictionary` through `_rawHashValue(seed:)` so that a
/// lookup does not run SipHash through a freshly seeded `Hasher` (a fifth of nbody's time
/// went to `Hasher` and its finalization on keys such as "vx").
///
/// Keys that are equal hash equal: Swift compares Strings by canonical equivalence, so a
/// String that is not ASCII is hashed in its NFC form ("K" and the Kelvin sign are one key).
extension DictKey {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawHash)
    }

    public func _rawHashValue(seed: Int) -> Int {
        Self.mix(UInt64(bitPattern: Int64(rawHash ^ seed)))
    }

    /// The key's hash before the table's seed is mixed in.
    private var rawHash: Int {
        switch self {
        case .nil: return Self.mix(0x9e37_79b9)
        case .bool(let b): return Self.mix(b ? 0x51ed_270b : 0x2545_f491)
        case .int(let i): return Self.mix(UInt64(bitPattern: Int64(i)))
        case .double(let d): return Self.mix(d.bitPattern ^ 0x6a09_e667_f3bc_c908)
        case .string(let s): return Int(bitPattern: UInt(Self.fnv(s)))  // mixed once, with the seed
        case .symbol(let s): return Self.mix(Self.fnv(s) ^ 0xbb67_ae85_84ca_a73b)
        case .tuple(let items):
            var h: UInt64 = 0x3c6e_f372_fe94_f82b
            for k in items { h = (h ^ UInt64(bitPattern: Int64(k.rawHash))) &* 0x1000_0000_01b3 }
            return Self.mix(h)
        }
    }

    /// FNV-1a over the UTF-8 of `s`, or of its NFC form when it is not ASCII.
    private static func fnv(_ s: String) -> UInt64 {
        // (Over a buffer of the bytes: walking `utf8` one index at a time was most of the hash.)
        let (h, ascii) = s.utf8.withContiguousStorageIfAvailable(fnv) ?? fnv(Array(s.utf8))
        if ascii { return h }
        return Array(s.precomposedStringWithCanonicalMapping.utf8).withUnsafeBufferPointer(fnv).hash
    }

    private static func fnv(_ bytes: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, ascii: Bool) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var high: UInt8 = 0
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x1000_0000_01b3
            high |= b
        }
        return (h, high < 0x80)
    }

    private static func fnv(_ bytes: [UInt8]) -> (hash: UInt64, ascii: Bool) {
        bytes.withUnsafeBufferPointer(fnv)
    }

    /// MurmurHash3's finalizer: every input bit moves the low bits a table's mask keeps.
    private static func mix(_ x: UInt64) -> Int {
        var h = x
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Int(bitPattern: UInt(h))
    }
}
