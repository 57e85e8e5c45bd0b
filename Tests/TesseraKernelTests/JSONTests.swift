import XCTest
@testable import TesseraKernel

final class JSONTests: XCTestCase {
    func testCompactWritingEscapesWhatJSONRequiresAndNothingElse() {
        let s = JSON.string("a\"b\\c\nd\re\tf\u{01}\u{1F}g é 😀 </script>")
        XCTAssertEqual(s.serialized, #""a\"b\\c\nd\re\tf\u0001\u001fg é 😀 </script>""#)
        XCTAssertEqual(JSON.obj(["n": .number(3), "x": .number(2.5), "big": .number(1e300), "nan": .number(.nan),
                                 "t": .bool(true), "z": .null, "a": .array([]), "o": .object([])]).serialized,
                       #"{"n":3,"x":2.5,"big":1e+300,"nan":null,"t":true,"z":null,"a":[],"o":{}}"#)
        XCTAssertEqual(JSON.string("").serialized, #""""#)
    }

    func testBytesAreTheSerializedTextAndParseBack() throws {
        let values: [JSON] = [
            .obj(["msg_type": .string("execute_result"), "content": .obj(["data": .obj(["text/plain": .string("[1, 2]\n\"q\"")])])]),
            .array([.number(-0.125), .number(1_000_000), .string(String(repeating: "long ", count: 5_000)), .null]),
            .string("\u{0}\u{7F}\u{2028}"),
        ]
        for v in values {
            XCTAssertEqual(v.bytes, Array(v.serialized.utf8))
            XCTAssertEqual(try JSON.parse(v.bytes), v)
        }
    }

    func testPrettyIndentsAsNbformatWrites() throws {
        let v = JSON.obj(["b": .array([.number(1), .obj(["k": .string("v")])]), "a": .obj([:]), "c": .array([])])
        // What Python's json.dumps(v, indent=1, sort_keys=True) writes.
        XCTAssertEqual(v.pretty(indent: 1, sortKeys: true), "{\n \"a\": {},\n \"b\": [\n  1,\n  {\n   \"k\": \"v\"\n  }\n ],\n \"c\": []\n}")
        XCTAssertEqual(try JSON.parse(Array(v.pretty().utf8)), v)
    }
}
