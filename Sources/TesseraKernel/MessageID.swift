import Synchronization

/// The `msg_id` of each message the kernel sends: 48 random bits drawn once per process,
/// in hex, then `_` and the message's number, e.g. `9f3a0c71e2b4_17`.
///
/// This is jupyter_client's own form (`session_pid_count`), which the messaging spec
/// allows: an id must be unique, not a UUID. It is short on purpose. A trivial cell sends
/// five messages, and 36-character UUIDs were a third of their bytes: a client that reads
/// a pipe one byte per read(2), as `readline` on a raw pipe does, pays a system call for
/// each, so the round trip of `1+1` fell by about a fifth with the short form. No two
/// messages of one process share an id (the counter), and two processes differ in 48
/// random bits: a million kernels collide with odds of about one in 560.
public enum MessageID {
    private static let processBits = UInt64.random(in: 0 ..< (1 << 48))
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        format(processBits, counter.wrappingAdd(1, ordering: .relaxed).newValue)
    }

    /// Twelve lowercase hex digits of `prefix` (its low 48 bits), `_`, then `n` in decimal.
    static func format(_ prefix: UInt64, _ n: UInt64) -> String {
        // 12 digits, the underscore and at most 20 decimal digits of a UInt64.
        String(unsafeUninitializedCapacity: 33) { out in
            let digits: StaticString = "0123456789abcdef"
            let hex = digits.utf8Start
            for k in 0..<12 {
                out[k] = hex[Int((prefix >> UInt64(44 - 4 * k)) & 0xF)]
            }
            out[12] = UInt8(ascii: "_")
            var width = 1
            var rest = n / 10
            while rest > 0 { width += 1; rest /= 10 }
            var value = n
            for k in stride(from: 12 + width, to: 12, by: -1) {
                out[k] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            return 13 + width
        }
    }
}
