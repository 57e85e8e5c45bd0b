import XCTest
@testable import TesseraScript

/// Every syntax form of LANGUAGE.md, positively.
final class InterpreterTests: ScriptTestCase {
    func testLiteralsAndResults() {
        XCTAssertEqual(run("42"), "42")
        XCTAssertEqual(run("3.5"), "3.5")
        XCTAssertEqual(run("1e-3"), "0.001")
        XCTAssertEqual(run("0x1F"), "31")
        XCTAssertEqual(run("\"a\\\"b\\n\""), "\"a\\\"b\\n\"")
        XCTAssertEqual(run("[1, 2.5, \"x\"]"), "[1, 2.5, \"x\"]")
        XCTAssertEqual(run("[:]"), "[:]")
        XCTAssertEqual(run("[]"), "[]")
        XCTAssertEqual(run("[\"lr\": 0.1, \"n\": 2]"), "[\"lr\": 0.1, \"n\": 2]")
        XCTAssertEqual(run("(1, \"two\")"), "(1, \"two\")")
        XCTAssertEqual(run("0..<10"), "0..<10")
        XCTAssertEqual(run("1...5"), "1...5")
        XCTAssertEqual(run(".relu"), ".relu")
        XCTAssertEqual(run(".relu == .relu"), "true")
        XCTAssertNil(run("nil"))
        XCTAssertEqual(run("1.0 / 0"), "inf")
    }

    func testOperatorsAndPrecedence() {
        XCTAssertEqual(run("-2 ** 2"), "4")
        XCTAssertEqual(run("2 ** 3 ** 2"), "512")
        XCTAssertEqual(run("1 + 2 * 3 % 4"), "3")
        XCTAssertEqual(run("7 / 2"), "3")
        XCTAssertEqual(run("-7 / 2"), "-3")
        XCTAssertEqual(run("7.0 % 2"), "1.0")
        XCTAssertEqual(run("2 ** -1"), "0.5")
        XCTAssertEqual(run("1 < 2 && !(2 < 1) || false"), "true")
        XCTAssertEqual(run("true and not false or false"), "true")
        XCTAssertEqual(run("nil ?? 3"), "3")
        XCTAssertEqual(run("4 ?? 3"), "4")
        XCTAssertEqual(run("3 > 2 ? \"a\" : \"b\""), "\"a\"")
        // Arrays concatenate under `+`, as in Swift; element-wise arithmetic is for tensors.
        XCTAssertEqual(run("[1, 2] + [10, 20]"), "[1, 2, 10, 20]")
        XCTAssertEqual(run("[] + [1]"), "[1]")
        XCTAssertEqual(run("[1] + []"), "[1]")
        XCTAssertEqual(run("[\"a\"] + [\"b\"]"), "[\"a\", \"b\"]")
        XCTAssertEqual(run("var grown = [1]\ngrown += [2]\ngrown"), "[1, 2]")
        XCTAssertEqual(error("[1, 2] * 3")?.kind, .type)
        XCTAssertEqual(error("[1, 2] - [1, 2]")?.kind, .type)
        XCTAssertEqual(error("-[1, 2]")?.kind, .type)
        XCTAssertEqual(run("Array(repeating: 0, count: 3)"), "[0, 0, 0]")
        XCTAssertEqual(run("Array(repeating: [1], count: 2)"), "[[1], [1]]")
        XCTAssertEqual(run("Array(1...3)"), "[1, 2, 3]")
        XCTAssertEqual(run("Array(\"ab\")"), "[\"a\", \"b\"]")
        XCTAssertEqual(error("Array(repeating: 0, count: -1)")?.kind, .value)
        // The idiom that failed with a ShapeError when one side was empty.
        run("""
            func qsort(_ xs) {
                guard xs.count > 1 else { return xs }
                let pivot = xs[0]
                let lo = xs.filter { $0 < pivot }
                let eq = xs.filter { $0 == pivot }
                let hi = xs.filter { $0 > pivot }
                return qsort(lo) + eq + qsort(hi)
            }
            """)
        XCTAssertEqual(run("qsort([3, 1, 2, 3, 0, 9, 1])"), "[0, 1, 1, 2, 3, 3, 9]")
        XCTAssertEqual(run("qsort([])"), "[]")
        XCTAssertEqual(run("[[1, 2], [3, 4]] @ [[1], [1]]"), "[[3.0], [7.0]]")
        XCTAssertEqual(run("\"ab\" * 2"), "\"abab\"")
    }

    func testDeclarationsAssignmentsAndDestructuring() {
        run("var n = 1\nn += 2\nn *= 10\nn -= 5\nn /= 5")
        XCTAssertEqual(run("n"), "5")
        run("let (a, (b, _)) = (1, (2, 3))")
        XCTAssertEqual(run("a + b"), "3")
    }

    func testNestedMutationHasValueSemantics() {
        run("var grid = [[0, 0], [0, 0]]\nvar copy = grid\ngrid[1][0] = 5\nvar d = [\"a\": [\"b\": 1]]\nd[\"a\"][\"b\"] += 1\nd.a.c = 3")
        XCTAssertEqual(run("grid"), "[[0, 0], [5, 0]]")
        XCTAssertEqual(run("copy"), "[[0, 0], [0, 0]]")
        XCTAssertEqual(run("d"), "[\"a\": [\"b\": 2, \"c\": 3]]")
        run("var t = (1, 2)\nt.0 = 7")
        XCTAssertEqual(run("t"), "(7, 2)")
        run("d[\"a\"] = nil")
        XCTAssertEqual(run("d"), "[:]")
    }

    /// `sorted()` of Ints, Doubles or Strings alone takes Swift's sort of their payloads;
    /// anything else compares Values. Both give `<`'s order, equal elements in their order.
    func testSortedGivesTheOrderOfLessThan() {
        XCTAssertEqual(run("[3, -1, 2, Int.max, Int.min, 2].sorted()"), "[-9223372036854775808, -1, 2, 2, 3, 9223372036854775807]")
        XCTAssertEqual(run("[0.5, -0.0, 0.0, -inf, 1e300, -0.0].sorted()"), "[-inf, -0.0, 0.0, -0.0, 0.5, 1e+300]")
        XCTAssertEqual(run("[\"b\", \"B\", \"é\", \"e\", \"\", \"ab\"].sorted()"), "[\"\", \"B\", \"ab\", \"b\", \"e\", \"é\"]")
        XCTAssertEqual(run("let (one, two) = (1, 2)\n[two, 1.5, one, -3.0].sorted()"), "[-3.0, 1, 1.5, 2]", "Ints and Doubles together compare as numbers")
        XCTAssertEqual(run("[[2, 1], [1, 9], [1]].sorted()"), "[[1], [1, 9], [2, 1]]")
        XCTAssertEqual(error("[1, \"a\"].sorted()")?.kind, .type)
        XCTAssertEqual(run("([Int]().sorted(), [7].sorted())"), "([], [7])")
    }

    /// `count` and `isEmpty` on each kind that has them, the short way and the tables'.
    func testCountAndIsEmptyOnEveryKind() {
        XCTAssertEqual(run("[[1, 2].count, [].count, (3..<7).count, (1...5).count, \"héllo\".count, \"\\r\\n\".count, [\"a\": 1].count, Set([1, 1, 2]).count]"),
                       "[2, 0, 4, 5, 5, 1, 1, 2]")
        XCTAssertEqual(run("[[1].isEmpty, [].isEmpty, (0..<0).isEmpty, \"\".isEmpty, \"x\".isEmpty, [:].isEmpty, [\"count\": 9].count, [\"count\": 9][\"count\"]]"),
                       "[false, true, true, true, false, true, 9, 9]", "a key reads before a property, as LANGUAGE.md has member access on Dicts")
        XCTAssertEqual(run("var q = [1, 2, 3]\nvar n = 0\nwhile !q.isEmpty { n += q.removeLast() }\nvar i = 0\nwhile i < q.count + 2 { i += 1 }\n(n, i)"), "(6, 2)")
    }

    /// `contains` and `firstIndex(of:)` find what `==` finds: an Int its Double, nothing else.
    func testContainsAndFirstIndexFindWhatEqualityFinds() {
        XCTAssertEqual(run("[[1, 2.0, \"x\"].contains(2), [1, 2].contains(2.0), [\"a\", 1].contains(\"a\"), [true].contains(1), [[1]].contains([1]), [Int]().contains(1)]"),
                       "[true, true, true, false, true, false]")
        XCTAssertEqual(run("[[1, 2.0].firstIndex(of: 2), [(1, 2)].firstIndex(of: (1, 2)), [nil, 1].firstIndex(of: nil), [3, 1, 3].firstIndex(of: 3), [1].firstIndex(of: 9)]"),
                       "[1, 0, 0, 0, nil]")
        XCTAssertEqual(run("let big = Array(0..<200_000)\n[big.firstIndex(of: 199_999), big.firstIndex(of: 70_000)]"), "[199999, 70000]", "found past a stretch's end")
    }

    /// `==` walks nested containers element by element: a difference after an inner
    /// container is still found, Dicts compare regardless of order, and Ints meet Doubles.
    func testEqualityWalksNestedContainers() {
        let cases: [(String, String)] = [
            ("[[1], 2] == [[1], 3]", "false"), ("[[1, [2]], [3]] == [[1, [2]], [3]]", "true"),
            ("[1, [2]] == [1, 2]", "false"), ("[[]] == [[1]]", "false"), ("[[Int]]() == []", "true"),
            ("(1, [2, 3]) == (1, [2, 3.0])", "true"), ("[1, 2] == (1, 2)", "false"),
            ("[\"a\": [1], \"b\": [2]] == [\"b\": [2.0], \"a\": [1]]", "true"),
            ("[\"a\": 1] == [\"b\": 1]", "false"), ("[[\"k\": [1, 2]], [:]] == [[\"k\": [1, 2]], [:]]", "true"),
            ("[\"x\", nil, .relu, 1...3] == [\"x\", nil, .relu, 1...3]", "true"),
            ("[[1, 2], [3, 4]] != [[1, 2], [3, 5]]", "true"),
            ("let big = Array(0..<100_000)\nbig == big.map { $0 } && big != big.map { $0 == 99_999 ? 0 : $0 }", "true"),
        ]
        for (code, expected) in cases { XCTAssertEqual(run(code), expected, code) }
    }

