import XCTest
@testable import TesseraScript

/// `sorted(by:)` with a closure that compares one key of each side reads the keys once and
/// gives the order the closure gives, equal keys in their order, errors included.
final class SortKeyTests: ScriptTestCase {
    /// Whether the closure `source` is read as a key (the ScriptFunction's code says).
    func readsKey(_ source: String) -> Bool {
        guard case .function(let f as ScriptFunction)? = try? interpreter.run(Source(name: "closure", text: source)) else { return false }
        return f.code.sortKey != nil
    }

    func testClosuresThatCompareOneKeyAreRead() {
        for closure in ["{ $0.value > $1.value }", "{ a, b in a[\"score\"] < b[\"score\"] }", "{ $0.1 <= $1.1 }",
                        "{ (x, y) in return x.stats.loss >= y.stats.loss }", "{ $0[0][\"k\"] < $1[0][\"k\"] }", "{ $0.count < $1.count }",
                        "{ $0 < $1 }", "{ a, b in a >= b }", "{ $1.value < $0.value }", "{ $0.v == $1.v }",
                        "{ $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }", "{ $0.a != $1.a ? $0.a < $1.a : !($0.b <= $1.b) }"] {
            XCTAssertTrue(readsKey(closure), closure)
        }
        // (Declared parameter types convert what the closure is given: it is called.)
        for closure in ["{ (a: Double, b: Double) in a < b }", "{ $0.a < $1.b }", "{ $0.v < $1.v && true }", "{ $0.a < $1.a || $0.b < 2 }",
                        "{ $0.a < $1.a ? 1 : 0 }", "{ $0[i] < $1[i] }", "{ f($0) < f($1) }", "{ $0?.v < $1?.v }", "{ $0.v < $0.v }", "{ a, b in print(a); return a.v < b.v }"] {
            XCTAssertFalse(readsKey(closure), closure)
        }
    }

    /// `rows`: `count` Dicts of scattered keys, with ties, NaN, and Ints mixed with Doubles.
    func makeRows(_ count: Int, seed: Int) {
        run("""
            var rows = []
            var seed = \(seed)
            for i in 0..<\(count) {
                seed = (seed * 1103515245 + 12345) % 2147483648
                rows.append(["score": seed % 13, "loss": Double(seed % 5) / 4, "name": "r\\(i)", "pair": (seed % 3, i),
                             "x": seed % 7 == 0 ? 0.0 / 0.0 : Double(seed % 4), "mixed": seed % 2 == 0 ? seed % 9 : Double(seed % 9) / 2,
                             "word": "w\\(seed % 17)"])
            }
            """)
    }

    func testTheOrderIsTheClosuresOrder() {
        makeRows(600, seed: 7)
        // The oracle: the same comparison in a closure that is not read as a key.
        for (key, oracle) in [("$0.score < $1.score", "$0.score < $1.score && true"),
                              ("$0[\"loss\"] >= $1[\"loss\"]", "$0[\"loss\"] >= $1[\"loss\"] && true"),
                              ("$0.pair.0 > $1.pair.0", "$0.pair.0 > $1.pair.0 && true"),
                              ("$0.name <= $1.name", "$0.name <= $1.name && true"),
                              // NaN keys: each comparison as the closure makes it, not as `<` would.
                              ("$0.x <= $1.x", "$0.x <= $1.x && true"), ("$0.x >= $1.x", "$0.x >= $1.x && true"),
                              ("$0.mixed < $1.mixed", "$0.mixed < $1.mixed && true"),
                              // Several keys in turn, as `||`/`&&`, `? :` and `!` combine them.
                              ("$0.score < $1.score || ($0.score == $1.score && $0.x > $1.x)",
                               "($0.score < $1.score || ($0.score == $1.score && $0.x > $1.x)) && true"),
                              ("$0.score != $1.score ? $0.score > $1.score : $0.name < $1.name",
                               "($0.score != $1.score ? $0.score > $1.score : $0.name < $1.name) && true"),
                              ("$1.loss < $0.loss || (!($1.loss != $0.loss) && $0.mixed <= $1.mixed)",
                               "($1.loss < $0.loss || (!($1.loss != $0.loss) && $0.mixed <= $1.mixed)) && true")] {
            // (Compared by name, which is unique: a row holding NaN equals no row.)
            XCTAssertEqual(run("rows.sorted { \(key) }.map { $0.name } == rows.sorted { \(oracle) }.map { $0.name }"), "true", key)
        }
        XCTAssertEqual(run("[\"a\": 3, \"b\": 1, \"c\": 3].sorted { $0.value > $1.value }.map { $0.key }"), "[\"a\", \"c\", \"b\"]")
        XCTAssertEqual(run("var xs = [[2, 9], [1, 8], [2, 7]]\nxs.sort { $0[0] < $1[0] }\nxs"), "[[1, 8], [2, 9], [2, 7]]")
    }

