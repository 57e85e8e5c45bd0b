import XCTest
@testable import TesseraScript

/// Swift's casts (`is`, `as`, `as?`, `as!`, and `case is T` / `case let x as T` in a switch)
/// over values that carry their kind, and Swift's `throws` mark on a function.
final class TypeCastTests: ScriptTestCase {
    /// A misspelt type is refused, as Swift's compiler refuses it: `is` would be false and
    /// `as?` nil for every value, silently.
    func testAMisspeltTypeIsANameError() {
        for (cell, written, meant) in [("3 is Strng", "Strng", "String"), ("let v: Any = 1\nv as? Dobule", "Dobule", "Double"),
                                       ("[1] is [Itn]", "Itn", "Int"), ("[\"a\": 1] is [String: Boool]", "Boool", "Bool"),
                                       ("(1, 2) as! (Int, Flaot)", "Flaot", "Float")] {
            let e = error(cell)
            XCTAssertEqual(e?.kind, .name, cell)
            XCTAssertEqual(e?.message, "cannot find type '\(written)'", cell)
            XCTAssertEqual(e?.suggestion, "did you mean '\(meant)'?", cell)
        }
        // The prelude's types and Swift's other names are not taken for typos.
        for name in ["Tensor", "Frame", "Column", "Row", "Model", "Layer", "Study", "Trial", "Table", "Chart", "Summary", "Set",
                     "History", "Optimizer", "Schedule", "Tokenizer", "Transform", "FittedTransform", "GroupBy", "Confusion",
                     "Importance", "DriftReport", "QualityReport", "ParseReport", "Distribution", "Objective", "Constraint",
                     "Stored", "Progress", "Box", "Error", "Tuple", "Dict", "Range", "ClosedRange", "Int64", "Float32", "Number"] {
            XCTAssertEqual(run("1 is \(name)"), name == "Int64" || name == "Number" ? "true" : "false", name)
        }
    }

    func testIsAsksTheValuesKindAsItIs() {
        XCTAssertEqual(run("[3 is Int, 3 is Double, 2.5 is Double, \"a\" is String, nil is Int]"), "[true, false, true, true, false]")
        XCTAssertEqual(run("[[1, 2] is [Int], [1, \"a\"] is [Int], [1, \"a\"] is [Any], [1, 2] is [Double]]"), "[true, false, true, false]")
        XCTAssertEqual(run("[[\"a\": 1] is [String: Int], [\"a\": 1] is [Int: Int], (1, \"x\") is (Int, String), Set([1]) is Set<Int>]"),
                       "[true, false, true, true]")
        XCTAssertEqual(run("let f = { (x: Int) in x }\n[f is (Int) -> Int, 3 is Any, nil is Int?, 0..<3 is Range<Int>]"), "[true, true, true, true]")
        XCTAssertEqual(run("let x: Any = 5\nx is Int && !(x is String)"), "true", "binds tighter than && and comparisons")
    }

    func testAsOptionalGivesTheValueOrNilAndMakesIntsDoubles() {
        run("let d: [String: Any] = [\"lr\": 1, \"name\": \"adam\", \"layers\": [64, 32]]")
        XCTAssertEqual(run("d[\"lr\"] as? Double ?? 0.0"), "1.0", "a JSON-like number written 1 reads as a Double")
        XCTAssertEqual(run("(d[\"name\"] as? String, d[\"name\"] as? Int, d[\"missing\"] as? Int)"), "(\"adam\", nil, nil)")
        XCTAssertEqual(run("(d[\"layers\"] as? [Int])!.count"), "2")
        XCTAssertEqual(run("[1, 2] as? [Double]"), "[1.0, 2.0]")
        XCTAssertEqual(run("var s = 0\nfor v in [1, \"x\", 2, nil, 3.5] as [Any] { if let n = v as? Int { s += n } }\ns"), "3")
    }

    func testAsAndForcedAsGiveTheValueOrATypeErrorNamingBothTypes() {
        XCTAssertEqual(run("(1 as Double, [1, 2] as [Double], \"x\" as Any)"), "(1.0, [1.0, 2.0], \"x\")")
        run("let row: [String: Any] = [\"age\": \"forty\"]")
        let e = error("let age = row[\"age\"] as! Int")
        XCTAssertEqual(e?.kind, .type)
        XCTAssertEqual(e?.message, "\"forty\" (String) is not an Int")
        XCTAssertEqual(e?.location?.column, 22, "the place of the cast")
        XCTAssertEqual(run("row[\"age\"] as! String"), "\"forty\"", "the session lives on")
        XCTAssertEqual(error("3 as String")?.kind, .type)
        XCTAssertEqual(error("3 as? 4")?.kind, .syntax, "a cast needs a type")
    }

    func testASwitchMatchesOnTypes() {
        run("""
        func kind(_ x: Any) -> String {
            switch x {
            case let n as Int where n < 0: return "negative Int"
            case let n as Int: return "Int \\(n)"
            case is String: return "String"
            case let (a, b) as (Int, Int): return "pair \\(a + b)"
            case is [Any]: return "Array"
            default: return "other"
            }
        }
        """)
        XCTAssertEqual(run("[-1, 7, \"s\", (2, 3), [1], 2.5].map(kind)"),
                       "[\"negative Int\", \"Int 7\", \"String\", \"pair 5\", \"Array\", \"other\"]")
    }

    func testThrowsMarksAreRead() {
        run("""
        func divide(_ a: Double, by b: Double) throws -> Double {
            guard b != 0 else { throw error("division by zero") }
            return a / b
        }
        func twice(_ f: (Double) throws -> Double) rethrows -> Double { try f(1) * 2 }
        """)
        XCTAssertEqual(run("(try? divide(1, by: 0), try divide(1, by: 4), try twice { x throws -> Double in x + 1 })"), "(nil, 0.25, 4.0)")
        XCTAssertEqual(run("let g: (Int) throws -> Int = { $0 }\ng(2)"), "2")
    }

    func testBitShiftsSayThereAreNone() {
        let e = error("1 << 4")
        XCTAssertEqual(e?.kind, .syntax)
        XCTAssertTrue(e?.message.contains("no bit shifts") == true, e?.message ?? "")
    }
}
