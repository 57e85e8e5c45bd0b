import XCTest
@testable import TesseraScript

/// Errors, in exactly the form LANGUAGE.md shows: kind, message, place, source line,
/// caret, suggestion. An error ends its cell and keeps what was bound before it.
final class ErrorTests: ScriptTestCase {
    func expect(_ code: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(error(code, file: file, line: line)?.formatted, text, file: file, line: line)
    }

    func testNameErrorWithSuggestion() {
        run("let train = 1")
        expect("let model = 1\nmodel.fit(trian, epochs: 3)", """
            NameError: 'trian' is not defined (cell 2, line 2, column 11)
                model.fit(trian, epochs: 3)
                          ^~~~~
            did you mean 'train'?
            """)
    }

    func testSyntaxError() {
        expect("let ok = 1\nlet bad = (1 +", """
            SyntaxError: expected an expression, but the cell ended (cell 1, line 2, column 15)
                let bad = (1 +
                              ^
            """)
        expect("let x = 1 2", """
            SyntaxError: expected the end of the statement before '2'; put statements on separate lines or separate them with ';' (cell 2, line 1, column 11)
                let x = 1 2
                          ^
            """)
    }

    func testTypeErrorForConstant() {
        expect("let fixed = 1\nfixed = 2", """
            TypeError: cannot assign to 'fixed': it is a constant (declared with let) (cell 1, line 2, column 1)
                fixed = 2
                ^~~~~
            declare it with var to change it
            """)
    }

    func testTypeErrorForMissingMember() {
        expect("[1].cout", """
            TypeError: a value of type Array has no member 'cout' (cell 1, line 1, column 5)
                [1].cout
                    ^~~~
            did you mean 'count'?
            """)
    }

    /// Python's and JavaScript's spellings are answered with Swift's, not left to a guess
    /// (`range` was "did you mean 'arange'?").
    func testHabitsFromOtherLanguagesGetTheSwiftSpelling() {
        expect("for i in range(3) { print(i) }", """
            NameError: 'range' is not defined (cell 1, line 1, column 10)
                for i in range(3) { print(i) }
                         ^~~~~
            Tessera reads like Swift: write 0..<n (or stride(from:to:by:))
            """)
        XCTAssertEqual(error("len([1, 2])")?.suggestion, "Tessera reads like Swift: write xs.count")
        XCTAssertEqual(error("let flag = True")?.suggestion, "Tessera reads like Swift: write true")
        XCTAssertEqual(error("[1].push(2)")?.suggestion, "Tessera reads like Swift: write xs.append(x)")
        XCTAssertEqual(error("\",\".join([\"a\"])")?.suggestion, "Tessera reads like Swift: write xs.joined(separator: \",\")")
        // A defined name is never second-guessed, and a near miss still gets the closest name.
        XCTAssertEqual(run("let len = 3\nlen"), "3")
        XCTAssertEqual(error("[1].cunt")?.suggestion, "did you mean 'count'?")
        // Swift has no `++`: said at the operator, not as the cell ending early.
        expect("var n = 1\nn++", """
            SyntaxError: there is no '++' operator, as in Swift: write x += 1 (cell 8, line 2, column 2)
                n++
                 ^
            """)
        XCTAssertEqual(run("1 - -2"), "3")
    }

    /// Swift's declarations the language has not are said by name at their word, not as a
    /// statement that ended early; `import Foundation` at the top of a Swift script is read.
    func testSwiftsDeclarationsTheLanguageLacksAreNamed() {
        XCTAssertEqual(run("import Foundation\n1 + 1"), "2")
        let numpy = error("import numpy as np")
        XCTAssertEqual(numpy?.kind, .syntax)
        XCTAssertEqual(numpy?.message.contains("no module 'numpy'"), true, numpy?.message ?? "")
        for (cell, words) in [("struct Point { var x: Int }", "no struct declarations"), ("class Model {}", "no class declarations"),
                              ("enum Color { case red }", "symbols (.red, .green)"),
                              ("func f() {\n  defer { print(1) }\n}", "no defer"),
                              ("func bump(_ x: inout Int) { x += 1 }", "no inout"), ("var a = 1\nbump(&a)", "no inout (&x)"),
                              ("func total(_ xs: Int...) -> Int { 0 }", "no variadic parameters"),
                              ("let ys = [x * 2 for x in [1, 2] if x > 0]", "xs.map { $0 * 2 }"),
                              ("def double(x):\n    return 2 * x", "write func double(_ x)")] {
            let e = error(cell)
            XCTAssertEqual(e?.kind, .syntax, cell)
            XCTAssertEqual(e?.message.contains(words), true, "\(cell): \(e?.message ?? "")")
        }
        XCTAssertEqual(error("1 & 2")?.message.contains("no bitwise operators"), true)
        // The words stay names where they are not declarations.
        XCTAssertEqual(run("let struct = 3\nlet import = 4\nstruct + import"), "7")
        XCTAssertEqual(run("let def = [1, 2]\nfunc h(_ def: Int) -> Int { def }\nh(def[1])"), "2")
    }

