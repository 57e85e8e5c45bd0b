import XCTest
@testable import TesseraScript

/// A sequence that counts the elements it is asked for, to see that loops make them one at
/// a time.
private final class CountingSequence: IndexedNativeSequence {
    let elementCount: Int
    var made = 0
    init(_ n: Int) { elementCount = n }
    var typeName: String { "Counting" }
    var plainText: String { "Counting(\(elementCount))" }
    func element(at position: Int) -> Value { made += 1; return .int(position * 10) }
}

/// A sequence that only gives its elements as a whole.
private final class WholeSequence: NativeSequence {
    var typeName: String { "Whole" }
    var plainText: String { "Whole" }
    func elements(checking interrupt: InterruptFlag) throws -> [Value] { [.string("a"), .string("b")] }
}

final class NativeSequenceTests: ScriptTestCase {
    func testAForLoopMakesTheElementsItReachesAndNoMore() {
        let seq = CountingSequence(1_000_000)
        interpreter.define("seq", .object(seq))
        XCTAssertEqual(run("var seen = 0\nfor x in seq { if x == 30 { break }; seen += 1 }\nseen"), "3")
        XCTAssertEqual(seq.made, 4)
    }

    func testAWholeLoopSeesEveryElementInOrder() {
        interpreter.define("seq", .object(CountingSequence(5)))
        XCTAssertEqual(run("var out: [Int] = []\nfor x in seq { out.append(x) }\nout"), "[0, 10, 20, 30, 40]")
        XCTAssertEqual(run("func f() -> Int { var t = 0; for x in seq { t += x }; return t }\nf()"), "100")
    }

    func testEnumeratedAndZipWalkItLazily() {
        let seq = CountingSequence(1_000_000)
        interpreter.define("seq", .object(seq))
        XCTAssertEqual(run("var last = (0, 0)\nfor (i, x) in seq.enumerated() { if i == 2 { last = (i, x); break } }\nlast"), "(2, 20)")
        XCTAssertEqual(seq.made, 3)
        XCTAssertEqual(run("var pairs: [String] = []\nfor (x, s) in zip(seq, [\"a\", \"b\"]) { pairs.append(\"\\(s)\\(x)\") }\npairs"), "[\"a0\", \"b10\"]")
    }

    func testAnEmptySequenceRunsNoIteration() {
        interpreter.define("seq", .object(CountingSequence(0)))
        XCTAssertEqual(run("var n = 0\nfor _ in seq { n += 1 }\nn"), "0")
    }

    func testASequenceGivenWholeIsStillWalked() {
        interpreter.define("whole", .object(WholeSequence()))
        XCTAssertEqual(run("var s = \"\"\nfor x in whole { s += x }\ns"), "\"ab\"")
    }

    func testAskedForAsAWholeTheElementsAreCheckedAgainstMemory() throws {
        let seq = CountingSequence(Int.max / 8)
        XCTAssertThrowsError(try seq.elements(checking: InterruptFlag())) { error in
            XCTAssertEqual((error as? ScriptError)?.kind, .memory)
        }
        XCTAssertEqual(seq.made, 0)
        XCTAssertEqual(try CountingSequence(3).elements(checking: InterruptFlag()).map(\.debugDescription), ["0", "10", "20"])
    }
}
