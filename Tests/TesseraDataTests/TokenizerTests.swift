import Foundation
import XCTest
@testable import TesseraData

/// Tokenizers fitted on a corpus: reserved ids, frequency order, unknown tokens, round trips,
/// padding and masks, byte-pair merges as the algorithm defines them, and clear errors.
final class TokenizerTests: XCTestCase {
    let corpus = ["the cat sat on the mat.", "The dog sat, the cat ran!", "a cat; a dog"]

    func testWordsAreCountedAndOrderedByFrequency() throws {
        let t = try Tokenizer(.words(pattern: Tokenizer.wordPattern), fitting: corpus, lowercase: true)
        XCTAssertEqual(Array(t.vocabulary.prefix(5)), ["<pad>", "<unk>", "the", "cat", "sat"])
        XCTAssertEqual(t.tokens("The cat, again."), ["the", "cat", ",", "again", "."])
        let ids = t.encode("The cat, again.")
        XCTAssertEqual(ids[2], t.vocabulary.firstIndex(of: ",")!)
        XCTAssertEqual(ids[3], 1, "a word the corpus never had is <unk>")
        XCTAssertEqual(t.decode(t.encode("the dog ran")), "the dog ran")
        let capped = try Tokenizer(.words(pattern: Tokenizer.wordPattern), fitting: corpus, lowercase: true, maxTokens: 4)
        XCTAssertEqual(capped.vocabulary, ["<pad>", "<unk>", "the", "cat"])
        XCTAssertEqual(capped.encode("the dog"), [2, 1])
    }

    func testCharactersRoundTripAndPadWithAMask() throws {
        let t = try Tokenizer(.characters, fitting: ["abcab", "ça va"])
        XCTAssertEqual(t.decode(t.encode("ça cab")), "ça cab")
        let (ids, mask) = try t.encode(["ab", "abcabc", ""], length: 4)
        let a = Int32(t.vocabulary.firstIndex(of: "a")!), b = Int32(t.vocabulary.firstIndex(of: "b")!), c = Int32(t.vocabulary.firstIndex(of: "c")!)
        XCTAssertEqual(ids, [a, b, 0, 0, a, b, c, a, 0, 0, 0, 0])
        XCTAssertEqual(mask, [1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])
        let (end, _) = try t.encode(["abcabc"], length: 4, keepEnd: true)
        XCTAssertEqual(end, [c, a, b, c])
        XCTAssertThrowsError(try t.encode(["a"], length: 0)) { XCTAssertTrue("\($0)".contains("length of at least 1")) }
    }

    /// The merges of Sennrich et al.'s example corpus: low ×5, lower ×2, newest ×6, widest ×3.
    func testBytePairMergesAreTheAlgorithms() throws {
        let words = Array(repeating: "low", count: 5) + Array(repeating: "lower", count: 2) + Array(repeating: "newest", count: 6) + Array(repeating: "widest", count: 3)
        let t = try Tokenizer(.bytePairs, fitting: [words.joined(separator: " ")], vocabularySize: 2 + 11 + 4)
        // e+s (9 times; ties with s+t</w>, seen later), es+t</w> (9), l+o (7), then n+e (6: seen
        // before e+w and w+est</w>, which tie with it).
        XCTAssertEqual(t.merges, [["e", "s"], ["es", "t</w>"], ["l", "o"], ["n", "e"]])
        XCTAssertEqual(t.tokens("lowest"), ["lo", "w", "est</w>"])
        XCTAssertEqual(t.decode(t.encode("newest low")), "newest low")
        XCTAssertEqual(t.vocabulary.count, 17)
        // Fitting twice gives the same tokenizer; a rebuilt one from its parts equals it.
        XCTAssertEqual(t, try Tokenizer(.bytePairs, fitting: [words.joined(separator: " ")], vocabularySize: 17))
        XCTAssertEqual(t, try Tokenizer(kind: .bytePairs, lowercase: false, vocabulary: t.vocabulary, merges: t.merges))
    }

    func testBadSettingsAreClearErrors() {
        XCTAssertThrowsError(try Tokenizer(.words(pattern: "[unclosed"), fitting: corpus)) { XCTAssertTrue("\($0)".contains("not a regular expression"), "\($0)") }
        XCTAssertThrowsError(try Tokenizer(.characters, fitting: corpus, maxTokens: 2)) { XCTAssertTrue("\($0)".contains("at least 3"), "\($0)") }
        XCTAssertThrowsError(try Tokenizer(kind: .characters, lowercase: false, vocabulary: ["a"], merges: [])) { XCTAssertTrue("\($0)".contains("starts with <pad>"), "\($0)") }
    }

    func testTextFilesReadAsUTF8WithLatin1Repairs() throws {
        let path = NSTemporaryDirectory() + "tessera-text-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0xEF, 0xBB, 0xBF] + Array("één\r\ntwo\nthr".utf8) + [0xE9] + Array("e\n".utf8)).write(to: URL(fileURLWithPath: path))
        let (lines, notUTF8) = try TextFile.lines(path)
        XCTAssertEqual(lines, ["één", "two", "thrée"])
        XCTAssertNotNil(notUTF8)
        XCTAssertThrowsError(try TextFile.read(path + ".missing")) { XCTAssertTrue(($0 as! DataError).isIO) }
    }
}
