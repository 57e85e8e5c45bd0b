import Foundation

/// A value that can be a Dict key, with its hash worked out once: nil, a Bool, a number, a
/// String, a Symbol, or a Tuple of those. Ints and whole Doubles are the same key, as
/// `1 == 1.0`; Strings are compared as Swift compares them, by canonical equivalence.
///
/// A key made once (a member name, a constant in a path) is looked up without hashing
/// again; a key made at run time costs one hash, and a Dict compares stored hashes before
/// it compares keys.
public struct DictKey: @unchecked Sendable {
    /// The key as the user wrote it (`1.0` stays a Double in `d.keys`).
    public let value: Value
    /// The key's hash, seeded per process.
    let hash: Int

    /// The key for `v`; nil when `v` cannot be a Dict key (an Array, a Dict, a function...).
    @inline(__always)
    public init?(_ v: Value) {
        guard let h = Self.hash(of: v) else { return nil }
        value = v
        hash = h
    }

    /// A String key.
    public static func string(_ s: String) -> DictKey {
        DictKey(value: .string(s), hash: seeded(fnv(s)))
    }

    private init(value: Value, hash: Int) {
        self.value = value
        self.hash = hash
    }

    /// True when `a` and `b` are one key (both hashable).
    @inline(__always)
    static func same(_ a: Value, _ b: Value) -> Bool {
        // (Not a switch over the pair: forming it copied both values.)
        if case .string(let x) = a {
            if case .string(let y) = b { return x == y }
            return false
        }
        if case .int(let x) = a, case .int(let y) = b { return x == y }
        return sameGenerally(a, b)
    }

    private static func sameGenerally(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Int(exactly: y) == x
        case (.symbol(let x), .symbol(let y)): return x == y
        case (.tuple(let p), .tuple(let q)):
            guard p.count == q.count else { return false }
            for k in p.indices where !same(p[k], q[k]) { return false }
            return true
        default:
            return false
        }
    }
}

// MARK: Hashing
//
// FNV-1a over a String's UTF-8 and one multiply for an Int, then MurmurHash3's finalizer,
// rather than SipHash through a freshly seeded `Hasher` (a fifth of nbody's time went to
// `Hasher` and its finalization on keys such as "vx"). Keys that are one key hash alike: a
// whole Double as its Int, a String that is not ASCII in its NFC form ("K" and the Kelvin
// sign are one key).
extension DictKey {
    /// Mixed into every hash, so that the keys that collide differ from run to run.
    private static let seed = Int.random(in: .min ... .max)

    /// The hash of the value at `p`, read where it is (a String key is hashed in place,
    /// not copied out first).
    @inline(__always)
    static func hash(at p: UnsafePointer<Value>) -> Int? {
        if let h = fnv(at: p) { return seeded(h) }
        if case .int(let i) = p.pointee { return seeded(i) }
        return rawHash(p.pointee).map(seeded)
    }

    /// FNV-1a of the String at `p` (see `fnv(_:)`); nil for any other value. (A String that
    /// is not ASCII is read again for its NFC form: kept for that path, the String was
    /// copied and released around every hash.)
    @inline(never)
    private static func fnv(at p: UnsafePointer<Value>) -> Int? {
        guard case .string(let s) = p.pointee else { return nil }
        guard let (h, ascii) = s.utf8.withContiguousStorageIfAvailable(fnv), ascii else { return normalizedFNV(at: p) }
        return Int(bitPattern: UInt(h))
    }

    @inline(never)
    private static func normalizedFNV(at p: UnsafePointer<Value>) -> Int {
        guard case .string(let s) = p.pointee else { return 0 }
        return nfcFNV(s)
    }

    /// The hash of `v`, nil when it cannot be a key.
    @inline(__always)
    static func hash(of v: Value) -> Int? {
        switch v {
        case .string(let s): return seeded(fnv(s))
        case .int(let i): return seeded(i)
        default: return rawHash(v).map(seeded)
        }
    }

    /// A hash before the seed (`rawHash`) with the seed mixed in.
    @inline(__always)
    private static func seeded(_ raw: Int) -> Int {
        mix(UInt64(bitPattern: Int64(raw ^ seed)))
    }

    /// The hash before the seed is mixed in; nil for a value that cannot be a key.
    private static func rawHash(_ v: Value) -> Int? {
        switch v {
        case .nil: return 0x9e37_79b9
        case .bool(let b): return b ? 0x51ed_270b : 0x2545_f491
        case .int(let i): return i
        case .double(let d):
            if let i = Int(exactly: d) { return i }
            return mix(d.bitPattern ^ 0x6a09_e667_f3bc_c908)
        case .string(let s): return fnv(s)
        case .symbol(let s): return mix(UInt64(bitPattern: Int64(fnv(s))) ^ 0xbb67_ae85_84ca_a73b)
        case .tuple(let items):
            var h: UInt64 = 0x3c6e_f372_fe94_f82b
            for item in items {
                guard let k = rawHash(item) else { return nil }
                h = (h ^ UInt64(bitPattern: Int64(mix(UInt64(bitPattern: Int64(k)))))) &* 0x1000_0000_01b3
            }
            return mix(h)
        default:
            return nil
        }
    }

    /// FNV-1a over the UTF-8 of `s`, or of its NFC form when it is not ASCII.
    @inline(__always)
    private static func fnv(_ s: String) -> Int {
        // (Over a buffer of the bytes: walking `utf8` one index at a time was most of the hash.)
        if let (h, ascii) = s.utf8.withContiguousStorageIfAvailable(fnv), ascii { return Int(bitPattern: UInt(h)) }
        return nfcFNV(s)
    }

    /// FNV-1a over the UTF-8 of the NFC form of `s` (an ASCII String is its own NFC form).
    @inline(never)
    private static func nfcFNV(_ s: String) -> Int {
        Int(bitPattern: UInt(Array(s.precomposedStringWithCanonicalMapping.utf8).withUnsafeBufferPointer(fnv).hash))
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

    /// MurmurHash3's finalizer: every input bit moves the low bits a table's mask keeps.
    @inline(__always)
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