    /// `sorted()` of Tuples (or Arrays) of one length compares their parts as columns, in
    /// the order `<` gives them, NaN included.
    func testTuplesSortByTheirParts() {
        run("""
            var pairs = []
            var seed = 3
            for i in 0..<500 {
                seed = (seed * 1103515245 + 12345) % 2147483648
                pairs.append((seed % 5, seed % 11 == 0 ? 0.0 / 0.0 : Double(seed % 7), "p\\(i)"))
            }
            """)
        // The oracle: the same Tuples with one Double written as an Int, which sends the sort
        // the general way (Value by Value) through the same comparisons.
        run("var general = pairs\nlet k = general.firstIndex { !$0.1.isNaN }!\ngeneral[k] = (general[k].0, Int(general[k].1), general[k].2)")
        XCTAssertEqual(run("pairs.sorted().map { $0.2 } == general.sorted().map { $0.2 }"), "true")
        XCTAssertEqual(run("[(2, \"b\"), (1, \"z\"), (2, \"a\")].sorted()"), "[(1, \"z\"), (2, \"a\"), (2, \"b\")]")
        XCTAssertEqual(run("[[2, 1], [1, 5], [1, 2]].sorted()"), "[[1, 2], [1, 5], [2, 1]]")
        XCTAssertEqual(run("[[2, 1], [1], [1, 2]].sorted()"), "[[1], [1, 2], [2, 1]]", "Arrays of several lengths")
        XCTAssertEqual(error("[(1, 2), [1, 2]].sorted()")?.kind, .type, "a Tuple and an Array do not compare")
        XCTAssertEqual(error("[(1, \"a\"), (1, 2)].sorted()")?.kind, .type)
    }

    /// `sorted(by: >)`: the operator as a function compares the elements themselves.
    func testAnOperatorSortsTheElementsThemselves() {
        XCTAssertTrue(readsKey("(>)"))
        XCTAssertEqual(run("[3, 1, 2, 1].sorted(by: >)"), "[3, 2, 1, 1]")
        XCTAssertEqual(run("[\"b\", \"a\", \"c\"].sorted(by: <)"), "[\"a\", \"b\", \"c\"]")
        XCTAssertEqual(run("[2, 0.5, 1].sorted(by: >)"), "[2.0, 1.0, 0.5]", "a literal with a Double holds Doubles")
        XCTAssertEqual(run("let (one, two) = (1, 2)\n[two, 0.5, one].sorted(by: >)"), "[2, 1, 0.5]", "Ints and Doubles together")
        // NaN: each comparison as `>` makes it, as the closure would.
        XCTAssertEqual(run("[1.0, 0.0 / 0.0, 3.0, 2.0].sorted(by: >).map { $0.isNaN ? -1 : $0 }"),
                       run("[1.0, 0.0 / 0.0, 3.0, 2.0].sorted { $0 > $1 && true }.map { $0.isNaN ? -1 : $0 }"))
    }

    /// `min(by:)` and `max(by:)` read keys too, and pick what calling the closure picks:
    /// the first of equal keys, NaN and mixed Int and Double keys as the closure compares them.
    func testMinAndMaxByAKeyPickTheClosuresElement() {
        makeRows(300, seed: 11)
        for key in ["$0.score < $1.score", "$0.x < $1.x", "$0.x >= $1.x", "$0.mixed <= $1.mixed", "$0[\"word\"] > $1[\"word\"]"] {
            for method in ["min", "max"] {
                XCTAssertEqual(run("rows.\(method) { \(key) }!.name"), run("rows.\(method) { \(key) && true }!.name"), "\(method) \(key)")
            }
        }
        XCTAssertEqual(run("[\"bb\", \"a\", \"ccc\", \"zzz\"].max { $0.count < $1.count }!"), "\"ccc\"")
        XCTAssertEqual(run("[[\"s\": 1]].min { $0.t < $1.t }!"), "[\"s\": 1]", "one element is never compared")
        XCTAssertEqual(run("[Int]().max { $0 < $1 } == nil"), "true")
        let missing = try? XCTUnwrap(error("[[\"s\": 1], [\"t\": 2]].max { $0.s < $1.s }"))
        XCTAssertEqual(missing?.kind, .key, "the closure's own error")
    }

    /// A key that cannot be read or compared: the closure is called, and raises the error
    /// it raises, at its place.
    func testAKeyThatFailsRaisesTheClosuresError() throws {
        let missing = try XCTUnwrap(error("[[\"s\": 1], [\"t\": 2]].sorted { $0.s < $1.s }"))
        XCTAssertEqual(missing.kind, .key)
        XCTAssertEqual(missing.location?.column, 34, "at $0.s, which the first comparison reads first")
        let mixed = try XCTUnwrap(error("[[\"s\": 1], [\"s\": \"x\"]].sorted { $0.s < $1.s }"))
        XCTAssertEqual(mixed.message, "cannot compare String with Int using '<'")
        XCTAssertEqual(run("[[\"s\": 1]].sorted { $0.s < $1.s }"), "[[\"s\": 1]]", "one element is never compared")
    }
}
