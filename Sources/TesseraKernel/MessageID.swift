import Synchronization

/// The `msg_id` of each message the kernel sends: a version-4 UUID in Foundation's
/// uppercase form, unique without a system call or `snprintf` per message.
///
/// `UUID().uuidString` read 16 bytes from the kernel's random source and formatted them
/// with `snprintf`: 57,000 machine instructions for the five messages of a trivial cell,
/// a sixth of its cost. Here the high 64 bits are drawn once per process and the low 64
/// are a counter through SplitMix64's finalizer, a bijection: no two messages of one
/// process share an id, and processes differ in 64 random bits, as jupyter_client's
/// `session_pid_count` ids differ.
public enum MessageID {
    private static let processBits = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var high = processBits
        var low = mix(n)
        // Version 4 and the RFC 4122 variant, as a random UUID carries them.
        high = (high & ~0xF000) | 0x4000
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high, low)
    }

    /// SplitMix64's output function: a bijection of 64-bit words that scatters a counter.
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX` from the 128 bits, high nibble first.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            let digits: StaticString = "0123456789ABCDEF"
            let hex = digits.utf8Start
            var at = 0
            for k in 0..<32 {
                if k == 8 || k == 12 || k == 16 || k == 20 {
                    out[at] = UInt8(ascii: "-")
                    at += 1
                }
                let word = k < 16 ? high : low
                out[at] = hex[Int((word >> UInt64(60 - 4 * (k % 16))) & 0xF)]
                at += 1
            }
            return at
        }
    }
}
