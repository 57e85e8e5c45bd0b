import XCTest
@testable import TesseraScript

/// An error case for each syntax form of LANGUAGE.md, beside the positive cases of
/// InterpreterTests: each says what went wrong, and the session lives on.
final class SyntaxErrorCaseTests: ScriptTestCase {
    func check(_ code: String, _ kind: ErrorKind, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(code, file: file, line: line) else { return }
        XCTAssertEqual(e.kind, kind, e.formatted, file: file, line: line)
        XCTAssertTrue(e.formatted.contains(words), "'\(words)' not in:\n\(e.formatted)", file: file, line: line)
    }

    func testLexicalForms() {
        check("/* never closed", .syntax, "unterminated comment")
        check("let x = 12abc", .syntax, "cannot follow a number")
        check("0xZZ", .syntax, "invalid hexadecimal literal")
        check("99999999999999999999", .syntax, "does not fit in 64 bits")
        check("\"bad \\q escape\"", .syntax, "unknown escape")
        check("\"\\u{110000}\"", .syntax, "invalid Unicode escape")
        check("\"open", .syntax, "unterminated string")
        check("\"\"\"\nnever closed", .syntax, "unterminated multi-line string")
        check("\"\"\"\n  a\n b\n  \"\"\"", .syntax, "indented less than its closing")
        check("\"\\(\"", .syntax, "interpolation")
        check("let a = 1 # 2", .syntax, "unexpected character '#'")
        check("let let = 1", .syntax, "'let' is a keyword")
    }

    func testDeclarations() {
        check("let x", .syntax, "a 'let' needs a value")
        check("let (a, b) = (1, 2, 3)", .value, "cannot destructure 3 values into 2 names")
        check("let (a, b) = 5", .type, "cannot destructure a value of type Int")
        check("var (p, q)", .syntax, "a tuple pattern needs a value")
        check("func f(_ a, _ a) { }", .syntax, "parameter 'a' is declared twice")
        check("func (x) { }", .syntax, "expected a function name")
        check("func g(x) { return x }\ng(y: 1)", .type, "needs 'x:', got 'y:'")
        check("func h(x, y = 2) { }\nh(x: 1, z: 3)", .type, "has no parameter 'z:'")
        check("func k(a, b) { }\nk(b: 1, a: 2)", .type, "needs 'a:', got 'b:'")
        check("func m(_ a) { }\nm()", .type, "missing argument")
    }

    func testClosures() {
        check("let f = { (a, b) in a + b }\nf(1)", .type, "the closure takes 2 arguments, got 1")
        check("let g = { a in a }\ng(x: 1)", .type, "closures take unlabelled arguments")
        check("let h = { a in $0 }", .syntax, "'$0' can only be used in a closure without a parameter list")
        check("$0", .syntax, "'$0' can only be used")
        check("[1, 2].map(5)", .type, "map needs a function or closure, got Int")
        check("[1, 2].filter { $0 }", .type, "must return a Bool, got Int")
    }

    func testControlFlow() {
        check("if 1 { }", .type, "the condition of 'if' must be a Bool")
        check("while nil { }", .type, "the condition of 'while' must be a Bool")
        check("func f() { guard 0 else { return } }\nf()", .type, "the condition of 'guard' must be a Bool")
        check("guard true else { }", .syntax, "the 'else' of a guard must leave the scope")
        check("for x in 5 { }", .type, "cannot iterate over a value of type Int")
        check("for x 0..<3 { }", .syntax, "expected 'in' after the loop variable")
        check("if true print(1)", .syntax, "expected '{' to start the body of the if")
        check("if true { print(1)", .syntax, "expected '}' to close the '{'")
        check("else { }", .syntax, "'else' without an 'if'")
        check("continue", .syntax, "'continue' outside a loop")
        check("return", .syntax, "'return' outside a function")
        check("throw 5", .type, "throw needs an error")
    }

    func testExpressions() {
        check("1 +", .syntax, "expected an expression")
        check("(1, 2", .syntax, "expected ')'")
        check("[1, 2", .syntax, "expected ']' to close the array")
        check("[\"a\": 1, \"b\"]", .syntax, "expected ':' between a key and its value")
        check("[[1]: 2]", .type, "cannot be a Dict key")
        check("3 ? 1 : 2", .type, "the condition of '?:' must be a Bool")
        check("true ? 1", .syntax, "expected ':' to separate the branches")
        check("1 && true", .type, "'&&' needs Bool operands, got Int")
        check("!5", .type, "'!' needs a Bool")
        check("-\"x\"", .type, "cannot negate a value of type String")
        check("\"a\" + 1", .type, "cannot add Int to a String")
        check("1.5 ..< 3", .type, "a range needs Int bounds")
        check("5..<1", .value, "must not exceed its upper bound")
        check("[1, 2] @ [3]", .type, "the left operand of '@' must be an Array of Arrays")
        check("nil.count", .type, "nil has no member 'count'")
        check("let n = nil\nn[0]", .type, "cannot subscript nil")
        check("(1, 2).5", .index, "no element .5")
        check("1 = 2", .syntax, "cannot assign to this expression")
        check("undefinedThing = 2", .name, "'undefinedThing' is not defined")
        check("print = 1", .type, "it is a prelude name")
        check("\"abc\".count()", .type, "'count' is a property, not a method")
        check("[1][\"a\"]", .type, "index must be an Int or a Range")
    }

    func testSessionLivesOnAfterEachError() {
        run("let kept = 1")
        _ = error("kept(")
        _ = error("kept + nope")
        _ = error("[kept][3]")
        XCTAssertEqual(run("kept"), "1")
    }
}