    /// A comparison's TypeError names the operands in the order written and the operator as
    /// written (`a > b` is `b < a` underneath, which the message once said).
    func testAComparisonErrorSaysWhatWasWritten() {
        for (cell, message) in [("3 > \"a\"", "cannot compare Int with String using '>'"),
                                ("\"a\" <= 3", "cannot compare String with Int using '<='"),
                                ("let x: Any? = nil\nx >= 1", "cannot compare nil with Int using '>='"),
                                ("func f(_ a, _ b) { a > b }\nf(true, 2)", "cannot compare Bool with Int using '>'")] {
            XCTAssertEqual(error(cell)?.message, message, cell)
        }
        // Two Arrays: the pair of elements that cannot be compared.
        XCTAssertEqual(error("[1, 2] > [1, \"b\"]")?.message, "cannot compare String with Int using '<'")
    }

    func testTypeErrorForLabels() {
        expect("func area(width, height) { return width * height }\narea(2, 5)", """
            TypeError: argument 1 of area(width:height:) needs 'width:', got no label (cell 1, line 2, column 1)
                area(2, 5)
                ^~~~
            write width: value
            """)
    }

    func testValueErrorForDivisionByZero() {
        expect("1 / 0", """
            ValueError: division by zero (cell 1, line 1, column 3)
                1 / 0
                  ^
            Int division by 0 is undefined; use Double(x) / 0 for inf
            """)
    }

    func testValueErrorFromThrow() {
        expect("func check(_ x) {\n  guard x > 0 else { throw error(\"x must be positive\") }\n  return x\n}\ncheck(-1)", """
            ValueError: x must be positive (cell 1, line 2, column 22)
                  guard x > 0 else { throw error("x must be positive") }
                                     ^~~~~
              in 'check', called at cell 1, line 5, column 1
                check(-1)
            """)
    }


    /// Swift's stops end the cell with a ValueError where Swift would end the program: the
    /// session lives on, and a guard's else may end with fatalError as in Swift.
    func testSwiftsStopsAreValueErrors() {
        expect("func parse(_ s: String) -> Int {\n  guard let n = Int(s) else { fatalError(\"not a number: \\(s)\") }\n  return n\n}\nparse(\"x\")", """
            ValueError: fatal error: not a number: x (cell 1, line 2, column 31)
                  guard let n = Int(s) else { fatalError("not a number: \\(s)") }
                                              ^~~~~~~~~~
              in 'parse', called at cell 1, line 5, column 1
                parse("x")
            """)
        XCTAssertEqual(run("parse(\"12\")"), "12")
        XCTAssertEqual(error("precondition(1 > 2, \"one is not more than two\")")?.message, "precondition failed: one is not more than two")
        XCTAssertEqual(error("assert([1, 2].isEmpty)")?.message, "assertion failed")
        XCTAssertEqual(error("fatalError()")?.message, "fatal error")
        XCTAssertEqual(run("precondition(true)\nassert(2 > 1, \"fine\")\n3"), "3")
        XCTAssertEqual(run("var caught = \"\"\ndo { precondition(false, \"no\") } catch { caught = error.message }\ncaught"), "\"precondition failed: no\"")
        XCTAssertEqual(error("precondition(1)")?.kind, .type, "the condition is a Bool")
        XCTAssertEqual(error("func f(_ x: Int) -> Int {\n  guard x > 0 else { print(x) }\n  return x\n}")?.kind, .syntax, "any other call may return")
    }
    func testIndexError() {
        expect("let small = [1, 2, 3]\nsmall[5]", """
            IndexError: index 5 is out of range for an Array of 3 elements (valid: 0..<3) (cell 1, line 2, column 6)
                small[5]
                     ^
            """)
    }

    /// Python's `xs[-1]` is the habit; the error says what Swift writes instead, reading,
    /// writing and on a String alike.
    func testNegativeIndexSuggestsTheEnd() {
        expect("let small = [1, 2, 3]\nsmall[-1]", """
            IndexError: index -1 is out of range for an Array of 3 elements (valid: 0..<3) (cell 1, line 2, column 6)
                small[-1]
                     ^
            indices do not count from the end, as in Swift: the last element is .last (or [count - 1])
            """)
        XCTAssertEqual(error("var xs = [1, 2, 3]\nxs[-2] = 0")?.suggestion, "indices do not count from the end, as in Swift: write [count - 2]")
        XCTAssertEqual(error("\"abc\"[-1]")?.suggestion, "indices do not count from the end, as in Swift: the last element is .last (or [count - 1])")
        XCTAssertNil(error("let e: [Int] = []\ne[-1]")?.suggestion, "an empty Array has no last element to point to")
        XCTAssertNil(error("[1][3]")?.suggestion)
    }

