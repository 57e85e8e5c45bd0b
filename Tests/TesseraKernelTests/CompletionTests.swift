import XCTest
@testable import TesseraKernel
import TesseraPrelude
import TesseraScript

/// complete_request and inspect_request as a front end sends them: Tab after a call's
/// result, keyword arguments, Shift+Tab inside a call's arguments.
final class CompletionTests: XCTestCase {
    let k = KernelHarness()

    func matches(_ code: String, at cursor: Int? = nil) -> [String] {
        let reply = k.request("complete_request", .obj(["code": .string(code), "cursor_pos": .number(Double(cursor ?? code.unicodeScalars.count))])).reply
        return reply?["matches"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    func inspect(_ code: String, at cursor: Int? = nil) -> String? {
        let reply = k.request("inspect_request", .obj(["code": .string(code), "cursor_pos": .number(Double(cursor ?? code.unicodeScalars.count))])).reply
        guard reply?["found"] == .bool(true) else { return nil }
        return reply?["data"]?["text/plain"]?.stringValue
    }

    func testMembersOfWhatACallReturns() {
        XCTAssertTrue(matches(#"dataset("iris")."#).contains("describe"))
        XCTAssertEqual(matches(#"dataset("iris").sp"#), ["split"])
        XCTAssertTrue(matches(#"dataset("iris").head(3).describe()."#).contains("columns"), "a chain of calls")
        XCTAssertTrue(matches("Sequential([Dense(4), Dense(1)]).").contains("fit"))
        XCTAssertTrue(matches("randn([2, 3]).").contains("softmax"))
        XCTAssertTrue(matches(#"dataset("iris")["label"]."#).contains("unique"), "a frame's column")
        XCTAssertTrue(matches(#"dataset("fraud")["amount"]."#).contains("mean"), "a column the sample frame does not have")
        XCTAssertTrue(matches(#""text".upper"#).contains("uppercased"))
        XCTAssertTrue(matches("[3, 1].so").contains("sorted"))
    }

    func testMembersOfNamesTheCellDeclares() {
        XCTAssertTrue(matches("let df = dataset(\"iris\")\ndf.").contains("describe"))
        XCTAssertTrue(matches("let df = dataset(\"iris\")\nlet (train, test) = df.split(0.8)\ntest.").contains("check"), "a tuple's element")
        XCTAssertTrue(matches("let model = Sequential([Dense(1)])\nlet h = model.fit(x, y)\nh.").contains("last"))
        XCTAssertEqual(matches("let n = 3\nn."), ["isFinite", "isInfinite", "isMultiple", "isNaN", "magnitude", "quotientAndRemainder", "remainder", "rounded", "signum", "squareRoot", "truncatingRemainder"], "a number's members")
        XCTAssertTrue(matches("let x = x.y\nx.").isEmpty, "a declaration that refers to itself does not loop")
    }

    func testMembersOfSessionValues() {
        _ = k.execute(#"let train = dataset("iris")"#)
        XCTAssertTrue(matches("train.").contains("split"))
        XCTAssertTrue(matches("train.describe().").contains("columns"))
        XCTAssertTrue(matches("train.split(0.8).0.").contains("rows"))
    }

    func testKeywordArgumentsComplete() {
        XCTAssertEqual(matches("Dense(10, act").first, "activation:")
        XCTAssertTrue(matches("Dense(10, ").prefix(2).elementsEqual(["activation:", "bias:"]), "labels come first")
        XCTAssertFalse(matches("Dense(10, activation: .relu, ").contains("activation:"), "a label already written is not offered again")
        XCTAssertTrue(matches(#"dataset("fraud", r"#).contains("rows:"))
        XCTAssertTrue(matches("print(1, sep").contains("separator:"))
        XCTAssertFalse(matches("Dense(10, activation: act").contains("activation:"), "a value position takes no label")
        _ = k.execute("func scale(_ x, by factor = 2) { x * factor }")
        XCTAssertEqual(matches("scale(3, b").first, "by:")
        XCTAssertTrue(matches("Sequential([Dense(4)]).fit(x, y, ep").contains("epochs:"), "a method of a call's result")
    }

    func testInspectInsideACall() throws {
        XCTAssertEqual(try XCTUnwrap(inspect("print(")).components(separatedBy: "\n").first, #"print(_ items: Any..., separator: String = " ", terminator: String = "\n")"#)
        XCTAssertTrue(try XCTUnwrap(inspect("Dense(10, ")).hasPrefix("Dense(_ units: Int, activation:"))
        XCTAssertTrue(try XCTUnwrap(inspect(#"dataset("#)).hasPrefix("dataset(_ name"))
        XCTAssertTrue(try XCTUnwrap(inspect("Sequential([Dense(4), ")).hasPrefix("Sequential("), "the innermost call that is open")
        XCTAssertTrue(try XCTUnwrap(inspect("Sequential([Dense(4, ")).hasPrefix("Dense("))
        XCTAssertTrue(try XCTUnwrap(inspect(#"dataset("iris").split("#)).hasPrefix("split(_ fraction"))
        XCTAssertTrue(try XCTUnwrap(inspect(#"print("(", "#)).hasPrefix("print("), "a bracket inside a string does not count")
        XCTAssertTrue(try XCTUnwrap(inspect("Dense(10, activation: .relu)", at: 2)).hasPrefix("Dense("), "on the name itself")
        XCTAssertNil(inspect("(1 + "), "a parenthesized expression is not a call")
    }

    func testMagicsComplete() {
        XCTAssertEqual(matches("%his"), ["%history"])
        XCTAssertEqual(k.request("complete_request", .obj(["code": .string("%his"), "cursor_pos": .number(4)])).reply?["cursor_start"], .number(0))
    }

    func testSignaturesParse() throws {
        let s = try XCTUnwrap(Signature(doc: "tune(_ space, objective:, budget: 30, method: .bayes) { params, trial in ... } -> Study\nRuns..."))
        XCTAssertEqual(s.labels, ["objective", "budget", "method"])
        XCTAssertEqual(s.result, "Study")
        XCTAssertEqual(Signature(doc: "split(_ fraction, stratify: nil) -> (Frame, Frame)")?.result, "(Frame, Frame)")
        XCTAssertEqual(Signature(doc: #"print(_ items..., separator: ", ", terminator: "\n")"#)?.labels, ["separator", "terminator"])
        XCTAssertNil(Signature(doc: "Writes the items."))
    }

    /// Every result type a prelude function's doc names has a sample value for completion.
    func testEveryDeclaredResultTypeHasAPrototype() {
        let interpreter = Interpreter(host: StandardHost())
        Prelude.install(in: interpreter)
        var missing: [String] = []
        for name in interpreter.preludeNames {
            guard let value = interpreter.lookup(name), let result = Signature.of(value)?.result else { continue }
            if Prototypes.value(ofType: result) == nil { missing.append("\(name) -> \(result)") }
        }
        XCTAssertEqual(missing, [])
    }
}
