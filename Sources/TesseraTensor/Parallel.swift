import Foundation
import Synchronization

/// Splits element-wise work across cores in contiguous chunks (large enough that the
/// split costs less than it saves).
public enum Parallel {
    private static let configured = Atomic<Int>(0)
    private static let chosen = Atomic<Int>(0)

    /// Threads used by the fast backends; 0 means one per core. More threads than cores
    /// only wait on one another (OpenBLAS's spin on 2 cores turned a 512x512 product from
    /// milliseconds into minutes with 32), so a larger number is capped at `maximum`.
    public static var threads: Int {
        get {
            let n = configured.load(ordering: .relaxed)
            if n > 0 { return n }
            let c = chosen.load(ordering: .relaxed)
            return c > 0 ? c : cores
        }
        set { configured.store(Swift.min(maximum, Swift.max(0, newValue)), ordering: .relaxed) }
    }

    /// True while no thread count was set (`threads(n)`): the count is then Tessera's to choose.
    public static var isAutomatic: Bool { configured.load(ordering: .relaxed) == 0 }

    /// The count chosen for the work at hand while the setting is automatic (0: every core);
    /// a `ThreadPlanner` sets it by timing that work. An explicit setting always wins.
    public static var automaticThreads: Int {
        get { chosen.load(ordering: .relaxed) }
        set { chosen.store(Swift.min(maximum, Swift.max(0, newValue)), ordering: .relaxed) }
    }

    /// The cores (hardware threads) this process may run on, read once: Foundation reads
    /// them from the system on every call (the CPU affinity mask), and the element-wise loops
    /// ask for every operation. Asked each time, the default setting spent more time in the
    /// kernel than in the work: a fit took 2.4 to 4 times as long as after `threads(2)`.
    public static let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The most threads `threads` accepts: one per core.
    public static var maximum: Int { cores }

    /// Calls `body` on disjoint ranges covering 0..<count, in parallel when it pays.
    public static func chunks(_ count: Int, minimum: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        let parts = Swift.min(threads, Swift.max(1, count / minimum))
        if parts <= 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let shared = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                shared.value(p * count / parts ..< (p + 1) * count / parts)
            }
        }
    }
}

/// Carries a value into concurrently executing code that only reads it or writes
/// disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
