import Foundation
import XCTest
@testable import TesseraData

/// The interner against a Dictionary: two texts get one code exactly when they are the same
/// bytes, whatever their lengths (the key words overlap for 4 to 16 bytes and stop at 16).
final class StringInternerTests: XCTestCase {
    /// Texts that differ little: a two-letter alphabet (with NUL and a non-ASCII byte) and
    /// every length from 0 to 40, so that many share their first and last bytes.
    static func texts(_ count: Int, rng: inout SplitMix) -> [[UInt8]] {
        let alphabet: [UInt8] = [0x61, 0x62, 0x00, 0xC3]
        return (0..<count).map { _ in
            let n = Int(rng.next() % 41)
            return (0..<n).map { _ in alphabet[Int(rng.next() % (rng.next() % 8 == 0 ? 4 : 2))] }
        }
    }

    func code(_ interner: inout StringInterner, _ bytes: [UInt8]) -> Int32 {
        var ignored = false
        return bytes.withUnsafeBufferPointer { b in
            interner.code(b.baseAddress ?? UnsafePointer(bitPattern: 1)!, b.count, latin1: false, undecodable: &ignored)
        }
    }

    func testCodesAreTheSameExactlyForTheSameBytes() {
        var rng = SplitMix(seed: 3)
        var interner = StringInterner()
        var oracle: [[UInt8]: Int32] = [:]
        // Past the 65,536 values whose keys are kept: the later ones are compared in the arena.
        for bytes in Self.texts(200_000, rng: &rng) + (0..<70_000).map({ Array("id-\($0)".utf8) }) {
            let c = code(&interner, bytes)
            if let known = oracle[bytes] { XCTAssertEqual(c, known, "\(bytes)"); if c != known { return } } else {
                XCTAssertEqual(Int(c), oracle.count, "a new text gets the next code: \(bytes)")
                oracle[bytes] = c
            }
        }
        XCTAssertEqual(interner.count, oracle.count)
        // Every value once more: all found, none added.
        for (bytes, c) in oracle { XCTAssertEqual(code(&interner, bytes), c) }
        XCTAssertEqual(interner.count, oracle.count)
    }

    func testAbsorbMapsAChunksCodesWhetherItLookedForRepeatsOrNot() {
        var rng = SplitMix(seed: 9)
        var column = StringInterner()
        var oracle: [[UInt8]: Int32] = [:]
        for chunk in 0..<12 {
            var piece = StringInterner()
            piece.listsOnly = chunk % 2 == 1
            let texts = Self.texts(3000, rng: &rng)
            let local = texts.map { code(&piece, $0) }
            if piece.listsOnly { XCTAssertEqual(local, (0..<Int32(texts.count)).map { $0 }, "a list gives each field its own code") }
            let (map, added) = column.absorb(piece)
            for (bytes, c) in zip(texts, local) {
                let global = map[Int(c)]
                if let known = oracle[bytes] { XCTAssertEqual(global, known) } else {
                    XCTAssertTrue(added[Int(c)])
                    oracle[bytes] = global
                }
            }
        }
        XCTAssertEqual(column.count, oracle.count)
        let strings = column.strings()
        for (bytes, c) in oracle { XCTAssertEqual(strings[Int(c)], bytes.withUnsafeBufferPointer(TextDecoding.repairingUTF8)) }
    }

    func testAListDeduplicatesInOrderOfFirstAppearance() {
        var rng = SplitMix(seed: 21)
        for (size, repeats) in [(0, false), (1, false), (5000, true), (300_000, true), (300_000, false)] {
            var list = StringInterner()
            list.listsOnly = true
            var oracle: [[UInt8]: Int32] = [:]
            var expected: [Int32] = []
            let texts = repeats ? Self.texts(size, rng: &rng) : (0..<size).map { Array("TX-\($0)".utf8) }
            for bytes in texts {
                _ = code(&list, bytes)
                if oracle[bytes] == nil { oracle[bytes] = Int32(oracle.count) }
                expected.append(oracle[bytes]!)
            }
            XCTAssertEqual(list.count, size)
            var (values, codes) = list.deduplicated()
            XCTAssertEqual(codes ?? (0..<Int32(size)).map { $0 }, expected, "\(size) texts")
            XCTAssertEqual(codes == nil, oracle.count == size, "no codes exactly when nothing repeats")
            XCTAssertEqual(values.count, oracle.count)
            // The values are an interner again: each found under its code, nothing added.
            for (bytes, c) in oracle.prefix(2000) { XCTAssertEqual(code(&values, bytes), c) }
            XCTAssertEqual(values.count, oracle.count)
        }
    }
}
