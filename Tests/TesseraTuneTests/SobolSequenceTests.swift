import XCTest
@testable import TesseraTune

final class SobolSequenceTests: XCTestCase {
    /// Points of the plain (unscrambled) sequence match Joe and Kuo's, as SciPy's
    /// `qmc.Sobol(d, scramble=False)` prints them.
    func testPlainSequenceMatchesPublishedValues() throws {
        var s = try SobolSequence(dimensions: 12, scramble: false)
        let points = s.next(32)
        XCTAssertEqual(points[0], [Double](repeating: 0, count: 12))
        XCTAssertEqual(Array(points[1].prefix(4)), [0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(Array(points[2].prefix(4)), [0.75, 0.25, 0.25, 0.25])
        XCTAssertEqual(Array(points[4].prefix(4)), [0.375, 0.375, 0.625, 0.875])
        XCTAssertEqual(points[5], [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375, 0.375, 0.125, 0.375, 0.875])
        XCTAssertEqual(points[13], [0.8125, 0.6875, 0.8125, 0.0625, 0.4375, 0.9375, 0.5625, 0.5625, 0.5625, 0.4375, 0.8125, 0.9375])
        XCTAssertEqual(points[31], [0.03125, 0.53125, 0.90625, 0.96875, 0.96875, 0.78125, 0.34375, 0.53125, 0.15625, 0.59375, 0.03125, 0.34375])
    }

    /// Scrambling keeps the net property: the first 2^k points put exactly one point in
    /// each of the 2^k equal intervals of every dimension, and pairs of dimensions are
    /// balanced on 2^k boxes too.
    func testScrambledPointsStayBalanced() throws {
        var s = try SobolSequence(dimensions: 6, scramble: true, seed: 7)
        let points = s.next(64)
        for d in 0..<6 {
            XCTAssertEqual(Set(points.map { Int($0[d] * 64) }).count, 64, "dimension \(d)")
        }
        for (a, b) in [(0, 1), (2, 5), (3, 4)] {
            XCTAssertEqual(Set(points.map { Int($0[a] * 8) * 8 + Int($0[b] * 8) }).count, 64, "dimensions \(a), \(b)")
        }
        XCTAssertFalse(points.contains { $0.allSatisfy { $0 == 0 } }, "scrambling moves the origin")
        XCTAssertTrue(points.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
    }

    func testSeedsGiveReproducibleDifferentSequences() throws {
        var a = try SobolSequence(dimensions: 3, seed: 1), b = try SobolSequence(dimensions: 3, seed: 1), c = try SobolSequence(dimensions: 3, seed: 2)
        let pa = a.next(10), pb = b.next(10), pc = c.next(10)
        XCTAssertEqual(pa, pb)
        XCTAssertNotEqual(pa, pc)
    }

    func testTooManyDimensionsIsAClearError() {
        XCTAssertThrowsError(try SobolSequence(dimensions: 300)) { error in
            XCTAssertTrue("\(error)".contains("1 to 256 dimensions"), "\(error)")
        }
    }
}
