import Foundation

/// Remembers the signatures of recent signed messages so that one captured off the wire
/// and sent again is refused, as jupyter_client's `Session.digest_history` does.
///
/// The history is bounded: the oldest signatures are forgotten first, once `capacity`
/// are held (ipykernel keeps 2^16 and culls a random tenth; forgetting in order keeps the
/// most recent ones, which are the ones a replay would use). Shell, stdin and control are
/// read on different threads, so one lock guards it.
final class ReplayGuard: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var seen: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private var oldest = 0

    init(capacity: Int = 1 << 16) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Records `signature`; false when it was already seen (a replay). An empty signature
    /// (signing off) is never recorded: identical unsigned messages are legitimate.
    func admit(_ signature: [UInt8]) -> Bool {
        guard !signature.isEmpty else { return true }
        lock.lock()
        defer { lock.unlock() }
        guard seen.insert(signature).inserted else { return false }
        if order.count < capacity {
            order.append(signature)
        } else {
            seen.remove(order[oldest])
            order[oldest] = signature
            oldest = (oldest + 1) % capacity
        }
        return true
    }

    /// How many signatures are remembered now.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return seen.count
    }
}