    func testKeyError() {
        expect("let p = [\"lr\": 0.1]\np.lrr", """
            KeyError: the Dict has no key 'lrr' (cell 1, line 2, column 3)
                p.lrr
                  ^~~
            did you mean 'lr'?
            """)
    }

    func testRecursionError() {
        expect("func down(_ n) { return down(n + 1) }\ndown(0)", """
            RecursionError: maximum recursion depth (10000) exceeded in 'down' (cell 1, line 1, column 25)
                func down(_ n) { return down(n + 1) }
                                        ^~~~
            a function that calls itself needs a case that stops the recursion
              in 'down', called at cell 1, line 1, column 25
                func down(_ n) { return down(n + 1) }
              [the call above repeated 9998 more times]
              in 'down', called at cell 1, line 2, column 1
                down(0)
            """)
    }

    /// An argument whose label was forgotten is named as such (it used to read "it takes
    /// 2, got 2").
    func testAMissingLabelIsNamedNotCountedAsTooMany() {
        run("func scaled(_ x, by factor = 2.0) { return x * factor }")
        expect("scaled(3, 10)", """
            TypeError: argument 2 of scaled(_:by:) has no label; its parameter 2 is 'by:' (cell 2, line 1, column 1)
                scaled(3, 10)
                ^~~~~~
            write by: 10
            """)
        XCTAssertTrue(error("scaled(3, by: 1, 2)")?.message.contains("it takes at most 2, got 3") ?? false)
    }

    func testElementWiseArithmeticOnArraysPointsAtTensors() {
        expect("[1, 2, 3] * [1, 2]", """
            TypeError: unsupported operand types for '*': Array and Array (cell 1, line 1, column 11)
                [1, 2, 3] * [1, 2]
                          ^
            '+' joins Arrays; for element-wise arithmetic use tensors: tensor(xs) * tensor(ys)
            """)
    }

    func testInterrupted() {
        interpreter.interrupt.set()
        expect("var spins = 0\nwhile true { spins += 1 }", """
            Interrupted: the cell was interrupted (cell 1, line 1, column 1)
                var spins = 0
                ^~~
            """)
        interpreter.interrupt.clear()
    }

    func testIOErrorFromHost() {
        final class NoInput: ScriptHost {
            func write(_ text: String, to stream: OutputStreamName) {}
            func display(_ value: Value, displayID: String?, update: Bool) throws {}
            func clearOutput(wait: Bool) {}
            func readInput(prompt: String, password: Bool) throws -> String {
                throw ScriptError(.io, "input() is not available")
            }
        }
        interpreter.host = NoInput()
        expect("let name = input(\"name? \")", """
            IOError: input() is not available (cell 1, line 1, column 12)
                let name = input("name? ")
                           ^~~~~
            """)
    }

    func testErrorKeepsEarlierBindings() {
        XCTAssertEqual(error("let kept = 41\nlet broken = nope + 1")?.kind, .name)
        XCTAssertEqual(run("kept + 1"), "42")
        XCTAssertEqual(error("broken")?.kind, .name)
    }

    func testDeepNestingIsASyntaxErrorNotACrash() {
        let e = error(String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000))
        XCTAssertEqual(e?.kind, .syntax)
        XCTAssertTrue(e?.message.contains("too deeply nested") ?? false)
        XCTAssertEqual(error(String(repeating: "-", count: 10_000) + "1")?.kind, .syntax)
        XCTAssertEqual(error(String(repeating: "[", count: 10_000))?.kind, .syntax)
    }

    func testMoreSyntaxErrors() {
        XCTAssertEqual(error("return 1")?.message, "'return' outside a function")
        XCTAssertEqual(error("break")?.message, "'break' outside a loop")
        XCTAssertEqual(error("1 < 2 < 3")?.message, "comparisons cannot be chained; write a < b && b < c")
        XCTAssertEqual(error("guard true else { print(1) }")?.message, "the 'else' of a guard must leave the scope: end it with return, break, continue or throw")
        XCTAssertEqual(error("if 1 { }")?.message, "the condition of 'if' must be a Bool, got Int")
        XCTAssertEqual(error("let s = 'x'")?.message, "strings use double quotes: \"...\"")
        XCTAssertEqual(error("9223372036854775807 + 1")?.kind, .value)
        XCTAssertEqual(error("func f(_ a) { return a }\nf(1, 2)")?.message, "too many arguments in call to f(_:): it takes 1, got 2")
    }
}
