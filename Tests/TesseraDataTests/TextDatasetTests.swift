import Foundation
import XCTest
@testable import TesseraData

/// The text data sets from Debian's packages: seeded splits, clean and unambiguous words, every
/// fortune once.
final class TextDatasetTests: XCTestCase {
    func texts(_ c: Column) -> [String?] { (0..<c.count).map { c.text(at: $0) } }

    func pair(_ loaded: Datasets.Loaded) throws -> (Frame, Frame) {
        guard case .split(let train, let test) = loaded else { throw XCTSkip("not a split") }
        return (train, test)
    }

    func testWordLanguagesAreBalancedUnambiguousAndSeeded() throws {
        let (train, test) = try pair(try Datasets.load("wordlang", rows: 800, seed: 3))
        XCTAssertEqual(train.rowCount + test.rowCount, 800)
        XCTAssertEqual(test.rowCount, 160, "a fifth held out")
        XCTAssertEqual(train.target, "label")
        let words = texts(try train.column("word")) + texts(try test.column("word"))
        let labels = texts(try train.column("label")) + texts(try test.column("label"))
        XCTAssertEqual(Set(labels.compactMap { $0 }), Set(Datasets.wordLanguages.map(\.language)))
        XCTAssertEqual(Set(words.compactMap { $0 }).count, 800, "a word belongs to one language")
        XCTAssertTrue(words.allSatisfy { w in w.map { $0.count >= 2 && $0.allSatisfy { $0.isLetter && $0.isLowercase } } ?? false })
        // Swedish is Latin-1 on disk: its letters come through.
        XCTAssertTrue(zip(words, labels).contains { $0.1 == "swedish" && ($0.0?.contains { "åäö".contains($0) } ?? false) })
        let (again, _) = try pair(try Datasets.load("wordlang", rows: 800, seed: 3))
        XCTAssertEqual(again, train, "the same seed gives the same split")
        let (other, _) = try pair(try Datasets.load("wordlang", rows: 800, seed: 4))
        XCTAssertNotEqual(other, train)
    }

    func testFortunesAreEveryFortuneOnce() throws {
        let (train, test) = try pair(try Datasets.load("fortunes", seed: 1))
        let n = train.rowCount + test.rowCount
        XCTAssertGreaterThan(n, 1000)
        XCTAssertEqual(test.rowCount, Int((Double(n) * 0.1).rounded()))
        let all = texts(try train.column("text")).compactMap { $0 }
        XCTAssertFalse(all.contains { $0.isEmpty || $0.hasPrefix("%\n") || $0.hasSuffix("\n%") })
    }
}
