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
        DictKey(value: .string(s), hash: seeded(stringHash(s)))
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
// A String's hash is worked out from its canonical UTF-8 (its NFC form: "K" and the Kelvin
// sign are one key): up to 15 bytes, as two words (the bytes, little-endian, and the
// count) mixed by two multiplies; longer, by FNV-1a. The finalizer of MurmurHash3 then
// spreads either, with a per-process seed. Not SipHash through a freshly seeded `Hasher`:
// a fifth of nbody's time went to `Hasher` on keys such as "vx". The two words are how
// Swift stores an ASCII String of up to 15 bytes in the String itself, so the hash of
// most keys ("w123", "kind", "vx") is read off the String's bits, not walked byte by byte.
extension DictKey {
    /// What every hash needs, made once: the seed mixed into every hash (so that the keys
    /// that collide differ from run to run), and whether Strings are laid out as the
    /// two-word reading of small ASCII Strings expects (checked, not assumed).
    private static let setup = (seed: Int.random(in: .min ... .max), smallStringWords: smallStringLayoutHolds())

    /// The hash of the value at `p`, read where it is (a String key is hashed in place,
    /// not copied out first).
    @inline(__always)
    static func hash(at p: UnsafePointer<Value>) -> Int? {
        if case .string = p.pointee { return stringHash(at: p) }
        if case .int(let i) = p.pointee { return seeded(i) }
        return rawHash(p.pointee).map(seeded)
    }

    /// The seeded hash of the String held by the Value at `p`. (Called, not inlined: the
    /// short walk of `d[k] += 1` inlines `hash(at:)`, and grown by this it was inlined no
    /// more, nbody +15%.)
    @inline(never)
    private static func stringHash(at p: UnsafePointer<Value>) -> Int {
        // (The String read as bits where the Value holds it: a copy retained it.)
        if let h = inlineHash(UnsafeRawPointer(p).load(as: (UInt64, UInt64).self)) { return seeded(h) }
        guard case .string(let s) = p.pointee else { return 0 }
        return seeded(bytesHash(s))
    }

    /// The hash of `v`, nil when it cannot be a key.
    @inline(__always)
    static func hash(of v: Value) -> Int? {
        switch v {
        case .string(let s): return seeded(stringHash(s))
        case .int(let i): return seeded(i)
        default: return rawHash(v).map(seeded)
        }
    }

    /// A hash before the seed (`rawHash`) with the seed mixed in.
    @inline(__always)
    private static func seeded(_ raw: Int) -> Int {
        mix(UInt64(bitPattern: Int64(raw ^ setup.seed)))
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
        case .string(let s): return stringHash(s)
        case .symbol(let s): return mix(UInt64(bitPattern: Int64(stringHash(s))) ^ 0xbb67_ae85_84ca_a73b)
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

    /// The hash of `s` before the seed: of its bytes when it is ASCII, of its NFC form's
    /// otherwise, so that canonically equivalent Strings hash alike.
    @inline(__always)
    static func stringHash(_ s: String) -> Int {
        inlineHash(unsafeBitCast(s, to: (UInt64, UInt64).self)) ?? bytesHash(s)
    }

    /// The hash of a String from its bits, when it is a small ASCII String (nil otherwise).
    /// Its bits are then the two words `words(_:)` makes of its bytes: the bytes, then the
    /// rest of the bytes with the count in the top byte, once the flags above the count
    /// (which say "small" and "ASCII") are masked off.
    @inline(__always)
    private static func inlineHash(_ bits: (UInt64, UInt64)) -> Int? {
        guard setup.smallStringWords, bits.1 >> 60 == smallASCII else { return nil }
        return wordsHash(bits.0, bits.1 & ~(0xF << 60))
    }

    /// The top four bits of a small ASCII String's second word.
    private static let smallASCII: UInt64 = 0xE

    /// The hash of a String not held in its own bits (or of any String where that layout
    /// does not hold): its bytes read from its storage, or its NFC form's.
    @inline(never)
    private static func bytesHash(_ s: String) -> Int {
        if let h = s.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy { $0 < 0x80 } ? hash(bytes: $0) : nil }), let h {
            return h
        }
        return Array(s.precomposedStringWithCanonicalMapping.utf8).withUnsafeBufferPointer(hash(bytes:))
    }

    /// The hash of canonical UTF-8 `bytes`: as two words up to 15 bytes, by FNV-1a past.
    private static func hash(bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard bytes.count <= 15 else { return fnv(bytes) }
        let (low, high) = words(bytes)
        return wordsHash(low, high)
    }

    /// Up to 15 bytes as two little-endian words, the count in the top byte of the second.
    static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1) | UInt64(bytes.count) << 56)
    }

    @inline(__always)
    private static func wordsHash(_ low: UInt64, _ high: UInt64) -> Int {
        Int(bitPattern: UInt((low &* 0x9e37_79b9_7f4a_7c15) ^ (high &* 0xc2b2_ae3d_27d4_eb4f)))
    }

    private static func fnv(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x1000_0000_01b3 }
        return Int(bitPattern: UInt(h))
    }

    /// Whether a small ASCII String's bits are its bytes and its count as `words(_:)` lays
    /// them out, and a String Value holds them first (true of Swift's 64-bit String and of
    /// `Value`; checked once, so that another layout costs speed, not correctness).
    private static func smallStringLayoutHolds() -> Bool {
        guard MemoryLayout<String>.size == 16 else { return false }
        for sample in ["", "a", "kind", "w1234567", "abcdefghijklmno"] {
            let (low, high) = unsafeBitCast(sample, to: (UInt64, UInt64).self)
            guard high >> 60 == smallASCII else { return false }
            let expected = Array(sample.utf8).withUnsafeBufferPointer(words)
            guard (low, high & ~(0xF << 60)) == expected else { return false }
            // A String Value holds the String's bits first, where `hash(at:)` reads them.
            let held = withUnsafePointer(to: Value.string(sample)) { UnsafeRawPointer($0).load(as: (UInt64, UInt64).self) }
            guard held == (low, high) else { return false }
        }
        return true
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
