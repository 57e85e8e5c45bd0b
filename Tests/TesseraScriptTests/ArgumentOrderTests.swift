import XCTest
@testable import TesseraScript

/// Labelled arguments in any order for the prelude's functions (Python's keyword habit),
/// Swift's order for a script's own.
final class ArgumentOrderTests: ScriptTestCase {
    let params: [(label: String?, hasDefault: Bool)] = [(nil, false), ("a", true), ("b", true), (nil, true), ("c", true)]

    func args(_ pairs: [(String?, Int)]) -> [ArgumentValue] { pairs.map { ArgumentValue(label: $0.0, .int($0.1)) } }

    func testLabelledArgumentsMoveToTheirParameters() throws {
        let bound = try bindArguments(args([(nil, 1), ("c", 5), ("a", 2)]), to: params, function: "f(_:a:b:_:c:)", anyLabelOrder: true)
        XCTAssertEqual(bound.map { $0?.debugDescription }, ["1", "2", nil, nil, "5"])
        // The unlabelled keep their order among themselves.
        let two = try bindArguments(args([(nil, 1), ("b", 3), (nil, 4), ("a", 2)]), to: params, function: "f", anyLabelOrder: true)
        XCTAssertEqual(two.map { $0?.debugDescription }, ["1", "2", "3", "4", nil])
    }

    func testInOrderCallsAreLeftAsTheyAre() {
        XCTAssertNil(inDeclaredOrder(args([(nil, 1), ("a", 2), ("c", 5)]), params))
        XCTAssertNil(inDeclaredOrder(args([(nil, 1)]), params))
    }

    func testUnknownRepeatedOrAmbiguousLabelsAreNotGuessedAt() {
        XCTAssertNil(inDeclaredOrder(args([("c", 1), ("z", 2)]), params))
        XCTAssertNil(inDeclaredOrder(args([("c", 1), ("c", 2)]), params))
        XCTAssertNil(inDeclaredOrder(args([("x", 1), ("x", 2)]), [("x", true), ("x", true)]))
        XCTAssertThrowsError(try bindArguments(args([(nil, 0), ("c", 1), ("c", 2)]), to: params, function: "f(_:a:b:_:c:)", anyLabelOrder: true)) {
            XCTAssertTrue(($0 as? ScriptError)?.message.contains("'c:' of f(_:a:b:_:c:) is given twice") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try bindArguments(args([(nil, 1), ("z", 2)]), to: params, function: "f", anyLabelOrder: true)) {
            XCTAssertTrue(($0 as? ScriptError)?.message.contains("has no parameter 'z:'") ?? false, "\($0)")
        }
    }

    func testPreludeFunctionsTakeAnyOrderScriptFunctionsSwifts() {
        XCTAssertEqual(run("stride(by: 2, to: 7, from: 1)"), "[1, 3, 5]")
        XCTAssertEqual(run("[\"a\", \"b\"].joined(separator: \"-\")"), "\"a-b\"")
        let e = error("func area(width, height) { width * height }\narea(height: 5, width: 2)")
        XCTAssertEqual(e?.kind, .type)
        XCTAssertTrue(e?.message.contains("needs 'width:', got 'height:'") ?? false, e?.message ?? "")
        // A label where the parameter takes none (pandas' drop(columns: [...])) says to leave it off.
        let unlabelled = error("\"abc\".hasPrefix(string: \"a\")")
        XCTAssertEqual(unlabelled?.message, "argument 1 of hasPrefix(_:) needs no label, got 'string:'")
        XCTAssertEqual(unlabelled?.suggestion, "give the value without 'string:'")
    }

    func testATrailingClosureStaysLast() throws {
        let p: [(label: String?, hasDefault: Bool)] = [(nil, false), ("x", true), ("y", true), (nil, false)]
        let call = [ArgumentValue(.int(0)), ArgumentValue(label: "y", .int(2)), ArgumentValue(label: "x", .int(1)),
                    ArgumentValue(.function(NativeFunction("g") { _, _ in .nil }))]
        let bound = try bindArguments(call, to: p, function: "f(_:x:y:_:)", anyLabelOrder: true)
        XCTAssertEqual(bound.prefix(3).map { $0?.debugDescription }, ["0", "1", "2"])
        XCTAssertTrue(bound[3]?.isFunction ?? false)
    }
}
