import XCTest
@testable import TesseraScript

/// Swift's labelled tuples: elements read by label or position, taken apart as any tuple,
/// labelled by a declared tuple type, and values (a change makes a new tuple).
final class LabelledTupleTests: ScriptTestCase {
    func testElementsAreReadByLabelOrPosition() {
        run("let best = (name: \"x\", score: 0.9)")
        XCTAssertEqual(run("best"), "(name: \"x\", score: 0.9)")
        XCTAssertEqual(run("[best.name, best.0]"), "[\"x\", \"x\"]")
        XCTAssertEqual(run("best.score + best.1"), "1.8")
        XCTAssertEqual(run("(1, b: 2)"), "(1, b: 2)", "labels may be on some elements")
        XCTAssertEqual(run("type(of: best)"), "\"Tuple\"")
        let missing = error("best.rank")
        XCTAssertEqual(missing?.kind, .type)
        XCTAssertEqual(error("(label: 1)")?.kind, .syntax, "a tuple of one element is that element")
        XCTAssertEqual(error("(a: 1, a: 2)")?.kind, .syntax, "two elements of one label")
    }

    func testAnArrayOfThemSortsAndMapsByLabel() {
        run("var results: [(name: String, score: Double)] = []\nfor (n, s) in [(\"a\", 0.5), (\"b\", 0.8), (\"c\", 0.2)] { results.append((name: n, score: s)) }")
        XCTAssertEqual(run("results.sorted { $0.score > $1.score }.map { $0.name }"), "[\"b\", \"a\", \"c\"]")
        XCTAssertEqual(run("results.max { $0.score < $1.score }!.name"), "\"b\"")
        XCTAssertEqual(run("results.map { name, score in \"\\(name)=\\(score)\" }"), "[\"a=0.5\", \"b=0.8\", \"c=0.2\"]")
        XCTAssertEqual(output("for (name, score) in results { print(name, score) }"), "a 0.5\nb 0.8\nc 0.2\n")
    }

    func testADeclaredTupleTypeLabelsTheTupleWrittenForIt() {
        run("func minMax(_ xs: [Int]) -> (min: Int, max: Int) {\n  return (xs.min()!, xs.max()!)\n}")
        XCTAssertEqual(run("minMax([3, 1, 4])"), "(min: 1, max: 4)")
        XCTAssertEqual(run("minMax([3, 1, 4]).max"), "4")
        XCTAssertEqual(run("let (lo, hi) = minMax([5, 9])\nhi - lo"), "4")
        run("func span(_ xs: [Int]) -> (lo: Int, hi: Int) { (xs.min()!, xs.max()!) }")
        XCTAssertEqual(run("span([2, 7]).hi"), "7", "a body of one expression")
        XCTAssertEqual(run("let typed: (a: Int, b: String) = (1, \"one\")\ntyped.b"), "\"one\"")
        // A closure inside keeps its own results unlabelled.
        run("func pairs() -> (first: Int, second: Int) {\n  let f = { () -> Int in\n    let t = (1, 2)\n    return t.0 }\n  return (f(), 5)\n}")
        XCTAssertEqual(run("pairs()"), "(first: 1, second: 5)")
    }

    func testATupleStoredAsADeclaredTupleTypeIsLabelledWhereverItIsStored() {
        // The cost sweep of a business metric, as Swift code writes it.
        run("var sweep: [(threshold: Double, cost: Double)] = []")
        run("for t in [1, 2, 3] { sweep.append((t, Double(10 - t) * 1.5)) }")
        XCTAssertEqual(run("sweep.min { $0.cost < $1.cost }!"), "(threshold: 3.0, cost: 10.5)", "appended in a later cell; Ints made Doubles")
        XCTAssertEqual(run("sweep.insert((0, 1), at: 0)\nsweep[1] = (9, 9)\nsweep.map { $0.threshold }"), "[0.0, 9.0, 2.0, 3.0]")
        XCTAssertEqual(run("func show(_ p: (x: Int, y: Int)) -> String { \"\\(p.x),\\(p.y)\" }\nlet pair = (1, 2)\nshow(pair)"), "\"1,2\"", "a parameter")
        XCTAssertEqual(run("var stats: [String: (count: Int, mean: Double)] = [:]\nstats[\"a\"] = (2, 3)\nstats[\"a\"]!.mean"), "3.0", "a Dict's values")
        XCTAssertEqual(run("let f = { (v: Int) -> (lo: Int, hi: Int) in (v - 1, v + 1) }\nf(5).hi"), "6", "a closure's result")
        XCTAssertEqual(run("var q: (a: Int, b: Int) = (1, 2)\nq = (3, 4)\nq.b"), "4", "a later assignment")
        XCTAssertEqual(run("let (u, v): (Int, Double) = (1, 2)\n(u, v)"), "(1, 2)", "a tuple pattern's annotation is read, not converted")
        XCTAssertEqual(run("let odd: [(a: Int, b: Int)] = [(1, 2, 3)]\nodd"), "[(1, 2, 3)]", "a tuple of another size is left as it is")
    }

    func testATupleIsAValue() {
        run("var p = (x: 1, y: 2)\nlet q = p\np.x = 10\np.y += 5")
        XCTAssertEqual(run("(p, q)"), "((x: 10, y: 7), (x: 1, y: 2))")
        XCTAssertEqual(run("p.0 = 3\np"), "(x: 3, y: 7)")
        XCTAssertEqual(error("let fixed = (a: 1, b: 2)\nfixed.a = 5")?.kind, .type)
        XCTAssertEqual(error("p.z = 1")?.kind, .type)
    }

    func testEqualityAsSwifts() {
        XCTAssertEqual(run("[(a: 1, b: 2) == (a: 1, b: 2), (a: 1, b: 2) == (a: 1, b: 3), (a: 1, b: 2) == (1, 2), (1, 2) == (a: 1, b: 2)]"),
                       "[true, false, true, true]")
        XCTAssertEqual(run("(a: 1, b: 2) == (x: 1, y: 2)"), "false", "different labels")
    }
}
