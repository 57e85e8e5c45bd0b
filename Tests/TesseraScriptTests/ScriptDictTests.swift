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

    func testAKeyReadWhereItIsFindsWhatAKeyMadeOnceFinds() {
        var d = ScriptDict()
        set(&d, .string("caf\u{E9}"), .int(1))
        set(&d, .int(7), .int(2))
        set(&d, .string("a somewhat longer key than fits inline"), .int(3))
        for (k, expected) in [(Value.string("cafe\u{301}"), "1"), (.string("caf\u{E9}"), "1"), (.double(7), "2"),
                              (.string("a somewhat longer key than fits inline"), "3")] {
            var key = k
            XCTAssertEqual(withUnsafePointer(to: &key) { d.lookup($0) }??.debugDescription, expected)
        }
        var missing = Value.string("\u{212A}")
        XCTAssertEqual(withUnsafePointer(to: &missing) { d.lookup($0) }.map { $0 == nil }, true, "absent: .some(nil)")
        var unhashable = Value.array([])
        XCTAssertNil(withUnsafePointer(to: &unhashable) { d.lookup($0) }, "not a key: nil")
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
