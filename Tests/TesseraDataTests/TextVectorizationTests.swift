import Foundation
import XCTest
@testable import TesseraData

/// TextVectorization as a Pipeline step: the vocabulary comes from the rows it is fitted on
/// alone, a text becomes `length` id columns in place of its column, and the fitted step
/// goes through JSON (a saved model's metadata) unchanged.
final class TextVectorizationTests: XCTestCase {
    func frame(_ words: [String?]) throws -> Frame {
        try Frame(columns: [Column("word", strings: words), Column("n", ints: words.map { _ in 1 })])
    }

    func testFitsOnTrainingRowsAndEncodesIntoIdColumns() throws {
        let step = TextVectorization(column: "word", length: 4, kind: .characters)
        let fitted = try step.fit(try frame(["abc", "ab"]))
        XCTAssertEqual(fitted.tokenizer.vocabulary, ["<pad>", "<unk>", "a", "b", "c"], "test rows never reach the vocabulary")
        let out = try fitted.apply(try frame(["cab", "abcde", nil]))
        XCTAssertEqual(out.columnNames, ["word[0]", "word[1]", "word[2]", "word[3]", "n"])
        let rows = (0..<3).map { r in (0..<4).map { j in try! out.column("word[\(j)]").numericValues[r] } }
        XCTAssertEqual(rows, [[4, 2, 3, 0], [2, 3, 4, 1], [0, 0, 0, 0]], "unknown characters are 1, a missing text is all padding")
        let kept = try TextVectorization(column: "word", length: 2, keepEnd: true, kind: .characters).fit(try frame(["abc"])).apply(try frame(["abc"]))
        XCTAssertEqual(try kept.column("word[0]").numericValues, [3])
    }

    func testAFittedTokenizerIsKeptAndTheStepRoundTripsThroughJSON() throws {
        let words = try Tokenizer(.words(pattern: Tokenizer.wordPattern), fitting: ["the cat", "the dog"], lowercase: true)
        let fitted = try TextVectorization(column: "word", length: 3, fitted: words).fit(try frame(["zebra zebra"]))
        XCTAssertEqual(fitted.tokenizer, words)
        let back = try JSONDecoder().decode(TextVectorization.Fitted.self, from: try JSONEncoder().encode(fitted))
        XCTAssertEqual(back.tokenizer, words)
        XCTAssertEqual(back.outputNames, fitted.outputNames)
        XCTAssertEqual(try back.apply(try frame(["The Dog"])).column("word[1]").numericValues, [4], "lowercased as fitted: the, dog")
    }

    func testMistakes() throws {
        XCTAssertThrowsError(try TextVectorization(column: "n", length: 4).fit(try frame(["a"]))) { XCTAssertTrue("\($0)".contains("needs a text column"), "\($0)") }
        XCTAssertThrowsError(try TextVectorization(column: "nope", length: 4).fit(try frame(["a"])))
        let fitted = try TextVectorization(column: "word", length: 4).fit(try frame(["a"]))
        XCTAssertThrowsError(try fitted.apply(try Frame(columns: [Column("other", strings: ["a"])]))) { XCTAssertTrue("\($0)".contains("lacks"), "\($0)") }
        let bad = Data(#"{"column":"w","length":0,"keepEnd":false,"kind":"characters","lowercase":false,"vocabulary":["<pad>","<unk>"],"merges":[]}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(TextVectorization.Fitted.self, from: bad))
    }
}
