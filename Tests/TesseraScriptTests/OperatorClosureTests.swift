import XCTest
@testable import TesseraScript

/// `reduce` with a closure that only applies an operator (`+`, `{ $0 * $1 }`) folds with the
/// operator and gives what calling the closure gives, errors included.
final class OperatorClosureTests: ScriptTestCase {
    /// The operator the closure `source` applies to its two parameters, if that is all it does.
    func op(_ source: String) -> BinaryOperator? { shape(source)?.binary }

    func shape(_ source: String) -> OperatorClosure? {
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
        // One parameter and a literal, or itself: what map and filter apply directly.
        for closure in ["{ $0 * 2 }", "{ x in x > 0.5 }", "{ 1 - $0 }", "{ $0 * $0 }", "{ s in s + \"!\" }", "{ $1 + $0 }"] {
            XCTAssertNotNil(shape(closure), closure)
        }
        for closure in ["{ $0 % 2 == 0 }", "{ (x: Double) in x * 2 }", "{ x -> Double in x * 2 }", "{ $0 * k }", "{ $0.count > 1 }",
                        "{ $0 * [1] }", "{ f($0) }", "{ -$0 }"] {
            XCTAssertNil(shape(closure), closure)
        }
    }

    /// map, filter and the searches give what calling the closure gives: the oracle is the
    /// same closure with its result through a local, which is not read.
    func testElementMethodsGiveTheClosuresAnswers() {
        run("let xs = [3, -1, 4, 1, 5, 9, 2, 6]\nlet mixed: [Any] = [1, 2.5, 0.0 / 0.0, 4]\nlet words = [\"a\", \"bb\"]")
        for (call, oracle) in [("xs.map { $0 * 2 }", "xs.map { let r = $0 * 2\n return r }"),
                               ("xs.map { 10 - $0 }", "xs.map { let r = 10 - $0\n return r }"),
                               ("xs.map { x in x * x }", "xs.map { x in let r = x * x\n return r }"),
                               ("mixed.map { $0 * 2 }.map { $0 is Double && $0.isNaN ? -1 : $0 }", "mixed.map { let r = $0 * 2\n return r }.map { $0 is Double && $0.isNaN ? -1 : $0 }"),
                               ("xs.map { $0 / 2 }", "xs.map { let r = $0 / 2\n return r }"),
                               ("words.map { $0 + \"!\" }", "words.map { let r = $0 + \"!\"\n return r }"),
                               ("xs.filter { $0 > 2 }", "xs.filter { let r = $0 > 2\n return r }"),
                               ("mixed.filter { $0 < 3 }.count", "mixed.filter { let r = $0 < 3\n return r }.count"),
                               ("(0..<10).filter { $0 >= 7 }", "(0..<10).filter { let r = $0 >= 7\n return r }"),
                               ("xs.first { $0 > 4 }", "xs.first { let r = $0 > 4\n return r }"),
                               ("xs.count { $0 < 3 }", "xs.count { let r = $0 < 3\n return r }"),
                               ("xs.allSatisfy { $0 > -5 }", "xs.allSatisfy { let r = $0 > -5\n return r }"),
                               ("xs.contains { $0 == 9 }", "xs.contains { let r = $0 == 9\n return r }"),
                               ("zip(xs, xs.reversed()).map { $0 * $1 }", "zip(xs, xs.reversed()).map { let r = $0 * $1\n return r }"),
                               ("[(1, 2), (3, 4)].map { a, b in a - b }", "[(1, 2), (3, 4)].map { a, b in let r = a - b\n return r }")] {
            XCTAssertEqual(run(call), run(oracle), call)
        }
    }

    /// Where the operator throws, the closure raises its error at its own place.
    func testAnElementTheOperatorRefusesRaisesTheClosuresError() throws {
        let mixed = try XCTUnwrap(error("[1, nil].map { $0 * 2 }"))
        XCTAssertEqual(mixed.kind, .type)
        XCTAssertEqual(mixed.location?.column, 19, "at the closure's '*'")
        XCTAssertEqual(error("[Int.max].map { $0 + 1 }")?.kind, .value)
        XCTAssertEqual(error("[1, 0].map { 10 / $0 }")?.message.contains("zero"), true)
        XCTAssertEqual(error("[1, 2].filter { $0 + 1 }")?.kind, .type, "filter's closure must return a Bool")
        XCTAssertEqual(error("[1, 2].map { a, b in a + b }")?.kind, .type, "two parameters, one Int each")
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
