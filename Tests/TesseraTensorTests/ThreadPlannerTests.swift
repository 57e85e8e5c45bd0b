import Foundation
import XCTest
@testable import TesseraTensor

/// The thread planner keeps whichever of every core and one thread runs the steps faster,
/// and stays out of the way of an explicit setting.
final class ThreadPlannerTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipIf(Parallel.cores < 2, "one core: there is nothing to choose")
        Parallel.threads = 0
    }

    override func tearDown() {
        Parallel.threads = 0
        Parallel.automaticThreads = 0
    }

    /// The planner's clock: the time the simulated steps took, so no assertion depends on how
    /// precisely a shared machine sleeps (a tie of two 2 ms sleeps read as one thread 3%
    /// faster in a loaded CI run).
    final class Clock {
        var nanoseconds: UInt64 = 1_000_000
        func advance(ms: Double) { nanoseconds += UInt64(ms * 1_000_000) }
    }
    let clock = Clock()

    func makePlanner(steps: Int) -> ThreadPlanner {
        let clock = clock
        return ThreadPlanner(steps: steps, now: { clock.nanoseconds })
    }

    /// Runs `steps` steps that take `oneThread` ms on one thread and `allCores` ms on more.
    func run(_ planner: inout ThreadPlanner, steps: Int, oneThread: Double, allCores: Double) -> [Int] {
        var seen: [Int] = []
        for _ in 0..<steps {
            planner.beginStep()
            seen.append(Parallel.threads)
            clock.advance(ms: Parallel.threads == 1 ? oneThread : allCores)
            planner.endStep()
        }
        return seen
    }

    func testOneThreadIsKeptWhenItIsFaster() {
        var planner = makePlanner(steps: 40)
        let seen = run(&planner, steps: 20, oneThread: 1, allCores: 4)
        XCTAssertEqual(Set(seen.prefix(5)), [1, Parallel.cores], "the first steps try both")
        XCTAssertEqual(Set(seen.suffix(10)), [1], "then one thread, which was faster")
        planner.finish()
        XCTAssertEqual(Parallel.threads, Parallel.cores, "later work starts from every core")
    }

    func testEveryCoreIsKeptWhenItIsFaster() {
        var planner = makePlanner(steps: 40)
        let seen = run(&planner, steps: 20, oneThread: 4, allCores: 1)
        XCTAssertEqual(Set(seen.suffix(10)), [Parallel.cores])
        planner.finish()
    }

    func testATieKeepsEveryCore() {
        var planner = makePlanner(steps: 40)
        let seen = run(&planner, steps: 20, oneThread: 2, allCores: 2)
        XCTAssertEqual(Set(seen.suffix(10)), [Parallel.cores], "one thread must be clearly faster to be chosen")
        planner.finish()
    }

    func testAnExplicitSettingIsLeftAlone() {
        Parallel.threads = 2
        var planner = makePlanner(steps: 40)
        let seen = run(&planner, steps: 20, oneThread: 1, allCores: 4)
        XCTAssertEqual(Set(seen), [2])
        planner.finish()
        XCTAssertEqual(Parallel.threads, 2)
    }

    func testAShortLoopIsNotPlanned() {
        var planner = makePlanner(steps: 5)
        let seen = run(&planner, steps: 5, oneThread: 1, allCores: 4)
        XCTAssertEqual(Set(seen), [Parallel.cores])
        planner.finish()
    }

    func testALongLoopPlansAgain() {
        var planner = makePlanner(steps: 10_000)
        _ = run(&planner, steps: 10, oneThread: 1, allCores: 4)
        XCTAssertEqual(Parallel.threads, 1)
        // The machine changes: now every core is faster. The next plan sees it.
        var seen: [Int] = []
        for _ in 0..<(ThreadPlanner.replanEvery + 10) {
            planner.beginStep()
            seen.append(Parallel.threads)
            if seen.count > ThreadPlanner.replanEvery - 10 { clock.advance(ms: Parallel.threads == 1 ? 4 : 1) }
            planner.endStep()
        }
        XCTAssertEqual(seen.last, Parallel.cores)
        planner.finish()
    }
}
