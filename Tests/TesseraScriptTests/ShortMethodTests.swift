import XCTest
@testable import TesseraScript

/// A method's short way (`s.hasPrefix("12")` without an argument list) must answer exactly
/// as its whole way does, or decline; the whole way is the oracle.
final class ShortMethodTests: ScriptTestCase {
    /// Receivers and arguments of every kind a short way may meet: ASCII, non-ASCII, "\r\n"
    /// (one Character of two bytes), empty; Ints of both signs, a Double, nil, an Array.
    let strings = ["", "a", "12", "123", "hello", "héllo", "a\r\nb", "\r", "\n", "e\u{301}", "🙂x"]
    var arguments: [Value] {
        strings.map { .string($0) } + [.int(-1), .int(0), .int(1), .int(2), .int(100), .int(.min), .double(2), .double(1), .double(.nan), .double(-0.0),
                                       .nil, .bool(true), .array([.int(1)]), .function(NativeFunction("f") { _, _ in .bool(true) })]
    }
    var receivers: [Value] {
        strings.map { .string($0) } + [.int(3), .int(0), .int(.min), .double(2.5), .double(-2.5), .double(.nan), .double(-0.0),
                                       .array([.string("a"), .int(1), .double(2), .nil, .array([.int(1)])]), .array([]),
                                       .range(RangeValue(lower: 0, upper: 3, closed: false))]
    }

    func testEveryShortWayAgreesWithItsWholeWay() throws {
        let tables = [("String", Members.string), ("Array", Members.array), ("number", Members.number)]
        var compared = 0
        for (type, table) in tables {
            for (name, short) in table.short {
                XCTAssertNotNil(table.methods[name], "\(type).\(name) has a short way and no method")
                XCTAssertNil(table.mutating[name], "\(type).\(name): a short way never changes its receiver")
                let argumentLists: [[Value]] = short.labels.isEmpty ? [[]] : arguments.map { [$0] }
                XCTAssertLessThanOrEqual(short.labels.count, 1, "extend the lists here for \(type).\(name)")
                for receiver in receivers where Members.table(for: receiver).map({ $0.short[name] != nil }) == true {
                    for values in argumentLists {
                        let quick = values.withUnsafeBufferPointer { buffer in
                            withUnsafePointer(to: Value.nil) { none in short.body(receiver, buffer.baseAddress ?? none) }
                        }
                        let args = zip(short.labels, values).map { ArgumentValue(label: $0, $1) }
                        let whole = Result { try Members.call(receiver, MethodSite(name), args, interpreter) }
                        let what = "\(receiver.debugDescription).\(name)(\(values.map(\.debugDescription).joined(separator: ", ")))"
                        guard let quick else { continue }
                        compared += 1
                        switch whole {
                        case .success(let v): XCTAssertEqual(quick.debugDescription, v.debugDescription, what)
                        case .failure(let e): XCTFail("\(what): the short way answered \(quick.debugDescription) where the method raised \(e)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(compared, 300)
    }

    /// A call site takes the short way only with the labels its method declares; other
    /// calls, and the wrong kinds of values, go the whole way to its answers and errors.
    func testCallsTakeTheWholeWayForWhatTheShortWayDeclines() {
        XCTAssertNotNil(MethodSite("hasPrefix", labels: [nil]).short(for: .string("a")))
        XCTAssertNil(MethodSite("hasPrefix", labels: ["with"]).short(for: .string("a")))
        XCTAssertNil(MethodSite("hasPrefix").short(for: .string("a")))
        XCTAssertNil(MethodSite("hasPrefix", labels: [nil]).short(for: .dict(ScriptDict())))
        XCTAssertNotNil(MethodSite("starts", labels: ["with"]).short(for: .string("a")))
        XCTAssertNil(MethodSite("starts", labels: [nil]).short(for: .string("a")))

        run("let s = \"hello\"\nlet words = [\"ab\", \"b\", \"abc\"]")
        XCTAssertEqual(run("(s.hasPrefix(\"he\"), s.hasSuffix(\"lo\"), s.contains(\"ll\"), s.starts(with: \"h\"), s.prefix(2), s.suffix(-1), s.uppercased())"),
                       "(true, true, true, true, \"he\", \"\", \"HELLO\")")
        XCTAssertEqual(run("(s.contains { $0 == \"l\" }, s.prefix(while: { $0 != \"l\" }), s.suffix(from: 3))"), "(true, \"he\", \"lo\")")
        XCTAssertEqual(run("words.filter { $0.hasPrefix(\"a\") }.map { $0.prefix(1) }"), "[\"a\", \"a\"]")
        XCTAssertEqual(failure("s.hasPrefix(1)"), "TypeError: hasPrefix(_:) needs a String, got Int")
        XCTAssertEqual(failure("s.starts(\"h\")"), "TypeError: argument 1 of starts(with:) needs 'with:', got no label")
        XCTAssertEqual(failure("s.lowercased(1)"), "TypeError: too many arguments in call to lowercased(): it takes 0, got 1")
        XCTAssertEqual(failure("words.map { $0.hasPrefix(2) }"), "TypeError: hasPrefix(_:) needs a String, got Int")
        // A Dict's key of the method's name comes before the method.
        XCTAssertEqual(run("let d = [\"hasPrefix\": { (x) in x * 2 }]\nd.hasPrefix(21)"), "42")
    }

    /// The kind and message of the error a cell raises.
    private func failure(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        error(code, file: file, line: line).map { "\($0.kind.rawValue): \($0.message)" }
    }
}
