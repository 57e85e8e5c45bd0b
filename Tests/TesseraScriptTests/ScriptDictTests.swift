import XCTest
@testable import TesseraScript

final class ScriptDictTests: XCTestCase {
    private func key(_ v: Value) -> DictKey { DictKey(v)! }

    private func set(_ d: inout ScriptDict, _ k: Value, _ v: Value) { d.set(k, key(k), v) }

    func testIntsAndWholeDoublesAreOneKey() {
        var d = ScriptDict()
        set(&d, .double(1.0), .string("one"))
        set(&d, .int(1), .string("uno"))
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d[key(.int(1))]?.debugDescription, "\"uno\"")
        // The key keeps its first spelling.
        XCTAssertEqual(d.keys.first?.debugDescription, "1.0")
        XCTAssertNotNil(d[key(.double(-0.0 + 1))])
        set(&d, .double(0.5), .int(5))
        XCTAssertNil(d[key(.int(0))])
        XCTAssertEqual(d[key(.double(0.5))]?.debugDescription, "5")
    }

    func testStringsCompareByCanonicalEquivalence() {
        var d = ScriptDict()
        set(&d, .string("caf\u{E9}"), .int(1))
        XCTAssertEqual(d[key(.string("cafe\u{301}"))]?.debugDescription, "1")
        XCTAssertNil(d[key(.symbol("caf\u{E9}"))], "a Symbol is not the String of its name")
    }

    /// `ScriptDict.lookup(in:_:)` on `d`, held in a Value as the register machine holds it.
    private func lookup(_ d: ScriptDict, _ key: inout Value) -> Value?? {
        withUnsafePointer(to: Value.dict(d)) { container in withUnsafePointer(to: &key) { ScriptDict.lookup(in: container, $0) } }
    }

    func testAKeyReadWhereItIsFindsWhatAKeyMadeOnceFinds() {
        var d = ScriptDict()
        set(&d, .string("caf\u{E9}"), .int(1))
        set(&d, .int(7), .int(2))
        set(&d, .string("a somewhat longer key than fits inline"), .int(3))
        for (k, expected) in [(Value.string("cafe\u{301}"), "1"), (.string("caf\u{E9}"), "1"), (.double(7), "2"),
                              (.string("a somewhat longer key than fits inline"), "3")] {
            var key = k
            XCTAssertEqual(lookup(d, &key)??.debugDescription, expected)
        }
        var missing = Value.string("\u{212A}")
        XCTAssertEqual(lookup(d, &missing).map { $0 == nil }, true, "absent: .some(nil)")
        var unhashable = Value.array([])
        XCTAssertTrue(lookup(d, &unhashable) == nil, "not a key: nil")
        var notADict = Value.string("k")
        let fromArray = withUnsafePointer(to: Value.array([.int(1)])) { c in withUnsafePointer(to: &notADict) { ScriptDict.lookup(in: c, $0) } }
        XCTAssertTrue(fromArray == nil, "not a Dict: nil")
    }

    func testAStringHashesAlikeHoweverSwiftHoldsIt() {
        // Swift keeps an ASCII String of up to 15 bytes in its own bits, and the hash reads
        // it there; the same bytes in heap storage (a String that grew and shrank, one made
        // with room to spare) must hash alike, or a Dict would hold them as two keys.
        for text in ["", "a", "kind", "w1234567", "w12345678", "abcdefghijklmno", "abcdefghijklmnop", "caf\u{E9}"] {
            var spacious = String()
            spacious.reserveCapacity(64)
            spacious.append(text)
            if text.utf8.count <= 15, text.utf8.allSatisfy({ $0 < 0x80 }) {
                XCTAssertEqual(unsafeBitCast(text, to: (UInt64, UInt64).self).1 >> 60, 0xE, "\(text) is held in its bits")
                XCTAssertNotEqual(unsafeBitCast(spacious, to: (UInt64, UInt64).self).1 >> 60, 0xE, "\(text) is held in storage")
            }
            XCTAssertEqual(key(.string(text)).hash, key(.string(spacious)).hash, text)
            XCTAssertEqual(DictKey.string(text).hash, key(.string(spacious)).hash, text)
            var held = Value.string(spacious)
            XCTAssertEqual(withUnsafePointer(to: &held) { DictKey.hash(at: $0) }, key(.string(text)).hash, text)
            var d = ScriptDict()
            set(&d, .string(text), .int(1))
            set(&d, .string(spacious), .int(2))
            XCTAssertEqual(d.count, 1, text)
        }
        // Canonically equivalent, one in its bits (not ASCII) and one decomposed in storage.
        XCTAssertEqual(key(.string("\u{212A}")).hash, key(.string("K")).hash)
        XCTAssertEqual(key(.string("caf\u{E9}")).hash, key(.string("cafe\u{301}")).hash)
        // Different Strings of one length, near and far, do not collide.
        var seen = Set<Int>()
        for i in 0..<5000 { seen.insert(key(.string("w\(i)")).hash) }
        XCTAssertEqual(seen.count, 5000)
    }

    func testTupleKeysAndUnhashableValues() {
        var d = ScriptDict()
        set(&d, .tuple([.int(1), .string("a")]), .bool(true))
        XCTAssertNotNil(d[key(.tuple([.double(1), .string("a")]))])
        XCTAssertNil(d[key(.tuple([.int(1), .string("b")]))])
        XCTAssertNil(DictKey(.array([.int(1)])))
        XCTAssertNil(DictKey(.tuple([.int(1), .array([])])))
        XCTAssertNil(DictKey(.dict(ScriptDict())))
    }

    func testNaNIsNeverFound() {
        var d = ScriptDict()
        set(&d, .double(.nan), .int(1))
        set(&d, .double(.nan), .int(2))
        XCTAssertEqual(d.count, 2, "NaN != NaN, as in Swift and Python")
        XCTAssertNil(d[key(.double(.nan))])
    }

    func testManyKeysGrowTheTableAndKeepInsertionOrder() {
        var d = ScriptDict()
        for i in 0..<10_000 { set(&d, .string("k\(i)"), .int(i)) }
        XCTAssertEqual(d.count, 10_000)
        for i in stride(from: 0, to: 10_000, by: 7) {
            XCTAssertEqual(d[key(.string("k\(i)"))]?.debugDescription, "\(i)")
        }
        XCTAssertNil(d[key(.string("k10000"))])
        XCTAssertEqual(d.keys.prefix(3).map(\.debugDescription), ["\"k0\"", "\"k1\"", "\"k2\""])
    }

    func testRemovalKeepsEveryOtherKeyReachable() {
        for n in [5, 8, 9, 40] {  // without a table, at its threshold, and with one
            var d = ScriptDict()
            for i in 0..<n { set(&d, .int(i * 3), .int(i)) }
            for i in stride(from: 0, to: n, by: 2) { XCTAssertNotNil(d.remove(key(.int(i * 3)))) }
            XCTAssertNil(d.remove(key(.int(0))))
            XCTAssertEqual(d.count, n / 2)
            for i in 0..<n {
                XCTAssertEqual(d[key(.int(i * 3))]?.debugDescription, i % 2 == 0 ? nil : "\(i)", "n = \(n), i = \(i)")
            }
            XCTAssertEqual(d.keys.map(\.debugDescription), stride(from: 1, to: n, by: 2).map { "\($0 * 3)" })
            // Adding after removing lands at the end and is found.
            set(&d, .int(-1), .int(-1))
            XCTAssertEqual(d[key(.int(-1))]?.debugDescription, "-1")
            XCTAssertEqual(d.keys.last?.debugDescription, "-1")
        }
    }

    func testCopiesAreIndependent() {
        var a = ScriptDict()
        for i in 0..<20 { set(&a, .int(i), .int(i)) }
        var b = a
        set(&b, .int(100), .int(100))
        b.remove(key(.int(3)))
        XCTAssertEqual(a.count, 20)
        XCTAssertNotNil(a[key(.int(3))])
        XCTAssertNil(a[key(.int(100))])
        XCTAssertEqual(b.count, 20)
        XCTAssertNotNil(b[key(.int(100))])
    }

    func testAHintFindsTheKeyWhereverItMoved() {
        var d = ScriptDict()
        for name in ["x", "y", "z"] { d.set(name, .int(name.count)) }
        var hint = 2
        XCTAssertEqual(d.position(of: .string("x"), hint: &hint), 0)
        XCTAssertEqual(hint, 0)
        XCTAssertEqual(d.position(of: .string("x"), hint: &hint), 0)
        hint = 99
        XCTAssertNil(d.position(of: .string("w"), hint: &hint))
    }
}
