import Foundation

/// Chooses between every core and one by timing the work itself, for loops of many like
/// steps (training batches) run with no thread count set.
///
/// Which is faster depends on the shapes and on the machine at that moment: on a shared
/// 2-vCPU machine a small CNN's batches ran 10% faster on one thread in one run and 15%
/// slower in another minutes later, while an MLP's gained 15% from two threads throughout. No fixed
/// default is within 5% of the best setting in both states; a few timed steps are. The
/// planner alternates the candidates over the first steps after a warm-up, keeps the one
/// whose fastest step was faster (all cores unless one thread is clearly faster), and plans again
/// every `replanEvery` steps, so a long fit follows the machine. An explicit `threads(n)`
/// turns it off.
public struct ThreadPlanner {
    /// Steps timed per candidate in a plan: each costs the slower candidate's extra time once.
    public static let samplesPerCandidate = 2
    /// How much faster one thread must be (its fastest step) to be chosen over all cores.
    public static let margin = 0.97
    public static let replanEvery = 400

    private let candidates: [Int]
    private var step = 0
    private var planStart = 1
    private var times: [[Double]]
    private var started: UInt64 = 0
    /// Nanoseconds on a monotonic clock (a test gives its own, so no test depends on how
    /// precisely the machine sleeps).
    private let now: () -> UInt64

    /// - Parameters:
    ///   - steps: how many steps the loop will run; too few to pay for planning (or a thread
    ///     count the user set, or one core) leave the setting as it is.
    ///   - now: the clock steps are timed by.
    public init(steps: Int, now: @escaping () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        let planning = Parallel.isAutomatic && Parallel.cores > 1 && steps >= 4 * Self.samplesPerCandidate
        candidates = planning ? [Parallel.cores, 1] : []
        times = candidates.map { _ in [] }
        self.now = now
    }

    private var planning: Bool {
        !candidates.isEmpty && step >= planStart && step < planStart + candidates.count * Self.samplesPerCandidate
    }

    /// Call before each step: sets the candidate this step is timed with.
    public mutating func beginStep() {
        guard !candidates.isEmpty else { return }
        if step == planStart + Self.replanEvery { planStart = step; times = candidates.map { _ in [] } }
        if planning {
            Parallel.automaticThreads = candidates[(step - planStart) % candidates.count]
            started = now()
        }
    }

    /// Call after each step: records its time, and chooses once every candidate has its samples.
    public mutating func endStep() {
        guard !candidates.isEmpty else { return }
        if planning {
            let k = (step - planStart) % candidates.count
            times[k].append(Double(now() &- started))
            if step == planStart + candidates.count * Self.samplesPerCandidate - 1 { choose() }
        }
        step += 1
    }

    private mutating func choose() {
        // The fastest step of each: a step that another process preempted says nothing.
        let (all, one) = (times[0].min()!, times[1].min()!)
        Parallel.automaticThreads = one < all * Self.margin ? 1 : 0
    }

    /// The thread count the planner settled on (0: every core), for tests and reports.
    public var choice: Int { Parallel.automaticThreads }

    /// Call when the loop ends (however it ends): later work starts from every core again.
    public func finish() {
        if !candidates.isEmpty { Parallel.automaticThreads = 0 }
    }
}
