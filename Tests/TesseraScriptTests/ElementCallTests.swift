import XCTest
@testable import TesseraScript

/// `map { $0.count }`, `filter { $0.hasPrefix("a") }`: a closure that only reads or calls a
/// member of its element is taken as that step, with the closure's answers and errors.
final class ElementCallTests: ScriptTestCase {
    func step(_ source: String) -> MemberStep? {
        guard case .function(let f as ScriptFunction)? = try? interpreter.run(Source(name: "closure", text: source)) else { return nil }
        return f.code.memberStep
    }

    func testClosuresThatOnlyReadOrCallAMemberAreRead() {
        for closure in ["{ $0.count }", "{ row in row.amount }", "{ $0.hasPrefix(\"12\") }", "{ s in s.split(separator: \",\") }",
                        "{ $0.trimmingCharacters(in: .whitespaces) }", "{ $0.lowercased() }", "{ $0.prefix(2) }"] {
            XCTAssertNotNil(step(closure), closure)
        }
        for closure in ["{ $0?.count }", "{ $0.count + 1 }", "{ (x: Double) in x.isNaN }", "{ $0.hasPrefix(p) }", "{ $0.map { $0 } }",
                        "{ a, b in a.count }", "{ $0.first! }", "{ other.count }"] {
            XCTAssertNil(step(closure), closure)
        }
    }

    /// The oracle: the same closure with its result through a local, which is not read.
    func testTheStepGivesTheClosuresAnswers() {
        run("let words = [\"apple\", \"Banana\", \"\", \"a,b,,c\", \" pad \", \"caf\\u{E9}\"]\nlet rows = [[\"v\": 1], [\"v\": 2.5]]\nlet nested = [[1, 2], [], [3]]")
        for (call, oracle) in [("words.map { $0.count }", "words.map { let r = $0.count\n return r }"),
                               ("words.map { $0.uppercased() }", "words.map { let r = $0.uppercased()\n return r }"),
                               ("words.filter { $0.hasPrefix(\"a\") }", "words.filter { let r = $0.hasPrefix(\"a\")\n return r }"),
                               ("words.map { $0.split(separator: \",\") }", "words.map { let r = $0.split(separator: \",\")\n return r }"),
                               ("words.map { $0.split(separator: \",\", omittingEmptySubsequences: false) }",
                                "words.map { let r = $0.split(separator: \",\", omittingEmptySubsequences: false)\n return r }"),
                               ("words.map { $0.trimmingCharacters(in: .whitespaces) }", "words.map { let r = $0.trimmingCharacters(in: .whitespaces)\n return r }"),
                               ("words.first { $0.contains(\"n\") }", "words.first { let r = $0.contains(\"n\")\n return r }"),
                               ("rows.map { $0.v }", "rows.map { let r = $0.v\n return r }"),
                               ("nested.map { $0.isEmpty }", "nested.map { let r = $0.isEmpty\n return r }"),
                               ("nested.compactMap { $0.first }", "nested.compactMap { let r = $0.first\n return r }"),
                               ("nested.map { $0.reversed() }", "nested.map { let r = $0.reversed()\n return r }"),
                               ("(1...4).map { $0.isMultiple(of: 2) }", "(1...4).map { let r = $0.isMultiple(of: 2)\n return r }")] {
            XCTAssertEqual(run(call), run(oracle), call)
        }
    }

    /// Where the step throws, or must not be taken, the closure runs and says what it says.
    func testTheClosureRunsWhereTheStepCannot() throws {
        let missing = try XCTUnwrap(error("[\"ab\", 3].map { $0.hasPrefix(\"a\") }"))
        XCTAssertEqual(missing.kind, .type)
        XCTAssertEqual(missing.location?.column, 20, "at the closure's call")
        XCTAssertEqual(error("[\"a\"].map { $0.hasPrefix(1) }")?.kind, .type)
        XCTAssertEqual(error("[[1]].map { $0.append(2) }")?.message.contains("constant"), true, "a parameter is a constant")
        // A Dict's function is called by the closure, once per element.
        XCTAssertEqual(output("var calls = 0\nlet obj = [\"ping\": { () -> Int in calls += 1\n return calls }]\nlet got = [obj, obj].map { $0.ping() }\nprint(got, calls)"), "[1, 2] 2\n")
    }
}