    func testFunctionsLabelsDefaultsAndClosures() {
        run("func f(_ x, by k = 2, plus p = 0) { return x * k + p }")
        XCTAssertEqual(run("f(3)"), "6")
        XCTAssertEqual(run("f(3, plus: 1)"), "7")
        XCTAssertEqual(run("f(3, by: 3, plus: 1)"), "10")
        XCTAssertEqual(run("let g = { (a, b) in a * b }\ng(3, 4)"), "12")
        XCTAssertEqual(run("let h = { a, b in a - b }\nh(3, 4)"), "-1")
        XCTAssertEqual(run("[1, 2, 3].map { x in x + 1 }"), "[2, 3, 4]")
        XCTAssertEqual(run("[3, 1, 2].sorted { $0 > $1 }"), "[3, 2, 1]")
        XCTAssertEqual(run("[3, 1, 2].sorted(by: { $0 > $1 })"), "[3, 2, 1]")
        XCTAssertEqual(run("[\"a\": 1, \"b\": 2].map { (k, v) in k + String(v) }"), "[\"a1\", \"b2\"]")
        XCTAssertEqual(run("func typed(_ x: Int, y: [String: Double]) -> Int { return x }\ntyped(1, y: [:])"), "1")
        // A trailing closure drops its label, as in Swift, for script functions and built-in methods alike.
        XCTAssertEqual(run("func apply(_ x, times n = 1, then f) { var y = x\n for _ in 0..<n { y = f(y) }\n return y }\n(apply(1) { $0 + 1 }, apply(1, times: 3) { $0 * 2 })"), "(2, 8)")
        XCTAssertEqual(run("func maybe(_ x, then f = nil) { return f == nil ? x : f(x) }\n(maybe(1), maybe(1) { $0 * 10 })"), "(1, 10)")
        XCTAssertEqual(run("([5, 1, 7].first { $0 > 4 }, [5, 1, 7].firstIndex { $0 < 5 }, [5, 1, 7].firstIndex(of: 7), [5, 1, 7].count { $0 > 1 })"), "(5, 1, 2, 2)")
        XCTAssertEqual(run("Dictionary(grouping: [1, 2, 3]) { $0 % 2 }"), "[1: [1, 3], 0: [2]]")
        XCTAssertEqual(error("[1].first(3)")?.kind, .type)
        XCTAssertEqual(error("func two(_ x, then f) { f(x) }\ntwo(1, 2)")?.kind, .type)
    }

    /// Swift idioms a Swift programmer writes without thinking, each giving Swift's answer.
    func testSwiftIdiomsGiveSwiftsAnswers() {
        // A function whose body is one expression returns it.
        run("let w = 3\nlet h = 4\nfunc area() { w * h }\nfunc twice(_ x) { x * 2 }")
        XCTAssertEqual(run("area()"), "12")
        XCTAssertEqual(run("twice(5)"), "10")
        XCTAssertEqual(output("func greet() { print(\"hi\") }\nlet r = greet()\nprint(r == nil)"), "hi\ntrue\n")
        XCTAssertEqual(run("func two() { let x = 1\n x * 2 }\ntwo()"), nil, "two statements: no implicit return")
        // Operators name functions of two arguments.
        XCTAssertEqual(run("[1, 2, 3, 4].reduce(0, +)"), "10")
        XCTAssertEqual(run("[1, 2, 3, 4].reduce(1, *)"), "24")
        XCTAssertEqual(run("[3, 1, 2].sorted(by: >)"), "[3, 2, 1]")
        XCTAssertEqual(run("zip([1, 2], [3, 4]).map(*)"), "[3, 8]")
        XCTAssertEqual(run("let plus = (+)\nplus(2, 3)"), "5")
        // Tuples assign as a whole: the right side first, then the places left to right.
        run("var a = 1\nvar b = 2\n(a, b) = (b, a)")
        XCTAssertEqual(run("(a, b)"), "(2, 1)")
        run("var xs = [1, 2, 3]\n(xs[0], xs[2]) = (xs[2], xs[0])\nvar d = [\"k\": 0]\n(d.k, _) = (7, 8)")
        XCTAssertEqual(run("xs"), "[3, 2, 1]")
        XCTAssertEqual(run("d"), "[\"k\": 7]")
        XCTAssertEqual(run("((a, b), xs[1]) = ((5, 6), 9)\n[a, b, xs[1]]"), "[5, 6, 9]")
        XCTAssertEqual(run("func fib(_ n) { var (x, y) = (0, 1)\n for _ in 0..<n { (x, y) = (y, x + y) }\n return x }\nfib(10)"), "55")
        XCTAssertEqual(run("func boxed() { var (x, y) = (0, 1)\n let step = { (x, y) = (y, x + y) }\n step(); step(); step()\n return x }\nboxed()"), "2")
        XCTAssertEqual(error("let c = 1\n(c, a) = (2, 3)")?.kind, .type)
        XCTAssertEqual(error("(a, b) = (1, 2, 3)")?.kind, .value)
        XCTAssertEqual(run("a"), "5", "a failed assignment changes nothing")
        XCTAssertEqual(error("(a, b) += (1, 1)")?.kind, .syntax)
        // `for ... where` runs the body where the clause holds; continue and break still work.
        XCTAssertEqual(output("for x in 0..<10 where x % 3 == 0 { if x == 6 { continue }\n print(x) }"), "0\n3\n9\n")
        XCTAssertEqual(output("for (i, s) in [\"a\", \"b\", \"c\"].enumerated() where i != 1 { print(s) }"), "a\nc\n")
        // `repeat { } while` runs its body before the first test.
        XCTAssertEqual(run("var r = 10\nrepeat { r += 1 } while r < 3\nr"), "11")
        XCTAssertEqual(run("var q = 0\nrepeat { q += 1\n if q == 2 { continue }\n if q == 4 { break } } while true\nq"), "4")
        XCTAssertEqual(error("repeat { r += 1 }")?.kind, .syntax)
        // Int and Double answer Swift's constants.
        XCTAssertEqual(run("Int.max"), "9223372036854775807")
        XCTAssertEqual(run("Int.min"), "-9223372036854775808")
        XCTAssertEqual(run("var best = Double.infinity\nfor x in [2.5, 0.5] { best = min(best, x) }\nbest"), "0.5")
        XCTAssertEqual(error("Int.maxx")?.suggestion, "did you mean 'max'?")
        // A type's `.init` is the type itself, as `map(String.init)` passes it.
        XCTAssertEqual(run("[1, 2].map(String.init).joined(separator: \"-\")"), "\"1-2\"")
        XCTAssertEqual(run("[\"3\", \"x\"].compactMap(Int.init)"), "[3]")
        XCTAssertEqual(error("print.init")?.kind, .type)
        // Swift's random values: in their range, every element kept by a shuffle.
        XCTAssertEqual(run("var seen = [Int: Bool]()\nfor _ in 0..<400 { seen[Int.random(in: 1...6)] = true }\nseen.keys.sorted()"), "[1, 2, 3, 4, 5, 6]")
        XCTAssertEqual(run("(0..<200).map { _ in Double.random(in: 2..<3) }.allSatisfy { $0 >= 2 && $0 < 3 }"), "true")
        XCTAssertEqual(run("var deck = Array(0..<52)\ndeck.shuffle()\n(deck.sorted() == Array(0..<52), deck.shuffled().count, [Int]().randomElement())"), "(true, 52, nil)")
        XCTAssertEqual(run("[\"x\"].randomElement()! + String(Bool.random()).prefix(0)"), "\"x\"")
        XCTAssertEqual(error("Int.random(in: 3..<3)")?.kind, .value)
        XCTAssertEqual(error("Int.random(in: [1, 2])")?.kind, .type)
        // Swift's number members that loops over rows use.
        XCTAssertEqual(run("(0..<10).filter { $0.isMultiple(of: 3) }"), "[0, 3, 6, 9]")
        XCTAssertEqual(run("((-4).signum(), 0.0.signum(), (7.5).truncatingRemainder(dividingBy: 2), (-7.5).truncatingRemainder(dividingBy: 2), (7.5).remainder(dividingBy: 2))"),
                       "(-1, 0.0, 1.5, -1.5, -0.5)")
        XCTAssertEqual(error("2.5.isMultiple(of: 2)")?.kind, .type)
        XCTAssertEqual(run("let (q, r) = 17.quotientAndRemainder(dividingBy: 5)\n(q, r, (-17).quotientAndRemainder(dividingBy: 5))"),
                       "(3, 2, (quotient: -3, remainder: -2))", "toward zero, as / and % and Swift's")
        XCTAssertEqual(error("7.quotientAndRemainder(dividingBy: 0)")?.kind, .value)
        XCTAssertEqual(error("7.5.quotientAndRemainder(dividingBy: 2)")?.kind, .type)
        // Bases other than ten, both ways.
        XCTAssertEqual(run("(String(255, radix: 16), String(255, radix: 16, uppercase: true), String(-5, radix: 2))"), "(\"ff\", \"FF\", \"-101\")")
        XCTAssertEqual(run("(Int(\"ff\", radix: 16), Int(\"101\", radix: 2), Int(\"z\", radix: 10))"), "(255, 5, nil)")
        XCTAssertEqual(error("String(3, radix: 40)")?.kind, .value)
        XCTAssertEqual(error("Int(\"7\", radix: 1)")?.kind, .value)
        // Text read as a number: spaces and tabs around it go (a cell of a hand-made CSV),
        // newlines and spaces inside do not, the short way (one argument) and the long alike.
        XCTAssertEqual(run("[Int(\" 42 \"), Int(\"\\t7\"), Int(\"4 2\"), Int(\"\"), Int(\"  \"), Int(\"9\\n\"), Int(\"+5\"), Int(\" ff\", radix: 16)]"),
                       "[42, 7, nil, nil, nil, nil, 5, 255]")
        XCTAssertEqual(run("[Double(\" 2.5\\t\"), Double(\"1e3\"), Double(\"x\"), Double(\" \"), Double(\"\\u{00A0}1\")]"), "[2.5, 1000.0, nil, nil, 1.0]")
        XCTAssertEqual(run("[\" 1\", \"2 \", \"x\"].map { Int($0) ?? -1 }"), "[1, 2, -1]")
        XCTAssertEqual(error("Int(3.5, radix: 2)")?.kind, .type)
    }

