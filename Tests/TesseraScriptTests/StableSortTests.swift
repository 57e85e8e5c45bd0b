import XCTest
@testable import TesseraScript

final class StableSortTests: XCTestCase {
    /// A deterministic generator, so that a failure can be replayed.
    private struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    func testAgreesWithTheStandardLibrarysStableSortOnEverySize() {
        var rng = LCG(state: 42)
        for n in [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 257, 1000, 4099] {
            // Few distinct keys, so that stability shows: each element keeps its index.
            let xs = (0..<n).map { (key: rng.next(max(1, n / 4)), index: $0) }
            let ours = StableSort.sorted(xs) { $0.key < $1.key }
            let theirs = xs.sorted { $0.key < $1.key }
            XCTAssertEqual(ours.map(\.key), theirs.map(\.key), "n = \(n)")
            XCTAssertEqual(ours.map(\.index), theirs.map(\.index), "equal keys out of order, n = \(n)")
        }
    }

    func testSortedAndReversedInput() {
        let up = Array(0..<1000)
        XCTAssertEqual(StableSort.sorted(up, by: <), up)
        XCTAssertEqual(StableSort.sorted(Array(up.reversed()), by: <), up)
        XCTAssertEqual(StableSort.sorted(up, by: >), Array(up.reversed()))
    }

    func testComparesAboutAsOftenAsCPython() {
        // 5,000 distinct values in random order: n log2 n - 1.25 n is about 55,200.
        var rng = LCG(state: 7)
        var xs = Array(0..<5000)
        for i in stride(from: xs.count - 1, to: 0, by: -1) { xs.swapAt(i, rng.next(i + 1)) }
        var calls = 0
        let out = StableSort.sorted(xs) { calls += 1; return $0 < $1 }
        XCTAssertEqual(out, Array(0..<5000))
        XCTAssertLessThan(calls, 58_000)
        var sortedCalls = 0
        _ = StableSort.sorted(out) { sortedCalls += 1; return $0 < $1 }
        XCTAssertLessThan(sortedCalls, 5000 * 4, "sorted input costs about n comparisons a run level")
    }

    /// Counts its live instances: a sort that moves elements must neither lose nor
    /// duplicate one, whenever its comparison throws.
    private final class Tracked {
        nonisolated(unsafe) static var live = 0
        let value: Int
        init(_ value: Int) { self.value = value; Tracked.live += 1 }
        deinit { Tracked.live -= 1 }
    }

    func testEveryElementSurvivesOnceWhateverTheComparisonDoes() {
        struct Stop: Error {}
        var rng = LCG(state: 11)
        for stopAt in [1, 7, 40, 900, 2500, Int.max] {  // in the runs' insertion, in merges, never
            do {
                let xs = (0..<500).map { _ in Tracked(rng.next(100)) }
                var calls = 0
                let sorted = try? StableSort.sorted(xs) { a, b -> Bool in
                    calls += 1
                    if calls == stopAt { throw Stop() }
                    return a.value < b.value
                }
                XCTAssertEqual(Tracked.live, 500)
                if let sorted {
                    XCTAssertEqual(sorted.map(\.value), xs.map(\.value).sorted())
                    XCTAssertEqual(Set(sorted.map { ObjectIdentifier($0) }).count, 500, "each element once")
                } else {
                    XCTAssertNotEqual(stopAt, Int.max)
                }
            }
            XCTAssertEqual(Tracked.live, 0, "stopped at \(stopAt): an element lost or kept twice")
        }
    }

    func testAThrowingComparisonStopsTheSort() {
        struct Stop: Error {}
        var calls = 0
        XCTAssertThrowsError(try StableSort.sorted(Array((0..<500).reversed())) { a, b -> Bool in
            calls += 1
            if calls == 300 { throw Stop() }
            return a < b
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(calls, 300)
    }
}

/// Sorting without a closure runs no script code, so no statement or call checks for an
/// interrupt: the sort checks itself.
final class SortInterruptTests: XCTestCase {
    func testAnInterruptStopsASortOfPlainValues() {
        let interp = Interpreter(host: CapturingHost())
        let xs = (0..<50_000).map { Value.int(($0 * 7919) % 50_021) }
        XCTAssertEqual(try ArrayMethods.sortedValues(xs, .nil, interp).count, xs.count)
        interp.interrupt.set()
        XCTAssertThrowsError(try ArrayMethods.sortedValues(xs, .nil, interp)) { error in
            XCTAssertEqual((error as? ScriptError)?.kind, .interrupted)
        }
    }
}
