import Dispatch
import XCTest
@testable import TesseraScript

/// `do { } catch { }`, `try`, `try?` and `try!`, as in Swift: what is caught, what is bound,
/// what passes on, and that the machine is whole after a catch deep in calls.
final class DoCatchTests: ScriptTestCase {
    override func setUp() {
        super.setUp()
        run("""
            func check(_ x) { if x < 0 { throw error("negative: \\(x)") }; return x }
            func twice(_ x) { return check(x) * 2 }
            """)
    }

    func testACatchGetsTheErrorRaisedDeepInCallsAndTheCellGoesOn() {
        XCTAssertEqual(output("""
            var ran = []
            do {
                ran.append("before")
                let v = try twice(-1)
                ran.append("after \\(v)")
            } catch {
                print(error.kind, error.message, error.line)
                print(error)
            }
            print(ran)
            """), "ValueError negative: -1 1\nValueError(\"negative: -1\")\n[\"before\"]\n")
        XCTAssertEqual(run("twice(4)"), "8")
    }

    func testTheFirstClauseWhoseWhereHoldsRunsAndNoneMatchingPassesTheErrorOn() throws {
        let clauses = """
            catch let e where e.kind == "KeyError" { "key: " + e.message }
            catch where error.kind == "IndexError" { "index: " + error.message }
            """
        func attempt(_ body: String) -> String { "func attempt() {\n do { \(body) }\n \(clauses.replacingOccurrences(of: "{ \"", with: "{ return \""))\n return \"none\"\n}\nattempt()" }
        XCTAssertEqual(run(attempt("_ = [\"a\": 1].b")), "\"key: the Dict has no key 'b'\"")
        XCTAssertEqual(run(attempt("_ = [1][3]")), "\"index: index 3 is out of range for an Array of 1 element (valid: 0..<1)\"")
        XCTAssertEqual(run(attempt("_ = 1")), "\"none\"")
        // A ValueError matches neither: it leaves as it was raised, its place and calls kept.
        let e = try XCTUnwrap(error(attempt("_ = twice(-3)")))
        XCTAssertEqual(e.kind, .value)
        XCTAssertEqual(e.message, "negative: -3")
        XCTAssertEqual(e.location?.line, 1, "raised in check, on the first line of the setUp cell")
        XCTAssertEqual(e.callStack.map(\.function), ["check", "twice", "attempt"])
    }

    func testThrowingTheCaughtErrorRaisesItAgainAsItWas() throws {
        let e = try XCTUnwrap(error("""
            var seen = ""
            do { try twice(-2) } catch {
                seen = error.message
                throw error
            }
            """))
        XCTAssertEqual(e.message, "negative: -2")
        XCTAssertEqual(e.location?.line, 1)
        XCTAssertEqual(e.callStack.map(\.function), ["check", "twice"])
        XCTAssertEqual(run("seen"), "\"negative: -2\"", "the catch ran before the error went on")
    }

    func testTryQuestionGivesNilForAnErrorAndTryAndTryBangAreTheValue() {
        XCTAssertEqual(run("try? check(-1)"), nil)
        XCTAssertEqual(run("(try? check(-1)) == nil"), "true")
        XCTAssertEqual(run("try? check(3)"), "3")
        // As in Swift, try? covers the whole expression to its right, ?? included.
        XCTAssertEqual(run("try? check(-1) ?? 7"), nil)
        XCTAssertEqual(run("(try? check(-1)) ?? 7"), "7")
        XCTAssertEqual(run("[3, -1, 2].compactMap { try? check($0) }"), "[3, 2]")
        XCTAssertEqual(run("try check(5) + 1"), "6")
        XCTAssertEqual(run("try! twice(5)"), "10")
        XCTAssertEqual(error("let x = try twice(-1)")?.message, "negative: -1")
        XCTAssertEqual(run("var got = 1\ngot = try? check(-4)\ngot"), nil, "the variable is nil after, as in Swift")
    }

    func testErrorsFromClosuresThatNativeCodeCallsAreCaught() {
        XCTAssertEqual(output("""
            do {
                let ys = try [1, -2, 3].map { try check($0) }
                print(ys)
            } catch {
                print("map stopped:", error.message)
            }
            do { print([3, 1].sorted { a, b in try check(-a) < b }) } catch { print("sort stopped:", error.kind) }
            """), "map stopped: negative: -2\nsort stopped: ValueError\n")
    }

    func testAFunctionGoesOnWithItsOwnRegistersAfterACatchInItsCallees() {
        // Each call catches an error raised three calls down, then keeps computing with its
        // locals and calls again: registers, frames and the call depth are as before.
        run("""
            func down(_ n) { return n == 0 ? check(-1) : down(n - 1) + 1 }
            func tally(_ k) {
                var total = k * 100
                let before = [k, k + 1]
                do { total += try down(3) } catch { total += 1 }
                return total + before[1] + twice(k)
            }
            """)
        var expected = 0
        for k in 0..<50 { expected += k * 100 + 1 + (k + 1) + 2 * k }
        XCTAssertEqual(run("(0..<50).map { tally($0) }.sum()"), String(expected))
        XCTAssertEqual(output("func deep(_ n) { return deep(n + 1) }\ndo { deep(0) } catch { print(error.kind) }"), "RecursionError\n")
        XCTAssertEqual(run("func fib(_ n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(20)"), "6765")
        XCTAssertEqual(output("do { deep(0) } catch { print(error.kind) }"), "RecursionError\n",
                       "the depth counted back down: the limit is where it was")
    }

    func testBreakContinueAndReturnLeaveADoAndItsCatch() {
        XCTAssertEqual(run("""
            var n = 0
            for i in 0..<6 {
                do {
                    if i == 5 { break }
                    if i % 2 == 0 { throw error("even") }
                    n += i
                } catch {
                    n += 100
                    continue
                }
            }
            n
            """), "304")
        XCTAssertEqual(run("func h(_ x) {\n do { return try check(x) } catch { return \"caught \\(error.message)\" }\n}\n[h(2), h(-2)]"),
                       "[2, \"caught negative: -2\"]")
    }

    func testADoWithoutCatchIsAScopeAndTheErrorsNameIsTheClausesOwn() {
        XCTAssertEqual(output("do { let inner = 1\n print(inner) }"), "1\n")
        XCTAssertEqual(error("inner")?.kind, .name)
        XCTAssertEqual(error("do { let x = 1 }\nerror.kind")?.kind, .type, "outside a catch, error is the prelude's function")
        XCTAssertEqual(output("do { try check(-1) } catch var e { e = 5\n print(e) }"), "5\n")
        XCTAssertEqual(output("do { try check(-1) } catch _ { print(\"ignored\") }"), "ignored\n")
        // A closure made in a catch keeps the error it captured.
        XCTAssertEqual(run("var keep = { 0 }\ndo { try check(-6) } catch { keep = { error.message } }\nkeep()"), "\"negative: -6\"")
    }

    func testCallingTheCaughtErrorAsTheFunctionSaysToNameIt() throws {
        let e = try XCTUnwrap(error("do { try check(-1) } catch { throw error(\"wrapped\") }"))
        XCTAssertEqual(e.kind, .type)
        XCTAssertTrue(e.message.contains("the error the catch caught (ValueError)"), e.message)
        XCTAssertTrue(e.suggestion?.contains("catch let e") == true, e.suggestion ?? "")
        let wrapped = try XCTUnwrap(error("do { try check(-1) } catch let e { throw error(\"wrapped: \\(e.message)\") }"))
        XCTAssertEqual(wrapped.message, "wrapped: negative: -1")
    }

    func testUnderscoreAssignmentWorksTheValueOutAndDropsIt() {
        XCTAssertEqual(output("var calls = 0\nfunc bump() { calls += 1\n return calls }\n_ = bump()\n_ = bump()\nprint(calls)"), "2\n")
        XCTAssertNil(run("_ = 5"), "nothing to show: the value is dropped")
        XCTAssertEqual(error("_ += 1")?.kind, .syntax)
    }

    func testTheWordsStayNamesWhereTheyAreNotStatements() {
        XCTAssertEqual(run("var try = 2\ntry += 1\ntry"), "3")
        XCTAssertEqual(run("let do = 4\ndo * 2"), "8")
        XCTAssertEqual(run("let catch = [1]\ncatch.count"), "1")
    }

    func testMisplacedOrUnsupportedCatchesAreSyntaxErrors() {
        XCTAssertEqual(error("catch { print(1) }")?.message, "'catch' without a 'do'; write do { ... } catch { ... }")
        let typed = error("do { } catch let e as ValueError { }")
        XCTAssertEqual(typed?.kind, .syntax)
        XCTAssertTrue(typed?.message.contains("error.kind ==") == true, typed?.message ?? "")
    }

    func testOnlyTheLanguagesErrorsAreCaughtNotTheMachinerysSignals() throws {
        // A native function's own signal (as trial.report's for a pruned trial) passes
        // through every catch and try?; a domain error that has a language form is caught.
        struct Signal: Error {}
        struct Domain: ScriptErrorConvertible { var scriptError: ScriptError { ScriptError(.data, "bad rows") } }
        interpreter.definePrelude(NativeFunction("signal") { _, _ in throw Signal() })
        interpreter.definePrelude(NativeFunction("domain") { _, _ in throw Domain() })
        for cell in ["do { signal() } catch { print(\"caught\") }", "let s = try? signal()"] {
            XCTAssertThrowsError(try LargeStack.run { try interpreter.run(Source(name: "cell", text: cell)) }, cell) { error in
                XCTAssertTrue(error is Signal, "\(error)")
            }
        }
        XCTAssertEqual(output("do { domain() } catch { print(error.kind, error.message) }"), "DataError bad rows\n")
    }

    func testPythonsTryAndExceptGetTheSwiftSpelling() {
        XCTAssertEqual(error("try:\n    x = 1\nexcept:\n    pass")?.message.contains("do { try f() } catch"), true)
        XCTAssertEqual(error("do { } except { }")?.message.contains("write catch { ... }"), true)
    }

    func testAnInterruptIsNeverCaught() throws {
        for cell in ["while true { do { _ = check(1) } catch { } }", "while true { _ = try? check(1) }",
                     "func spin() { while true { } }\ndo { spin() } catch { print(\"caught\") }"] {
            let flag = interpreter.interrupt
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
            XCTAssertEqual(try XCTUnwrap(error(cell), cell).kind, .interrupted, cell)
            flag.clear()
        }
        XCTAssertEqual(host.stdout, "", "no catch ran")
    }
}
