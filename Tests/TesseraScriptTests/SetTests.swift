import XCTest
@testable import TesseraScript

/// Sets, as Swift's: unique elements, membership, the set algebra, value semantics, and
/// the ways Swift code spells them (`Set(xs)`, `let s: Set = [...]`, `Set<String>()`).
final class SetTests: ScriptTestCase {
    func testASetKeepsEachElementOnceInTheOrderItCame() {
        XCTAssertEqual(run("Set([3, 1, 3, 2, 1])"), "[3, 1, 2]")
        XCTAssertEqual(run("Set(\"hello\")"), "[\"h\", \"e\", \"l\", \"o\"]")
        XCTAssertEqual(run("Set(0..<4).count"), "4")
        XCTAssertEqual(run("Set([\"k\": 1, \"j\": 2])"), "[\"k\", \"j\"]", "a Dict's keys")
        XCTAssertEqual(run("Set([1, 1.0, 2]).count"), "2", "1 and 1.0 are one key, as in a Dict")
        XCTAssertEqual(run("(Set<Int>().isEmpty, Set().count, Set([1]).isEmpty, Set([5, 6]).first!)"), "(true, 0, false, 5)")
        XCTAssertEqual(run("type(of: Set([1]))"), "\"Set\"")
    }

    /// An Array is taken a stretch of 16 at a time (keys made, then inserted): the order,
    /// the first of equal keys, and an element that cannot be one, wherever it falls.
    func testASetOfALongArrayIsTheSameAsOneElementAtATime() {
        run("let xs = (0..<1000).map { ($0 * 37) % 101 }\nvar one = Set<Int>()\nfor x in xs { one.insert(x) }")
        XCTAssertEqual(run("Set(xs) == one && Array(Set(xs)) == Array(one)"), "true")
        XCTAssertEqual(run("Array(Set(xs)).prefix(4)"), "[0, 37, 74, 10]")
        XCTAssertEqual(run("let mixed = Set((0..<40).map { $0 < 20 ? Double($0) : $0 - 20 })\n(mixed.count, Array(mixed)[19])"), "(20, 19.0)",
                       "the first of 19.0 and 19 is kept")
        for at in [0, 15, 16, 17, 39] {
            let e = error("Set((0..<40).map { $0 == \(at) ? [$0] : $0 })")
            XCTAssertEqual(e?.kind, .type, "an Array at \(at)")
            XCTAssertTrue(e?.message.contains("Array") == true, e?.message ?? "")
        }
    }

    func testSwiftsSpellingsMakeSets() {
        XCTAssertEqual(run("let s: Set = [1, 2, 2]\ns.count"), "2", "the annotation makes the literal a Set")
        XCTAssertEqual(run("var words: Set<String> = []\nwords.insert(\"a\")\nwords.insert(\"a\")\nwords"), "[\"a\"]")
        XCTAssertEqual(run("var u = Set<String>()\nfor w in \"a b a c\".split(separator: \" \") { u.insert(String(w)) }\nu.sorted()"), "[\"a\", \"b\", \"c\"]")
        XCTAssertEqual(run("(Array<Int>(), Dictionary<String, Int>(), Array(Set([2, 1])))"), "([], [:], [2, 1])")
        XCTAssertEqual(run("let a = 1\nlet b = 2\na < b"), "true", "a comparison is still one")
    }

    func testMembershipAndTheSetAlgebra() {
        run("let b = Set(0..<5)\nlet c = Set([3, 4, 5, 6])")
        XCTAssertEqual(run("(b.contains(3), b.contains(9), b.contains(\"3\"))"), "(true, false, false)")
        XCTAssertEqual(run("b.union(c)"), "[0, 1, 2, 3, 4, 5, 6]")
        XCTAssertEqual(run("b.intersection(c)"), "[3, 4]")
        XCTAssertEqual(run("b.subtracting(c)"), "[0, 1, 2]")
        XCTAssertEqual(run("b.symmetricDifference(c)"), "[0, 1, 2, 5, 6]")
        XCTAssertEqual(run("b.union([9, 9])"), "[0, 1, 2, 3, 4, 9]", "any sequence is the other operand")
        XCTAssertEqual(run("[b.isSubset(of: 0..<10), c.isSuperset(of: [3, 4]), b.isDisjoint(with: [9]), b.isDisjoint(with: c)]"), "[true, true, true, false]")
        XCTAssertEqual(run("[b.isStrictSubset(of: b), b.isSubset(of: b), Set([1]).isStrictSuperset(of: Set<Int>())]"), "[false, true, true]")
        XCTAssertEqual(run("[Set([1, 2]) == Set([2, 1]), Set([1]) == Set([2]), Set([1]) == [1]]"), "[true, false, false]")
        XCTAssertEqual(run("b.contains { $0 > 3 }"), "true")
    }

