import XCTest
@testable import TesseraScript

/// `reduce` with a closure that only applies an operator (`+`, `{ $0 * $1 }`) folds with the
/// operator and gives what calling the closure gives, errors included.
final class OperatorClosureTests: ScriptTestCase {
    /// The operator the closure `source` is read as, if any.
    func op(_ source: String) -> BinaryOperator? {
        guard case .function(let f as ScriptFunction)? = try? interpreter.run(Source(name: "closure", text: source)) else { return nil }
        return f.code.operatorClosure
    }

    func testClosuresThatOnlyApplyAnOperatorAreRead() {
        XCTAssertEqual(op("(+)"), .add)
        XCTAssertEqual(op("{ $0 * $1 }"), .multiply)
        XCTAssertEqual(op("{ a, b in a - b }"), .subtract)
        XCTAssertEqual(op("{ (a, b) in return a < b }"), .less)
        for closure in ["{ $1 + $0 }", "{ a, b in a + b + 1 }", "{ (a: Double, b: Double) in a + b }", "{ $0 + 1 }",
                        "{ a, b in a ..< b }", "{ a, b in print(a); return a + b }", "{ a, b, c in a + b }"] {
            XCTAssertNil(op(closure), closure)
        }
    }

    /// Every answer is the closure's: the oracle is the same operator in a closure that is
    /// not read (its result goes through a local first).
    func testReduceGivesTheClosuresAnswers() {
        for (xs, initial) in [("[3, 1, 4, 1, 5]", "0"), ("[1.5, 2.25, -0.5]", "0"), ("[1, 2.5, 3]", "0"), ("[1, 2, 3]", "0.5"),
                              ("[\"a\", \"b\"]", "\"\""), ("[[1], [2, 3]]", "[]"), ("[Int]()", "7"), ("(0..<100)", "0"),
                              ("[1.0, 0.0 / 0.0]", "0"), ("[2, 3]", "1")] {
            for symbol in ["+", "-", "*"] where !(symbol != "+" && (xs.contains("\"") || xs.contains("[1], "))) {
                let oracle = "{ a, b in let r = a \(symbol) b\n return r }"
                XCTAssertEqual(run("\(xs).reduce(\(initial), \(symbol))"), run("\(xs).reduce(\(initial), \(oracle))"), "\(xs) \(symbol)")
            }
        }
        XCTAssertEqual(run("[4, 2].reduce(100, /)"), "12")
        XCTAssertEqual(run("[3, 1, 2].reduce(0) { $0 + $1 }"), "6")
    }

    /// Where the operator fails, the closure is called and raises its error at its place,
    /// with the fold's traceback line.
    func testAFailingStepRaisesTheClosuresError() throws {
        let overflow = try XCTUnwrap(error("let xs = [Int.max, 1]\nxs.reduce(0, +)"))
        XCTAssertEqual(overflow.kind, .value)
        XCTAssertTrue(overflow.message.contains("overflow"), overflow.message)
        let mixed = try XCTUnwrap(error("[1, \"a\"].reduce(0) { $0 + $1 }"))
        XCTAssertEqual(mixed.kind, .type)
        XCTAssertEqual(mixed.location?.line, 1)
        XCTAssertEqual(mixed.location?.column, 25, "at the closure's '+'")
        let division = try XCTUnwrap(error("[1, 0].reduce(10, /)"))
        XCTAssertTrue(division.message.contains("zero"), division.message)
        // The session goes on.
        XCTAssertEqual(run("[1, 2].reduce(0, +)"), "3")
    }
}
