import XCTest
@testable import TesseraScript

final class LexerTests: XCTestCase {
    func kinds(_ text: String) throws -> [TokenKind] {
        var lexer = Lexer(text, source: Source(name: "t", text: text))
        return try lexer.tokenize().map(\.kind)
    }

    func testNumbers() throws {
        XCTAssertEqual(try kinds("42 3.5 1e-3 1_000_000 0x1F"),
                       [.int(42), .double(3.5), .double(0.001), .int(1_000_000), .int(31), .end])
    }

    func testPunctuationIsLongestFirst() throws {
        XCTAssertEqual(try kinds("a**=b?.c??d->e...f..<g!=h"),
                       [.identifier("a"), .punct("**="), .identifier("b"), .punct("?."), .identifier("c"), .punct("??"),
                        .identifier("d"), .punct("->"), .identifier("e"), .punct("..."), .identifier("f"), .punct("..<"),
                        .identifier("g"), .punct("!="), .identifier("h"), .end])
        XCTAssertThrowsError(try kinds("a # b"))
    }

    func testShortNamesAndStringsAreHeldInTheirBits() throws {
        // Swift keeps an ASCII String of up to 15 bytes in its own bits; a name or a key
        // that the lexer made in heap storage is hashed and compared the slow way.
        for kind in try kinds("kind \"vx\" caf\u{E9}") {
            let text: String
            switch kind {
            case .identifier(let s): text = s
            case .string(let parts): guard case .text(let s)? = parts.first else { continue }; text = s
            default: continue
            }
            let flags = unsafeBitCast(text, to: (UInt64, UInt64).self).1 >> 60
            XCTAssertTrue(flags == 0xE || flags == 0xA, "\(text) is small")
        }
        XCTAssertEqual(try kinds("caf\u{E9} \"\u{1F600}x\""), [.identifier("caf\u{E9}"), .string([.text("\u{1F600}x")]), .end])
    }

    func testRangesAreNotDoubles() throws {
        XCTAssertEqual(try kinds("1...5 0..<3"), [.int(1), .punct("..."), .int(5), .int(0), .punct("..<"), .int(3), .end])
    }

    func testTupleIndexAfterDot() throws {
        XCTAssertEqual(try kinds("t.0.1"), [.identifier("t"), .punct("."), .int(0), .punct("."), .int(1), .end])
    }

    func testStringEscapesAndInterpolation() throws {
        let k = try kinds(#""a\tb\u{1F600} \(x + 1)!""#)
        guard case .string(let parts) = k[0] else { return XCTFail("not a string") }
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts[0], .text("a\tb😀 "))
        if case .code(let code, let loc) = parts[1] {
            XCTAssertEqual(code, "x + 1")
            XCTAssertEqual(loc.column, 18)
        } else { XCTFail("no interpolation") }
    }

    func testNestedBlockCommentsAndKeywords() throws {
        XCTAssertEqual(try kinds("/* a /* b */ c */ let x // tail"), [.keyword(.let), .identifier("x"), .end])
    }

    func testUnicodeIdentifiers() throws {
        XCTAssertEqual(try kinds("let ñandú = 1"), [.keyword(.let), .identifier("ñandú"), .punct("="), .int(1), .end])
    }

    func testPositionsAndNewlines() throws {
        var lexer = Lexer("a\n  bb", source: Source(name: "t", text: "a\n  bb"))
        let toks = try lexer.tokenize()
        XCTAssertEqual(toks[1].location, SourceLocation(line: 2, column: 3, length: 2))
        XCTAssertTrue(toks[1].newlineBefore)
    }

    func testUnterminatedStringIsAtEndOfInput() {
        var lexer = Lexer("\"abc", source: Source(name: "t", text: "\"abc"))
        XCTAssertThrowsError(try lexer.tokenize()) { e in
            XCTAssertEqual((e as? ScriptError)?.kind, .syntax)
            XCTAssertEqual((e as? ScriptError)?.atEndOfInput, true)
        }
    }

    /// A combining mark belongs to the identifier before it, and a name is the same however
    /// its accents are encoded (é as one scalar or as e + U+0301).
    func testCombiningMarksInIdentifiersAndNormalization() throws {
        XCTAssertEqual(try kinds("let cafe\u{301} = 1"), [.keyword(.let), .identifier("café"), .punct("="), .int(1), .end])
        XCTAssertEqual(try kinds("caf\u{E9}"), try kinds("cafe\u{301}"))
        var lexer = Lexer("let \u{301}x = 1", source: Source(name: "t", text: "let \u{301}x = 1"))
        XCTAssertThrowsError(try lexer.tokenize()) { e in
            XCTAssertEqual("\(e)".components(separatedBy: "\n").first,
                           "SyntaxError: the combining mark U+0301 (COMBINING ACUTE ACCENT) has no letter before it to combine with (t, line 1, column 5)")
        }
        var invisible = Lexer("x\u{200B}", source: Source(name: "t", text: "x\u{200B}"))
        XCTAssertThrowsError(try invisible.tokenize()) { XCTAssertTrue("\($0)".contains("unexpected character U+200B (ZERO WIDTH SPACE)"), "\($0)") }
    }

    /// An error about something that began lines earlier (an unclosed multi-line string or
    /// comment) points at where it began, never at a negative column.
    func testErrorsAboutLongConstructsPointWhereTheyBegan() {
        for text in ["x\n  let s = \"\"\"\n    abc\n    def", "x\n  /* open\n   still\n"] {
            var lexer = Lexer(text, source: Source(name: "t", text: text))
            XCTAssertThrowsError(try lexer.tokenize()) { e in
                XCTAssertEqual((e as? ScriptError)?.location?.line, 2, "\(e)")
                XCTAssertEqual((e as? ScriptError)?.location?.column, text.contains("/*") ? 3 : 11, "\(e)")
            }
        }
    }
}