    func testSequenceMethodsGoOverTheElementsAndFilterKeepsASet() {
        run("let s = Set([\"b\", \"a\", \"b\", \"c\"])")
        XCTAssertEqual(run("s.map { $0.uppercased() }"), "[\"B\", \"A\", \"C\"]")
        XCTAssertEqual(run("type(of: s.filter { $0 != \"a\" })"), "\"Set\"")
        XCTAssertEqual(run("s.filter { $0 != \"a\" }"), "[\"b\", \"c\"]")
        XCTAssertEqual(run("(s.sorted(), s.sorted(by: >).first!, s.min()!, s.count(where: { $0 < \"c\" }))"), "([\"a\", \"b\", \"c\"], \"c\", \"a\", 2)")
        XCTAssertEqual(run("Set([1, 2, 3]).reduce(0, +) + Set([4]).sum()"), "10")
        XCTAssertEqual(output("for x in Set([7, 8, 7]) { print(x) }"), "7\n8\n")
        XCTAssertEqual(run("zip(Set([1, 2]), [\"x\", \"y\"]).map { \"\\($0)\\($1)\" }"), "[\"1x\", \"2y\"]")
    }

    func testMutatingMethodsChangeTheVariableAndNoCopyOfIt() {
        run("var seen = Set([1, 2])\nvar copy = seen")
        XCTAssertEqual(run("seen.insert(3)"), "(inserted: true, memberAfterInsert: 3)", "Swift's labelled tuple")
        XCTAssertEqual(run("var reals: Set = [1.0]\nlet (ok, kept) = reals.insert(1)\n(ok, kept, reals.insert(2).inserted)"), "(false, 1.0, true)")
        XCTAssertEqual(run("seen.insert(1).0"), "false")
        XCTAssertEqual(run("(seen, copy)"), "([1, 2, 3], [1, 2])", "value semantics: the copy is as it was")
        XCTAssertEqual(run("(seen.remove(2), seen.remove(42), seen)"), "(2, nil, [1, 3])")
        XCTAssertEqual(run("var f = Set([1, 2, 3])\nf.formUnion([9])\nf.subtract([1])\nf.formIntersection([2, 9, 7])\nf"), "[2, 9]")
        XCTAssertEqual(run("var g = Set([1, 2])\ng.formSymmetricDifference([2, 3])\ng.removeAll()\n(g, copy)"), "([], [1, 2])")
        // In a Dict, an Array, a function's local and a captured variable, as Arrays change.
        XCTAssertEqual(run("var d = [\"k\": Set<Int>()]\nfor i in 0..<5 { d[\"k\"]!.insert(i % 3) }\nd[\"k\"]!"), "[0, 1, 2]")
        XCTAssertEqual(run("var grid = [Set<Int>(), Set([9])]\ngrid[1].insert(8)\ngrid"), "[[], [9, 8]]")
        run("""
            func unique(_ xs: [Int]) -> Int {
              var s = Set<Int>()
              let add = { (x: Int) in s.insert(x) }
              for x in xs { add(x) }
              return s.count
            }
            """)
        XCTAssertEqual(run("unique([1, 2, 1, 3, 2])"), "3")
        XCTAssertEqual(error("let fixed = Set([1])\nfixed.insert(2)")?.kind, .type, "a let Set is a constant")
        XCTAssertEqual(run("fixed"), "[1]")
    }

    func testInsertingAHundredThousandElementsDoesNotCopyTheSetEachTime() {
        // Each insert on the only holder changes the Set where it is; copying it per insert
        // would be quadratic (10^5 inserts: minutes, not milliseconds).
        run("var big = Set<Int>()\nfor i in 0..<100000 { big.insert(i) }")
        XCTAssertEqual(run("big.count"), "100000")
        run("func build(_ n: Int) -> Int { var s = Set<Int>()\n for i in 0..<n { s.insert(i) }\n return s.count }")
        XCTAssertEqual(run("build(100000)"), "100000")
        // Elements it has, inserted again at every size (past the size checked against memory
        // too), leave it as it was.
        XCTAssertEqual(run("let twice = Set((0..<70000).map { $0 % 40000 } + Array(0..<40000))\n(twice.count, twice.contains(39999), big.insert(5).inserted, big.count)"),
                       "(40000, true, false, 100000)")
    }

    func testWrongElementsAndHabitsFromOtherLanguages() {
        XCTAssertEqual(error("Set([[1], [2]])")?.kind, .type)
        XCTAssertEqual(error("Set(5)")?.kind, .type)
        XCTAssertEqual(error("Set(0..<4_000_000_000_000_000)")?.kind, .memory, "refused before anything is made")
        XCTAssertEqual(error("var q = Set([1])\nq.add(2)")?.suggestion, "here it is 'insert': set.insert")
        XCTAssertEqual(error("Set([1]).union()")?.kind, .type)
        XCTAssertEqual(error("Set([1]).isSubset([1])")?.kind, .type, "of: is Swift's label")
    }
}