    /// `[Int](repeating:count:)`, `\\.count` and `case 10...:`, as Swift code writes them.
    func testTypedInitialisersKeyPathsAndOneSidedCaseRanges() {
        XCTAssertEqual(run("var g = [[Int]](repeating: [Int](repeating: 0, count: 2), count: 2)\ng[0][1] = 5\ng"), "[[0, 5], [0, 0]]")
        XCTAssertEqual(run("([Int](1...3), [String: Int](uniqueKeysWithValues: [(\"a\", 1)]), [Double]())"), "([1, 2, 3], [\"a\": 1], [])")
        XCTAssertEqual(run("[\"ab\", \"c\"].map(\\.count)"), "[2, 1]")
        XCTAssertEqual(run("[[\"p\": [\"name\": \"x\"]]].map(\\.p.name)"), "[\"x\"]")
        XCTAssertEqual(error("[1].map(\\.)")?.kind, .syntax)
        run("func kind(_ x) { switch x { case ..<0: return \"neg\"; case ...9: return \"digit\"; case 10...: return \"big\"; default: return \"?\" } }")
        XCTAssertEqual(run("[kind(-3), kind(0), kind(9), kind(10), kind(2.5)]"), "[\"neg\", \"digit\", \"digit\", \"big\", \"digit\"]")
        XCTAssertEqual(output("switch (-1, 12) { case (..<0, 10...): print(\"both\"); default: print(\"no\") }"), "both\n")
        XCTAssertEqual(error("5 & 3")?.message.contains("no bitwise operators"), true)
    }

    /// Swift's String indices are Character offsets here, as `s[i]` and `firstIndex(of:)` are.
    func testStringIndicesAndInPlaceChanges() {
        XCTAssertEqual(output("""
            var s = "hello"
            s.insert("x", at: s.startIndex)
            s.insert(contentsOf: "YZ", at: s.endIndex)
            print(s, s[s.index(s.startIndex, offsetBy: 1)], s.index(after: 0), s.index(before: 3), s.distance(from: 1, to: 4))
            print(s.remove(at: 0), s.removeFirst(), s.removeLast(), s.popLast()!, s)
            let ys = ["ab"]
            var t = ys[0]
            t.removeLast()
            var e = ""
            print(t, ys, e.popLast() == nil)
            """), "xhelloYZ h 1 2 3\nx h Z Y ello\na [\"ab\"] true\n")
        XCTAssertEqual(error("var s = \"ab\"\ns.remove(at: 2)")?.kind, .index)
        XCTAssertEqual(error("var s = \"ab\"\ns.insert(\"c\", at: 3)")?.kind, .index)
        XCTAssertEqual(error("var s = \"\"\ns.removeFirst()")?.kind, .index)
        XCTAssertEqual(error("\"ab\".index(1, offsetBy: 5)")?.kind, .index)
        // Offsets past any Int are errors, never a trap.
        XCTAssertEqual(error("\"ab\".index(after: Int.max)")?.kind, .index)
        XCTAssertEqual(error("\"ab\".index(Int.min, offsetBy: -1)")?.kind, .index)
    }

