import XCTest
@testable import TesseraScript

/// `zip(xs, ys).map(f)` compiled as one call (see ZipMap): the answers and errors of the two
/// calls it stands for, which the oracle makes with the pairs held in a variable between them.
final class ZipMapTests: ScriptTestCase {
    func testTheFusedCallGivesTheTwoCallsAnswers() {
        run("""
            let xs = [1, 2, 3], ys = [10, 20, 30, 40], ds = [1.5, 2.5], words = ["a", "b"]
            let pairSum = { (p) in p.0 + p.1 }
            """)
        for (sequences, closure) in [("xs, ys", "{ $0 * $1 }"), ("xs, ys", "{ (a, b) in a + b }"), ("xs, ys", "{ p in p.0 - p.1 }"),
                                     ("xs, ys", "{ 2 * $1 }"), ("0..<3, xs", "{ $0 + $1 }"), ("xs, 5...9", "{ $1 - $0 }"),
                                     ("\"ab\", xs", "{ \"\\($0)\\($1)\" }"), ("xs, ys", "pairSum"), ("xs, ds", "{ $0 / $1 }"),
                                     ("xs, words", "{ $0 * $1 }"), ("xs, []", "{ $0 * $1 }"), ("[Int](), ys", "{ $0 }"),
                                     ("Set([1]), xs", "{ $0 + $1 }"), ("xs, [nil, 2]", "{ $0 ?? $1 }")] {
            let fused = "zip(\(sequences)).map(\(closure))"
            XCTAssertEqual(run(fused), run("let pairs = zip(\(sequences))\npairs.map(\(closure))"), fused)
        }
    }

    func testErrorsAreTheTwoCallsErrors() {
        run("let xs = [1, 2, 3]")
        XCTAssertEqual(error("zip(xs, 5).map { $0 + $1 }")?.message, "zip(_ b:) needs an Array, a Range, a String or a Set, got Int")
        XCTAssertEqual(error("zip(xs, [\"a\", nil, \"c\"]).map { $0 + $1 }")?.kind, .type, "Int + String")
        XCTAssertEqual(error("zip(xs, xs).map { _ in undefinedName }")?.kind, .name)
        XCTAssertEqual(error("zip(xs, xs).map { $0 / ($1 - 2) }")?.message, "division by zero", "the operator's error, from the closure")
        XCTAssertEqual(error("zip(0..<4_000_000_000_000_000, 0..<4_000_000_000_000_000).map { $0 + $1 }")?.kind, .memory)
    }

    /// A session's own `zip` is the one called, as the two calls would call it.
    func testASessionsOwnZipIsCalled() {
        run("func zip(_ a, _ b) { [(1, 1)] }")
        XCTAssertEqual(run("zip([5, 6], [7, 8]).map { $0 + $1 }"), "[2]")
    }
}