    /// `description` and `String(describing:)`, which every Swift value has.
    func testEveryValueDescribesItself() {
        XCTAssertEqual(run("[3.description, \"ab\".description, \"ab\".debugDescription, [1, \"a\"].description, (1, 2).description, true.description, 2.5.description, [\"k\": 1].description]"),
                       #"["3", "ab", "\"ab\"", "[1, \"a\"]", "(1, 2)", "true", "2.5", "[\"k\": 1]"]"#)
        XCTAssertEqual(run("String(describing: [1, 2]) + String(describing: \"x\")"), "\"[1, 2]x\"")
        XCTAssertEqual(run("[\"description\": 5].description"), "5", "a Dict's own key of that name comes first")
    }

    /// The collection idioms of Swift code that counts, groups and sorts.
    func testSwiftCollectionIdiomsGiveSwiftsAnswers() {
        var swapped = "var xs = [5, 3, 8]\nxs.swapAt(0, 2)\nxs"
        XCTAssertEqual(run(swapped), "[8, 3, 5]")
        swapped = "var ys = [1]\nys.swapAt(0, 3)"
        XCTAssertEqual(error(swapped)?.kind, .index)
        // `!` unwraps, and names the place where it found nil.
        XCTAssertEqual(run("[3, 1, 2].first! + Int(\"4\")!"), "7")
        let e = error("let d = [\"a\": 1]\nd[\"b\"]! + 1")
        XCTAssertEqual(e?.kind, .value)
        XCTAssertEqual(e?.location?.line, 2)
        XCTAssertEqual(run("let maybe = [\"k\": [1, 2]]\nmaybe[\"k\"]!.count"), "2")
        XCTAssertEqual(run("1 != 2"), "true", "`!=` is not an unwrap")
        // `d[k, default: v]` reads the default for a missing key and changes from it in place.
        run("var counts = [String: Int]()\nfor w in [\"b\", \"a\", \"b\"] { counts[w, default: 0] += 1 }")
        XCTAssertEqual(run("counts"), "[\"b\": 2, \"a\": 1]")
        XCTAssertEqual(run("counts[\"z\", default: 9]"), "9")
        XCTAssertEqual(run("counts[\"z\"]"), nil, "reading a default stores nothing")
        run("var groups = [String: [Int]]()\nfor x in 1...5 { groups[x % 2 == 0 ? \"even\" : \"odd\", default: []].append(x) }")
        XCTAssertEqual(run("groups"), "[\"odd\": [1, 3, 5], \"even\": [2, 4]]")
        XCTAssertEqual(run("func tally(_ xs) { var t = [:]\n for x in xs { t[x, default: 0] += 1 }\n return t }\ntally([1, 1, 2])"), "[1: 2, 2: 1]")
        run("var calls = 0\nfunc key() { calls += 1\n return \"k\" }\nvar once = [:]\nonce[key(), default: 10] += 1")
        XCTAssertEqual(run("[once, calls]"), "[[\"k\": 11], 1]", "the key is computed once")
        // reduce(into:) changes its accumulator in place, as Swift's inout does.
        XCTAssertEqual(run("[\"a\", \"b\", \"a\"].reduce(into: [:]) { $0[$1, default: 0] += 1 }"), "[\"a\": 2, \"b\": 1]")
        XCTAssertEqual(run("[1, 2, 3].reduce(into: []) { acc, x in acc.append(x * 10) }"), "[10, 20, 30]")
        XCTAssertEqual(run("[1, 2, 3].reduce(into: 0) { $0 += $1 }"), "6")
        XCTAssertEqual(error("{ a, b in a += b }(1, 2)")?.kind, .type, "other closures' parameters stay constants")
        XCTAssertEqual(run("[5, 6, 7].enumerated().filter { $0.offset != 1 }.map { $0.element }"), "[5, 7]")
        // Swift's Dictionary initialisers.
        XCTAssertEqual(run("Dictionary(grouping: [1, 2, 3, 4, 5], by: { $0 % 2 == 0 ? \"even\" : \"odd\" })"), "[\"odd\": [1, 3, 5], \"even\": [2, 4]]")
        XCTAssertEqual(run("Dictionary(uniqueKeysWithValues: zip([\"a\", \"b\"], [1, 2]))"), "[\"a\": 1, \"b\": 2]")
        XCTAssertEqual(error("Dictionary(uniqueKeysWithValues: [(\"a\", 1), (\"a\", 2)])")?.kind, .value)
        XCTAssertEqual(error("Dictionary(grouping: [1], by: { [$0] })")?.kind, .type, "an Array is no key")
        XCTAssertEqual(error("Dictionary(grouping: 0..<1_000_000_000_000_000, by: { $0 % 2 })")?.kind, .memory, "checked before it groups")
        XCTAssertEqual(error("Dictionary(grouping: 5, by: { $0 })")?.kind, .type, "not an empty Dict: nothing to group")
        XCTAssertEqual(error("Dictionary(uniqueKeysWithValues: \"ab\")")?.kind, .type)
        // A Dict's pairs answer .key and .value.
        XCTAssertEqual(run("[\"b\": 2, \"a\": 1, \"c\": 3].sorted { $0.value > $1.value }.map { $0.key }"), "[\"c\", \"b\", \"a\"]")
        // stride, indices, split(separator:), typed empty collections.
        XCTAssertEqual(run("stride(from: 0, to: 10, by: 3)"), "[0, 3, 6, 9]")
        XCTAssertEqual(run("stride(from: 10, through: 0, by: -5)"), "[10, 5, 0]")
        XCTAssertEqual(run("stride(from: 0.0, to: 1.0, by: 0.25)"), "[0.0, 0.25, 0.5, 0.75]")
        XCTAssertEqual(error("stride(from: 0, to: 3, by: 0)")?.kind, .value)
        XCTAssertEqual(error("stride(from: 0, by: 1)")?.kind, .type)
        XCTAssertEqual(run("[5, 6, 7].indices"), "0..<3")
        run("let five = [1, 2, 3, 4, 5]")
        XCTAssertEqual(run("[five[..<2], five[...2], five[3...], five[5...]]"), "[[1, 2], [1, 2, 3], [4, 5], []]", "partial ranges")
        XCTAssertEqual(error("five[6...]")?.kind, .value, "past the end, as Swift refuses the range")
        XCTAssertEqual(run("[[1, 2, 3]][0][1...]"), "[2, 3]")
        // Whatever the value is written as, a call's result or a member, the same range.
        XCTAssertEqual(error("[1, 2, 3].map { $0 }[6...]")?.kind, .value, "past the end of a computed value too")
        XCTAssertEqual(run("let r5 = 0..<5\n[r5[2...], (0..<5)[2...]]"), "[2..<5, 2..<5]")
        XCTAssertEqual(run("[\"h\u{E9}llo\"[1...], five.suffix(from: 4), five.suffix(2)]"), "[\"\u{E9}llo\", [5], [4, 5]]")
        XCTAssertTrue(error("five[1:3]")?.message.contains("xs[a..<b]") == true, "a Python slice says what to write")
        XCTAssertEqual(run("\"a,,b\".split(separator: \",\")"), "[\"a\", \"b\"]")
        XCTAssertEqual(run("\"a,,b\".split(\",\")"), "[\"a\", \"\", \"b\"]")
        XCTAssertEqual(run("var ws = [Double]()\nws.append(0.5)\n[ws, [String: [Int]](), [[Int]]()]"), "[[0.5], [:], []]")
    }

    /// Optional binding as Swift writes it: `if let`, `guard let`, `while let`, clause lists.
    func testOptionalBindingInConditions() {
        run("let d = [\"a\": 1]")
        XCTAssertEqual(output("if let v = d[\"a\"] { print(v) } else { print(\"none\") }\nif let w = d[\"z\"] { print(w) } else { print(\"none\") }"), "1\nnone\n")
        XCTAssertEqual(run("func twice(_ s) { guard let n = Int(s) else { return -1 }\n return n * 2 }\n[twice(\"21\"), twice(\"x\")]"), "[42, -1]")
        XCTAssertEqual(run("let maybe = Int(\"3\")\nvar got = 0\nif let maybe { got = maybe + 1 }\ngot"), "4", "`if let x` binds x to itself")
        XCTAssertEqual(run("var r = []\nfor s in [\"5\", \"2\", \"q\"] { if let x = Int(s), x > 3 { r.append(x) } else { r.append(0) } }\nr"), "[5, 0, 0]")
        XCTAssertEqual(run("func sum(_ xs) { var t = 0\n for s in xs { guard let n = Int(s), n > 0 else { continue }\n t += n }\n return t }\nsum([\"1\", \"x\", \"-2\", \"5\"])"), "6")
        XCTAssertEqual(output("var stack = [1, 2, 3]\nwhile let top = stack.popLast() { print(top) }"), "3\n2\n1\n")
        XCTAssertEqual(run("stack.popLast()"), nil, "popLast on an empty Array is nil")
        XCTAssertEqual(run("let x = 5\nvar inner = 0\nif let x = Int(\"10\") { inner = x }\n[inner, x]"), "[10, 5]", "the binding shadows only inside")
        XCTAssertEqual(run("func held() { var fs = []\n if var z = Int(\"9\") { z += 1\n fs.append({ z * 2 }) }\n return fs[0]() }\nheld()"), "20")
        XCTAssertEqual(run("guard let top = Int(\"7\") else { throw error(\"no\") }\ntop + 1"), "8", "a guard at a cell's top level binds a session variable")
        XCTAssertEqual(run("var both = false\nif true, 1 < 2 { both = true }\nboth"), "true")
        // Closures and annotations with function types.
        XCTAssertEqual(run("[1, 2, 3].map { x -> Int in x * 2 }"), "[2, 4, 6]")
        XCTAssertEqual(run("[1, 2].map { (x: Int) -> Double in Double(x) / 2 }"), "[0.5, 1.0]")
        XCTAssertEqual(run("let inc: (Int) -> Int = { $0 + 1 }\ninc(1)"), "2")
        XCTAssertEqual(run("func apply(_ f: (Int) -> Int, _ x: Int) -> Int { return f(x) }\napply({ $0 * 3 }, 4)"), "12")
        XCTAssertEqual(run("type(of: 1.5) + type([1])"), "\"DoubleArray\"")
    }

    /// Searching, extremes and text as Swift (and Foundation) name them.
    func testSwiftSearchExtremeAndTextMethods() {
        XCTAssertEqual(run("[\"a\": 3, \"b\": 5].max { $0.value < $1.value }!.key"), "\"b\"", "the argmax idiom")
        XCTAssertEqual(run("[\"a\": 3, \"b\": 5].min(by: { $0.value < $1.value })!.key"), "\"a\"")
        XCTAssertEqual(run("[[3, 1, 2].min(by: <), [3, 1, 2].max(by: <), [3, 1, 2].max { $0 > $1 }]"), "[1, 3, 1]")
        XCTAssertEqual(run("[(1, \"a\"), (3, \"b\"), (3, \"c\")].max { $0.0 < $1.0 }!.1"), "\"b\"", "ties keep the first, as Swift's")
        XCTAssertEqual(run("[Int]().max(by: <)"), nil)
        XCTAssertEqual(run("[[1, 2, 3, 4].first(where: { $0 > 2 }), [1, 2, 3].last(where: { $0 < 3 }), [1, 2].first(where: { $0 > 5 })]"), "[3, 2, nil]")
        XCTAssertEqual(run("[[1, 2, 3].count(where: { $0 > 1 }), [1, 2, 3].count, [1, 2, 3].first!]"), "[2, 3, 1]")
        XCTAssertEqual(run("[\"x\": 1, \"y\": 2].first(where: { $0.value > 1 })!.key"), "\"y\"")
        XCTAssertEqual(run("\"a-b--c\".components(separatedBy: \"-\")"), "[\"a\", \"b\", \"\", \"c\"]")
        XCTAssertEqual(run("\"hello world\".replacingOccurrences(of: \"o\", with: \"0\")"), "\"hell0 w0rld\"")
        XCTAssertEqual(run("\" hi \\n\".trimmingCharacters(in: .whitespaces)"), "\"hi \\n\"", "Foundation's .whitespaces keeps newlines")
        XCTAssertEqual(run("\" hi \\n\".trimmingCharacters(in: .whitespacesAndNewlines)"), "\"hi\"")
        XCTAssertEqual(error("\"x\".trimmingCharacters(in: .letters)")?.kind, .type)
        XCTAssertEqual(run("[\"abc\".starts(with: \"ab\"), \"abcdef\".prefix(3) == \"abc\", \"abcdef\".suffix(2) == \"ef\", \"abc\".dropFirst() == \"bc\", \"abc\".dropLast(2) == \"a\"]"),
                       "[true, true, true, true, true]")
        // Numbers' members.
        XCTAssertEqual(run("[2.5.rounded(), 2.5.rounded(.toNearestOrEven), 2.7.rounded(.down), (-2.5).rounded(.towardZero)]"), "[3.0, 2.0, 2.0, -2.0]")
        XCTAssertEqual(run("[Int(2.7.rounded()), 3.rounded(), (-3).magnitude]"), "[3, 3, 3]")
        XCTAssertEqual(run("[16.0.squareRoot(), (0.0 / 0.0).isNaN ? 1.0 : 0.0, (1.0 / 0.0).isInfinite ? 1.0 : 0.0]"), "[4.0, 1.0, 1.0]")
        XCTAssertEqual(error("2.rounded(.sideways)")?.kind, .type)
        XCTAssertEqual(error("Int.min.magnitude")?.kind, .value)
    }

    func testSwitchMatchesValuesAndRangesWithoutFallingThrough() {
        run("""
            func kind(_ x) {
              switch x {
              case 0: return "zero"
              case 1, 2, 3: return "small"
              case 4..<10: return "medium"
              case 10...100: return "large"
              default: return "huge"
              }
            }
            """)
        XCTAssertEqual(run("[0, 2, 5, 10, 100, 101].map { kind($0) }"), #"["zero", "small", "medium", "large", "large", "huge"]"#)
        XCTAssertEqual(output("""
            for s in ["relu", "tanh", "x"] {
              switch s {
              case "relu":
                print("R")
              case "tanh": break
              default:
                print("other", s)
              }
            }
            """), "R\nother x\n")
        // `break` leaves the switch, `continue` the loop's turn.
        XCTAssertEqual(run("""
            var seen = []
            for i in 0..<6 {
              switch i % 3 {
              case 0: continue
              case 1: seen.append(i)
              default:
                if i > 4 { break }
                seen.append(-i)
              }
            }
            seen
            """), "[1, -2, 4]")
        XCTAssertEqual(run("var hit = 0\nswitch .relu { case .tanh: hit = 1\n case .relu: hit = 2\n default: hit = 3 }\nhit"), "2")
        XCTAssertEqual(run("var none = true\nswitch 5 { case 1: none = false }\nnone"), "true", "no case and no default: nothing runs")
        XCTAssertEqual(error("switch 1 {\ncase 1:\ndefault: print(2)\n}")?.kind, .syntax)
        XCTAssertEqual(error("switch 1 {\ncase 1: break\ndefault: break\ndefault: break\n}")?.kind, .syntax)
    }

    /// Swift's several declarations in one statement: `let a = 1, b = a + 1`, each bound in
    /// turn (a later one sees the earlier), at the top of a cell, in functions and closures.
    func testOneStatementDeclaresSeveralNames() {
        XCTAssertEqual(run("let a = 1, b = a + 1\nvar (c, d) = (3, 4), e: Double = 5\n[a, b, c, d, e]"), "[1, 2, 3, 4, 5.0]")
        XCTAssertEqual(run("e"), "5.0", "the annotation of the later one converts its value")
        XCTAssertEqual(run("func f() -> Int {\n  var x = 1, y = 2\n  x += y\n  return x + y\n}\nf()"), "5")
        XCTAssertEqual(run("let g = { let p = 2, q = 3; return p * q }\ng()"), "6")
        XCTAssertEqual(run("var m = 1,\n    n = 2\nm + n"), "3", "the list goes on after a comma at the end of a line")
        XCTAssertEqual(error("let u = 1, v")?.kind, .syntax, "a let needs a value")
    }

    /// Swift's labelled statements: `break outer` leaves the loop (or switch) labelled, `continue
    /// outer` goes on to its next turn, from however many loops and switches deep.
    func testLabelledLoopsTakeBreakAndContinueFromInnerOnes() {
        XCTAssertEqual(run("""
            var seen = []
            outer: for i in 0..<5 {
              for j in 0..<5 {
                if j == 2 { continue outer }
                if i == 3 { break outer }
                seen.append(i * 10 + j)
              }
              seen.append(-1)
            }
            seen
            """), "[0, 1, 10, 11, 20, 21]", "continue outer skips the rest of the outer turn; break outer ends both")
        XCTAssertEqual(run("""
            var n = 0
            var hit = (0, 0)
            search: while true {
              n += 1
              for k in 0..<10 where k * n > 20 { hit = (n, k); break search }
            }
            hit
            """), "(3, 7)")
        XCTAssertEqual(run("""
            var log = []
            rows: for r in [[1, 2], [3, -1, 4], [5]] {
              for v in r {
                switch v {
                case ..<0: continue rows
                default: log.append(v)
                }
              }
              log.append(0)
            }
            log
            """), "[1, 2, 0, 3, 5, 0]", "continue rows from inside a switch inside a loop")
        XCTAssertEqual(output("""
            pick: switch 3 {
            case 3:
              for q in 0..<3 { if q == 1 { break pick }; print(q) }
              print("after the loop")
            default: break
            }
            var m = 0
            again: repeat { m += 1; if m > 3 { break again } } while true
            print(m)
            """), "0\n4\n")
        run("""
            func triangle(_ n: Int) -> Int {
              var total = 0
              a: for x in 1...n { b: for y in 1...n { if y > x { continue a }; total += x * y } }
              return total
            }
            """)
        XCTAssertEqual(run("triangle(3)"), "25", "labels in a compiled function")
        // Wrong labels are SyntaxErrors before anything runs, naming what is there.
        let missing = error("var ran = false\nx: for i in 0..<2 { ran = true\n for j in 0..<2 { break y } }")
        XCTAssertEqual(missing?.kind, .syntax)
        XCTAssertEqual(missing?.message.contains("labelled here: x"), true, missing?.message ?? "")
        XCTAssertEqual(error("ran")?.kind, .name, "nothing ran: not even the declaration before the loop")
        XCTAssertEqual(error("s: switch 1 {\ncase 1: for i in 0..<2 { continue s }\ndefault: break\n}")?.message.contains("names a switch"), true)
        XCTAssertEqual(error("o: for i in 0..<3 { let f = { break o } }")?.kind, .syntax, "a closure's body is not inside the loop")
        XCTAssertEqual(error("lbl: let x = 1")?.kind, .syntax)
        // A name and a colon that start no loop are what they were: a dictionary entry, a case.
        XCTAssertEqual(run("let outer = [\"for\": 1]\nouter[\"for\"]!"), "1")
    }

    /// Swift's case patterns: `let` bindings, `where` clauses, `_` and tuples of patterns.
    func testSwitchCasesBindNamesAndMatchTuples() {
        run("""
            func describe(_ x) {
              switch x {
              case 0: return "zero"
              case let n where n < 0: return "negative \\(n)"
              case 1...9: return "digit"
              case let n where n.isMultiple(of: 2): return "even \\(n)"
              default: return "odd"
              }
            }
            func point(_ p) {
              switch p {
              case (0, 0): return "origin"
              case (let x, 0): return "on x at \\(x)"
              case let (x, y) where x == y: return "diagonal \\(y)"
              case (_, 1..<5): return "low"
              case (let x, var y): y += 1
                return "at \\(x), \\(y)"
              }
            }
            """)
        XCTAssertEqual(run("[0, -3, 5, 12, 13].map { describe($0) }"), #"["zero", "negative -3", "digit", "even 12", "odd"]"#)
        XCTAssertEqual(run("[(0, 0), (3, 0), (2, 2), (9, 3), (1, 9)].map { point($0) }"),
                       #"["origin", "on x at 3", "diagonal 2", "low", "at 1, 10"]"#)
        // A value that is not a Tuple of that size matches no tuple pattern.
        XCTAssertEqual(run("(point(5), point((1, 2, 3)))"), "(nil, nil)")
        // The items of one case bind the same name; each `where` sees its own item's.
        XCTAssertEqual(output("for v in [1, 2, 3] {\n switch v {\n case let a where a > 2, let a where a < 2: print(\"edge\", a)\n default: print(\"mid\") }\n}"),
                       "edge 1\nmid\nedge 3\n")
        // At a cell's top, a case's names are its own (not session variables); closures capture them.
        XCTAssertEqual(run("var fs = []\nswitch 4 {\ncase let n where n > 0: fs.append({ n * 10 })\ndefault: break\n}\nfs[0]()"), "40")
        XCTAssertEqual(error("n")?.kind, .name)
        // A parenthesis that opens an expression is still one.
        XCTAssertEqual(run("var r = 0\nswitch 6 {\ncase (1 + 2) * 2: r = 1\ndefault: r = 2\n}\nr"), "1")
        XCTAssertEqual(error("switch 1 {\ncase let: break\n}")?.kind, .syntax)
        XCTAssertEqual(error("switch 1 {\ncase let x where: break\n}")?.kind, .syntax)
        XCTAssertEqual(error("switch 1 {\ncase let x where x: break\n}")?.kind, .type)
        // As Swift: a name once an item, and every item of a case binding the same names.
        XCTAssertEqual(error("switch (1, 2) {\ncase (let a, let a): break\ndefault: break\n}")?.kind, .syntax)
        XCTAssertEqual(error("switch 3 {\ncase let n where n > 5, 3: print(n)\ndefault: break\n}")?.message,
                       "every pattern of a case must bind the same names: one binds n, this one none; split the case in two")
    }

    func testClosuresCapturePerIterationAndByReference() {
        run("var fs = []\nfor i in 0..<3 { fs.append({ i * 10 }) }")
        XCTAssertEqual(run("fs.map { $0() }"), "[0, 10, 20]")
        run("func make() { var n = 0\n func bump() { n += 1; return n }\n return bump }\nlet b = make()\nb()\nb()")
        XCTAssertEqual(run("b()"), "3")
        run("func even(_ n) { return n == 0 ? true : odd(n - 1) }\nfunc odd(_ n) { return n == 0 ? false : even(n - 1) }")
        XCTAssertEqual(run("even(10)"), "true")
        XCTAssertEqual(run("func outer() { func a() { return b() }\n func b() { return 5 }\n return a() }\nouter()"), "5")
    }

    /// `x!` and `x?` on the way to a place change it where it is, as in Swift:
    /// `counts[w]! += 1`, `groups[k]!.append(x)`, `groups[k]?.append(x)`.
    func testUnwrappedPlacesChangeInPlace() {
        run("var d = [\"k\": [1]]\nlet before = d\nd[\"k\"]!.append(2)\nd[\"k\"]?.append(3)")
        XCTAssertEqual(run("(d, before)"), "([\"k\": [1, 2, 3]], [\"k\": [1]])")
        // `?.` on nil skips the call (its arguments too) and the chain is nil.
        XCTAssertEqual(run("var said = 0\nfunc say() { said += 1\n return 9 }\n(d[\"z\"]?.append(say()), said, d.count)"), "(nil, 0, 1)")
        XCTAssertEqual(run("var c = [\"a\": 1]\nc[\"a\"]! += 1\nc[\"a\"]! *= 10\nc"), "[\"a\": 20]")
        XCTAssertEqual(run("var g = [\"x\": [\"y\": [1]]]\ng[\"x\"]![\"y\"]!.append(2)\ng[\"x\"]![\"y\"]![0] = 7\ng"), "[\"x\": [\"y\": [7, 2]]]")
        XCTAssertEqual(run("var o: [Int]? = [1]\no!.append(2)\no?.append(3)\nvar n: [Int]? = nil\nn?.append(1)\n(o, n)"), "([1, 2, 3], nil)")
        XCTAssertEqual(run("func f() { var m = [\"a\": \"x\"]\n m[\"a\"]!.append(\"y\")\n var l: [Int]? = [5]\n l!.append(6)\n l?.append(7)\n return (m, l) }\nf()"),
                       "([\"a\": \"xy\"], [5, 6, 7])")
        // A key that runs code runs once, though the place is read for the check and then changed.
        XCTAssertEqual(run("var calls = 0\nfunc key() { calls += 1\n return \"a\" }\nvar e = [\"a\": 1]\ne[key()]! += 1\n(e, calls)"), "([\"a\": 2], 1)")
        // Nil where `!` needs a value is the `!`'s error, and nothing changes.
        let missing = error("c[\"b\"]! += 1")
        XCTAssertEqual(missing?.kind, .value)
        XCTAssertEqual(missing?.location?.column, 7)
        XCTAssertEqual(error("d[\"q\"]!.append(1)")?.kind, .value)
        XCTAssertEqual(run("(c, d.count)"), "([\"a\": 20], 1)")
        XCTAssertEqual(error("let k = [\"a\": [1]]\nk[\"a\"]!.append(2)")?.kind, .type)
    }

    /// Where Swift code declares a Double, an Int there is that Double, so the arithmetic
    /// gives Swift's answer (`let x: Double = 3; x / 2` is 1.5, not the Int division's 1).
    /// Swift infers `[0.5, 1, 2]` to be `[Double]`: its Int literals are Doubles, so the
    /// arithmetic on them is Swift's (`w[1] / 4` is 0.25, where an Int would give 0).
    func testAnArrayLiteralWithADoubleHoldsDoubles() {
        XCTAssertEqual(run("let w = [0.5, 1, 2]\n(w, w[1] / 4, w.map { $0 / 4 })"), "([0.5, 1.0, 2.0], 0.25, [0.125, 0.25, 0.5])")
        XCTAssertEqual(run("[[1, 2], [3, -4.5]]"), "[[1.0, 2.0], [3.0, -4.5]]", "nested literals are one type")
        XCTAssertEqual(run("([1, 2], [[1], [2]], [])"), "([1, 2], [[1], [2]], [])", "Ints alone stay Ints")
        XCTAssertEqual(run("[1, \"a\", 2.5]"), "[1, \"a\", 2.5]", "a mixed literal stays as written")
        XCTAssertEqual(run("[1, nil, 2.5]"), "[1, nil, 2.5]")
        XCTAssertEqual(run("let n = 3\n[n, 1.5]"), "[3, 1.5]", "a variable's value is its own")
        XCTAssertEqual(run("[(1, 2.5), (2, 3)]"), "[(1, 2.5), (2, 3)]", "a tuple's elements keep their kinds")
        XCTAssertEqual(run("[\"lr\": 0.1, \"epochs\": 5]"), "[\"lr\": 0.1, \"epochs\": 5]", "a Dict literal's values stay as written")
    }

    func testDoubleAnnotationsGiveSwiftsArithmetic() {
        XCTAssertEqual(run("let x: Double = 3\nx / 2"), "1.5")
        XCTAssertEqual(run("let xs: [Double] = [1, 2]\nlet d: [String: Double] = [\"a\": 1]\nlet g: [[Double]] = [[1], [2.5]]\n(xs, d, g)"),
                       "([1.0, 2.0], [\"a\": 1.0], [[1.0], [2.5]])")
        XCTAssertEqual(run("let a: Array<Double> = [4]\nlet o: Double? = 2\nlet n: Double? = nil\nlet f: Float = 1\n(a, o, n, f)"), "([4.0], 2.0, nil, 1.0)")
        // Parameters (with or without their defaults), returns, closures.
        XCTAssertEqual(run("func half(_ v: Double = 5) -> Double { return v / 2 }\n(half(3), half(), half(1.5))"), "(1.5, 2.5, 0.75)")
        XCTAssertEqual(run("func one() -> Double { 1 }\nfunc q(_ n: Int) -> Double { let h = n / 2\n return h }\n(one(), q(5))"), "(1.0, 2.0)")
        XCTAssertEqual(run("let r = { (a: Double, b: Double) -> Double in a / b }\nlet t = { (n: Int) -> Double in\n return n }\n(r(1, 4), t(2))"), "(0.25, 2.0)")
        XCTAssertEqual(run("func box(_ z: Double) { return { z / 4 } }\nbox(1)()"), "0.25")
        // Each kind of parameter type, given what it converts and what it leaves.
        XCTAssertEqual(run("""
            func row(_ r: [Double]) { r }
            func table(_ t: [String: Double]) { t }
            func grid(_ g: [[Double]]) { g }
            (row([1, 2.5]), row([1.5]), row("s"), row([[1]]), table(["a": 1]), table([1]), grid([[1], [2.5]]), grid([1]))
            """), "([1.0, 2.5], [1.5], \"s\", [[1]], [\"a\": 1.0], [1], [[1.0], [2.5]], [1])")
        // `=` to a variable declared Double: a local, a captured one, a session variable in a later cell.
        XCTAssertEqual(run("func f() { var acc: Double = 0\n acc = 3\n let g = { acc = 5 }\n let before = acc / 2\n g()\n return (before, acc / 2) }\nf()"), "(1.5, 2.5)")
        run("var total: Double = 0")
        XCTAssertEqual(run("total = 7\ntotal / 2"), "3.5")
        // What is stored into a declared Array's or Dict's elements converts too: `append`,
        // `insert`, `append(contentsOf:)`, subscripts, members, defaults, nested Arrays.
        XCTAssertEqual(run("""
            var xs: [Double] = []
            xs.append(1)
            xs.insert(3, at: 0)
            xs.append(contentsOf: [5])
            xs[2] = 7
            var d: [String: Double] = [:]
            d["a"] = 1
            d["b", default: 0] += 1
            d.a = 4
            var g: [[Double]] = [[]]
            g[0].append(2)
            (xs, d, g, xs[1] / 2)
            """), "([3.0, 1.0, 7.0], [\"a\": 4.0, \"b\": 1.0], [[2.0]], 0.5)")
        XCTAssertEqual(run("func f() { var ys: [Double] = []\n ys.append(1)\n return ys[0] / 2 }\nf()"), "0.5")
        // `+=` of an Array literal to a `[Double]`; session variables declared typed and
        // changed by a function declared after them in the same cell, or in a later one.
        XCTAssertEqual(run("""
            var losses: [Double] = []
            var best: Double = 0
            var byName: [String: Double] = [:]
            func record(_ name, _ l) {
                losses.append(l)
                losses += [l]
                best = l
                byName[name] = l
                return { losses[0] = 9 }
            }
            record("a", 1)()
            losses += [2]
            (losses, best / 2, byName)
            """), "([9.0, 1.0, 2.0], 0.5, [\"a\": 1.0])")
        XCTAssertEqual(run("func more(_ l) { losses.append(l)\n best = l }\nmore(3)\n(losses.last! / 2, best / 2)"), "(1.5, 1.5)")
        // A declaration without a type forgets the earlier one's, as `%reset` does.
        XCTAssertEqual(run("var total = 0\ntotal = 7\ntotal / 2"), "3")
        // A declaration that never ran (its cell failed first) declares nothing.
        run("var z = 1")
        XCTAssertEqual(error("throw error(\"stop\")\nvar z: Double = 0")?.kind, .value)
        XCTAssertEqual(run("z = 3\nz / 2"), "1")
        run("var later: Double = 1")
        interpreter.reset()
        XCTAssertEqual(run("var later = 1\nlater = 3\nlater / 2"), "1")
        // Only Ints where Doubles are declared change; other annotations are read, not checked.
        XCTAssertEqual(run("let s: String = \"a\"\nlet i: Int = 3\nlet m: Double = 2.5\nlet mixed: [Double] = [1, \"x\"]\nfunc w(_ v: Double) { v }\n(s, i / 2, m, mixed, w(\"t\"))"),
                       "(\"a\", 1, 2.5, [1.0, \"x\"], \"t\")")
        let copy = run("let base = [1, 2]\nlet ds: [Double] = base\n(base, ds)")
        XCTAssertEqual(copy, "([1, 2], [1.0, 2.0])")
    }

    /// A String is a sequence of Characters, with Swift's Character properties: the text
    /// cleaning a tokenizer's cell does.
    func testStringsAreSequencesOfCharacters() {
        XCTAssertEqual(run("\"Hello, World 42!\".filter { $0.isLetter || $0.isWhitespace }"), "\"Hello World \"")
        XCTAssertEqual(run("(\"a1b2\".compactMap { $0.wholeNumberValue }, \"abc\".map { $0.uppercased() }, \"hello\".sorted())"),
                       "([1, 2], [\"A\", \"B\", \"C\"], [\"e\", \"h\", \"l\", \"l\", \"o\"])")
        XCTAssertEqual(run("(\"abc\".firstIndex(of: \"c\"), \"abc\".contains { $0 == \"b\" }, \"abc\".contains(\"bc\"), \"aXbY\".count(where: { $0.isUppercase }), \"zebra\".max())"),
                       "(2, true, true, 2, \"z\")")
        XCTAssertEqual(run("(\"Ab\".first!.isUppercase, Character(\"a\").asciiValue, \"é\".asciiValue, \"f\".hexDigitValue, \"é\".utf8.count, \"hello world\".capitalized)"),
                       "(true, 97, nil, 15, 2, \"Hello World\")")
        XCTAssertEqual(run("(\"a,b,,c\".split(separator: \",\", omittingEmptySubsequences: false), \"a b c\".split(separator: \" \", maxSplits: 1))"),
                       "([\"a\", \"b\", \"\", \"c\"], [\"a\", \"b c\"])")
        XCTAssertEqual(run("(\"a b\\tc\".components(separatedBy: .whitespaces), \"a, b.\".components(separatedBy: .punctuationCharacters))"),
                       "([\"a\", \"b\", \"c\"], [\"a\", \" b\", \"\"])")
        XCTAssertEqual(error("\"ab\".isLetter")?.suggestion, "test each one: s.allSatisfy { $0.isLetter }")
        XCTAssertEqual(error("Character(\"ab\")")?.kind, .value)
        XCTAssertEqual(error("\"x\".components(separatedBy: .vowels)")?.kind, .type)
        XCTAssertEqual(error("\"a b\".split(separator: \" \", maxSplits: -1)")?.kind, .value)
    }

    /// The rest of Swift's Dictionary and String API that counting and merging code uses.
    func testDictSequenceMethodsAndStringAppend() {
        run("var d = [\"a\": 1, \"b\": 2]")
        XCTAssertEqual(run("d.reduce(0) { $0 + $1.value }"), "3")
        XCTAssertEqual(run("(d.contains { $0.value > 1 }, d.contains(where: { $0.key == \"z\" }), d.contains(\"a\"))"), "(true, false, true)")
        XCTAssertEqual(run("(d.allSatisfy { $0.value > 0 }, d.compactMap { $0.value > 1 ? $0.key : nil }, d.first!.key)"), "(true, [\"b\"], \"a\")")
        XCTAssertEqual(output("d.forEach { print($0.key, $0.value) }"), "a 1\nb 2\n")
        XCTAssertEqual(run("d.merging([\"b\": 10, \"c\": 3]) { $0 + $1 }"), "[\"a\": 1, \"b\": 12, \"c\": 3]")
        XCTAssertEqual(run("d.merging([(\"a\", 5)], uniquingKeysWith: { old, new in old })"), "[\"a\": 1, \"b\": 2]")
        XCTAssertEqual(run("d.merge([\"c\": 3], uniquingKeysWith: max)\nd"), "[\"a\": 1, \"b\": 2, \"c\": 3]")
        XCTAssertEqual(run("(d.updateValue(7, forKey: \"a\"), d.updateValue(4, forKey: \"n\"), d.a, d.n)"), "(1, nil, 7, 4)")
        XCTAssertEqual(run("d.compactMapValues { $0 > 3 ? $0 * 2 : nil }"), "[\"a\": 14, \"n\": 8]")
        XCTAssertEqual(run("[String: Int]().first"), nil)
        XCTAssertEqual(error("d.merge(5) { $1 }")?.kind, .type)
        // A pair repeated combines with itself; an error part way leaves the Dict as it was.
        XCTAssertEqual(run("var m = [\"a\": 1]\nm.merge([(\"a\", 10), (\"a\", 100), (\"c\", 3)]) { $0 + $1 }\nm"), "[\"a\": 111, \"c\": 3]")
        XCTAssertEqual(error("m.merge([\"c\": 7, \"a\": 5]) { old, new in\n if new == 5 { throw error(\"no\") }\n return new }")?.kind, .value)
        XCTAssertEqual(error("m.merge([(\"z\", 1), ([1], 2)]) { $1 }")?.kind, .type)
        XCTAssertEqual(run("m"), "[\"a\": 111, \"c\": 3]")
        // A sort's comparison may read the Array it sorts (it read nil); a throw leaves it as it was.
        XCTAssertEqual(run("var xs = [3, 1, 2]\nxs.sort { a, b in xs.count == 3 && a < b }\nxs"), "[1, 2, 3]")
        XCTAssertEqual(error("xs.sort { a, b in\n if a == 2 { throw error(\"x\") }\n return a > b }")?.kind, .value)
        XCTAssertEqual(run("xs"), "[1, 2, 3]")
        // Swift's removeAll(where:), with a trailing closure or the label.
        XCTAssertEqual(run("var zs = Array(0..<10)\nzs.removeAll { $0 % 3 == 0 }\nzs.removeAll(where: { $0 > 7 })\nzs"), "[1, 2, 4, 5, 7]")
        XCTAssertEqual(error("zs.removeAll(where: 3)")?.kind, .type)
        // The closure may read the Dict being merged into, locally as in the session.
        XCTAssertEqual(run("m.merge([\"a\": 1]) { old, new in old + new + m.count }\nm.a"), "114")
        XCTAssertEqual(run("func f() { var l = [\"x\": 1]\n l.merge([\"x\": 1]) { $0 + $1 + l.count }\n return l }\nf()"), "[\"x\": 3]")
        XCTAssertEqual(error("d.updateValue(1, forKey: [1])")?.kind, .type)
        XCTAssertEqual(run("var s = \"ab\"\nlet t = s\ns.append(\"c\")\ns.append(contentsOf: \"de\")\n(s, t)"), "(\"abcde\", \"ab\")")
        XCTAssertEqual(error("var u = \"a\"\nu.append(1)")?.kind, .type)
        XCTAssertEqual(error("let w = \"a\"\nw.append(\"b\")")?.kind, .type)
    }

    func testPlusEqualsGrowsInPlaceAndKeepsValueSemantics() throws {
        // Copies made before `+=` keep their values: the storage is shared until written.
        XCTAssertEqual(run("var s = \"ab\"\nlet t = s\ns += \"c\"\n(s, t)"), "(\"abc\", \"ab\")")
        XCTAssertEqual(run("var xs = [1]\nlet ys = xs\nxs += [2]\n(xs, ys)"), "([1, 2], [1])")
        XCTAssertEqual(run("var d = [\"k\": \"a\"]\nlet e = d\nd[\"k\"] += \"b\"\n(d.k, e.k)"), "(\"ab\", \"a\")")
        XCTAssertEqual(run("func f() { var s = \"\"\n for i in 0..<5 { s += \"\\(i)\" }\n return s }\nf()"), "\"01234\"")
        // In place: the only reference to a string's or array's storage grows without a
        // copy (a loop of appends was quadratic: 200,000 short lines took minutes).
        var a = Value.array([.int(1)])
        if case .array(var xs) = a { a = .nil; xs.reserveCapacity(8); a = .array(xs) }
        func base(_ v: Value) -> UnsafeRawPointer? { if case .array(let xs) = v { return xs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }; return nil }
        let before = base(a)
        try Operators.addInPlace(&a, .array([.int(2), .int(3)]))
        XCTAssertEqual(base(a), before, "the array grew in its own storage")
        var s = Value.string(String(repeating: "x", count: 100))
        if case .string(var text) = s { s = .nil; text.reserveCapacity(400); s = .string(text) }
        func address(_ v: Value) -> UnsafeRawPointer? {
            if case .string(let text) = v { return text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil }
            return nil
        }
        let start = address(s)
        try Operators.addInPlace(&s, .string("yz"))
        XCTAssertEqual(address(s), start, "the string grew in its own storage")
    }

    func testControlFlow() {
        XCTAssertEqual(output("for i in 0..<10 { if i == 2 { continue }; if i == 4 { break }; print(i) }"), "0\n1\n3\n")
        XCTAssertEqual(output("var k = 0\nwhile true { k += 1; if k > 3 { break } }\nprint(k)"), "4\n")
        XCTAssertEqual(output("for (k, v) in [\"a\": 1] { print(k, v) }"), "a 1\n")
        XCTAssertEqual(output("for ch in \"hé\" { print(ch) }"), "h\né\n")
        XCTAssertEqual(output("func sign(_ x) { guard x != 0 else { return 0 }\n if x > 0 { return 1 } else { return -1 } }\nprint(sign(-3), sign(0))"), "-1 0\n")
    }

    func testOptionalChaining() {
        XCTAssertEqual(run("let none = nil\nnone?.count.magnitude ?? \"no\""), "\"no\"")
        XCTAssertEqual(run("let d = [\"a\": [1, 2]]\nd[\"a\"]?.count"), "2")
        XCTAssertEqual(run("d[\"zz\"]?.count ?? -1"), "-1")
        XCTAssertEqual(run("d[\"zz\"]?[0] ?? -1"), "-1")
    }

    /// `prefix(n)` and `suffix(n)` cut ASCII text by bytes, and give Swift's answer on every
    /// text: "\r\n" is one Character, and a combining mark joins the letter before it.
    func testPrefixAndSuffixCutWhereSwiftCuts() {
        let texts = ["", "a", "abc123", "ab\r\ncd", "\r\n", "a\r", "\na\r\n", "e\u{301}x", "xe\u{301}", "ab\u{301}",
                     "caf\u{E9}s", "\u{1F1EB}\u{1F1F7}ab", "ab\u{1F468}\u{200D}\u{1F469}", String(repeating: "x", count: 40)]
        for text in texts {
            for n in 0...6 {
                XCTAssertEqual(StringMethods.asciiAffix(text, n, fromEnd: false) ?? String(text.prefix(n)), String(text.prefix(n)), "\(text.debugDescription).prefix(\(n))")
                XCTAssertEqual(StringMethods.asciiAffix(text, n, fromEnd: true) ?? String(text.suffix(n)), String(text.suffix(n)), "\(text.debugDescription).suffix(\(n))")
            }
        }
        XCTAssertNotNil(StringMethods.asciiAffix("abc123", 2, fromEnd: false), "ASCII is cut by bytes")
        XCTAssertEqual(run("[\"abc\".prefix(-1), \"abc\".suffix(9), \"ab\\r\\nc\".suffix(2)]"), "[\"\", \"abc\", \"\\r\\nc\"]")
    }

    func testStringsAndInterpolation() {
        XCTAssertEqual(run("let n = 3\n\"n=\\(n * 2), xs=\\([1, \"a\"])\""), "\"n=6, xs=[1, \\\"a\\\"]\"")
        XCTAssertEqual(run("\"a b  c\".split()"), "[\"a\", \"b\", \"c\"]")
        // Dict keys hash as Swift compares them: canonically equivalent Strings are one key.
        XCTAssertEqual(run("let keys = [\"K\": 1, \"\\u{e9}\": 2, 3: \"three\", 2.0: \"two\"]\n[keys[\"\\u{212A}\"], keys[\"e\\u{301}\"], keys[3.0], keys[2], keys.count]"),
                       "[1, 2, \"three\", \"two\", 4]")
        // ASCII text splits by bytes, exactly as Swift splits by Characters: "\r\n" is one
        // Character, which a "\n" or a "\r" separator does not cut.
        for (text, sep) in [("a,b,,c", ","), ("a\r\nb\nc", "\n"), ("x\r\ny\r", "\r"), ("abab", "ab"), ("", ","), ("a--b---c", "--"), ("héllo wörld", "l"),
                            (",,a,", ","), ("é,,ü,", ","), ("a\r\nb\r\n", "\r\n"), ("x", "xy")] {
            let swift = text.split(separator: sep, omittingEmptySubsequences: false).map { Value.string(String($0)) }
            XCTAssertEqual(run("\(Value.string(text).debugDescription).split(\(Value.string(sep).debugDescription))"),
                           Value.array(swift).debugDescription, "\(text.debugDescription) split by \(sep.debugDescription)")
            // split(separator:) takes the same short ways, omitting empty fields or not.
            for omitting in [true, false] {
                let fields = text.split(separator: sep, omittingEmptySubsequences: omitting).map { Value.string(String($0)) }
                XCTAssertEqual(run("\(Value.string(text).debugDescription).split(separator: \(Value.string(sep).debugDescription), omittingEmptySubsequences: \(omitting))"),
                               Value.array(fields).debugDescription, "\(text.debugDescription) split(separator: \(sep.debugDescription)), omitting: \(omitting)")
            }
        }
        // A String's count is its Characters, as Swift counts them (ASCII counted by bytes,
        // "\r\n" one Character).
        for text in ["", "abc", "a\r\nb", "\r\n\r\n", "\r\r\n\n", "x\r", "héllo", "e\u{301}", "🇫🇷!", String(repeating: "ab\r\n", count: 40)] {
            XCTAssertEqual(run("\(Value.string(text).debugDescription).count"), "\(text.count)", text.debugDescription)
        }
        XCTAssertEqual(run("\"  pad \".trimmed()"), "\"pad\"")
        XCTAssertEqual(run("\"\"\"\n    x\n      y\n    \"\"\""), "\"x\\n  y\"")
        XCTAssertEqual(run("\"abc\"[1]"), "\"b\"")
    }

    func testCollectionsMethods() {
        XCTAssertEqual(run("[1, 2, 3, 4].filter { $0 % 2 == 0 }.reduce(0, { $0 + $1 })"), "6")
        XCTAssertEqual(run("[1.5, 2.5].sum()"), "4.0")
        XCTAssertEqual(run("[4, 9].mean()"), "6.5")
        XCTAssertEqual(run("var xs = [1]\nxs.append(contentsOf: [2, 3])\nxs.insert(0, at: 0)\nxs.removeLast()\nxs"), "[0, 1, 2]")
        XCTAssertEqual(run("[\"b\": 2, \"a\": 1].keys"), "[\"b\", \"a\"]")
        XCTAssertEqual(run("var d = [\"x\": 1]\nd.removeValue(forKey: \"x\")\nd.count"), "0")
        XCTAssertEqual(run("(1...4).map { $0 * $0 }"), "[1, 4, 9, 16]")
        XCTAssertEqual(run("[3, 1].enumerated()"), "[(0, 3), (1, 1)]")
        XCTAssertEqual(run("[1, 2, 3][1..<3]"), "[2, 3]")
    }

    func testBuiltins() {
        // String(x) of a value in a loop takes the short way; its text is print's.
        XCTAssertEqual(run("[-5, Int.min, 0].map { String($0) } + [String(2.50), String(true), String(\"s\"), String([1]), String(nil)]"),
                       "[\"-5\", \"-9223372036854775808\", \"0\", \"2.5\", \"true\", \"s\", \"[1]\", \"nil\"]")
        XCTAssertEqual(run("([1, 2.5, \"x\", nil].joined(separator: \"-\"), [String]().joined(separator: \",\"), [\"a\", \"b\"].joined())"),
                       "(\"1-2.5-x-nil\", \"\", \"ab\")")
        // Characters made a String again, as Swift's String(s.sorted()); other Arrays are described.
        XCTAssertEqual(run("let hello = \"hello\"\n[String(hello.sorted()), String(hello.reversed()), String(hello.filter { $0 != \"l\" }), String([\"ab\", \"c\"]), String([1, 2])]"),
                       "[\"ehllo\", \"olleh\", \"heo\", \"[\\\"ab\\\", \\\"c\\\"]\", \"[1, 2]\"]")
        XCTAssertEqual(run("Dictionary([\"a\", \"b\", \"a\"].map { ($0, 1) }, uniquingKeysWith: +)"), "[\"a\": 2, \"b\": 1]")
        XCTAssertEqual(run("Dictionary([(1, \"x\"), (1, \"y\")], uniquingKeysWith: { old, new in old })"), "[1: \"x\"]")
        XCTAssertEqual(error("Dictionary(uniqueKeysWithValues: [(1, 2), (1, 3)])")?.kind, .value)
        // Arrays of Arrays join into one Array, as Swift's (it was the text of each, run together).
        XCTAssertEqual(run("[[1, 2], [3], []].joined()"), "[1, 2, 3]")
        XCTAssertEqual(run("Array([[1, 2], [3]].joined(separator: [0]))"), "[1, 2, 0, 3]")
        XCTAssertEqual(error("[[1], [2]].joined(separator: \",\")")?.kind, .type)
        XCTAssertEqual(run("[1, 2, 3, 1].prefix(while: { $0 < 3 }) + [1, 2, 3, 1].drop(while: { $0 < 3 })"), "[1, 2, 3, 1]")
        XCTAssertEqual(run("(\"abc123\".prefix(while: { $0.isLetter }), \"  x\".drop(while: { $0 == \" \" }))"), "(\"abc\", \"x\")")
        XCTAssertEqual(run("([1, 2, 3].prefix(while: { $0 > 5 }), [1, 2].drop(while: { $0 > 0 }), (0..<5).prefix(while: { $0 < 2 }))"), "([], [], [0, 1])")
        XCTAssertEqual(run("([1, 2, 3].lazy.map { $0 * 2 }.first!, (0..<9).lazy.filter { $0 % 4 == 0 }.map { $0 + 1 }, \"ab\".lazy.map { $0 }.count, [\"k\": 1].lazy.count)"), "(2, [1, 5, 9], 2, 1)", "Swift's lazy view answers as the collection does")
        XCTAssertEqual(run("((0..<1_000_000_000_000).prefix(while: { $0 < 3 }), (0..<5).drop(while: { $0 < 3 }))"), "([0, 1, 2], [3, 4])",
                       "a long Range is walked only as far as the test holds")
        XCTAssertEqual(run("([1, 2, 1, 3].lastIndex(of: 1), [1, 2, 1, 3].lastIndex(where: { $0 > 1 }), [1].lastIndex(of: 5), \"abca\".lastIndex(of: \"a\"))"),
                       "(2, 3, nil, 3)")
        XCTAssertEqual(run("abs(-3)"), "3")
        XCTAssertEqual(run("max(2, 9.5, 4)"), "9.5")
        XCTAssertEqual(run("min([5, 1, 3])"), "1")
        XCTAssertEqual(run("[min(2.5, 1), max(3, 2.5), max(1, 2, 3.0)]"), "[1.0, 3.0, 3.0]", "Ints among Doubles are Doubles, as Swift's literals")
        XCTAssertEqual(run("[min(1, 2), max(4, 3)]"), "[1, 4]")
        XCTAssertEqual(run("round(2.5)"), "3.0")
        XCTAssertEqual(run("sqrt([4, 9])"), "[2.0, 3.0]")
        XCTAssertEqual(run("Int(\"x\")"), nil)
        XCTAssertEqual(run("Double(\"2.5\")"), "2.5")
        XCTAssertEqual(run("Bool(\"true\")"), "true")
        XCTAssertEqual(run("String(3.0)"), "\"3.0\"")
        XCTAssertEqual(run("clock() > 0"), "true")
        XCTAssertEqual(run("type([1])"), "\"Array\"")
        XCTAssertEqual(output("print(1, 2, separator: \"-\", terminator: \"!\\n\")"), "1-2!\n")
        run("warn(\"w\")")
        XCTAssertEqual(host.stderr, "w\n")
        XCTAssertEqual(run("input(\"name? \")"), "\"typed\"")
    }

    func testSessionScopeAndReset() {
        run("let a = 1\nvar b = 2")
        XCTAssertEqual(interpreter.userVariables.map(\.name), ["a", "b"])
        run("let a = 10")
        XCTAssertEqual(run("a + b"), "12")
        let print = interpreter.lookup("print")
        run("let print = 5")
        interpreter.reset()
        XCTAssertTrue(interpreter.userVariables.isEmpty)
        if case .function(let f)? = interpreter.lookup("print"), case .function(let g)? = print { XCTAssertTrue(f === g) }
        else { XCTFail("print not restored") }
    }

    func testLongLoopRunsAndInterruptStopsIt() {
        XCTAssertEqual(run("var s = 0\nfor i in 0..<100000 { s += i }\ns"), "4999950000")
        interpreter.interrupt.set()
        XCTAssertEqual(error("while true {}")?.kind, .interrupted)
        interpreter.interrupt.clear()
        XCTAssertEqual(run("1 + 1"), "2")
    }
}
