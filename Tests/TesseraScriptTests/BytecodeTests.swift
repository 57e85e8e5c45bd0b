import XCTest
@testable import TesseraScript

/// The register machine, the one way code runs: results, errors with their place and
/// traceback, interrupts, the recursion limit, closures and their captured variables.
final class BytecodeTests: ScriptTestCase {
    /// The chunk of the session function `name`.
    func chunk(_ name: String) -> Chunk? {
        guard case .function(let f as ScriptFunction)? = interpreter.slot(name).value else { return nil }
        return f.code.chunk
    }

    func testFunctionsCompileToRegisterCode() {
        run("func fib(_ n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }")
        let fib = chunk("fib")
        XCTAssertNotNil(fib)
        XCTAssertEqual(fib?.parameterCount, 1)
        XCTAssertEqual(fib?.code.count, fib?.locations.count, "every instruction has its place")
        XCTAssertEqual(run("fib(20)"), "6765")
        // A captured variable lives in a Box the closure shares.
        run("func counter() { var n = 0\n return { n += 1; return n } }")
        XCTAssertEqual(chunk("counter")?.prototypes.count, 1)
        XCTAssertEqual(run("let c = counter()\nc()\nc()\nc()"), "3")
        // Defaults are filled in by the code before the chunk's full entry.
        run("func scaled(_ x, by f = 2) { return x * f }\nfunc twice() { return scaled(3) + scaled(3, by: 3) }")
        XCTAssertGreaterThan(chunk("scaled")?.fullEntry ?? 0, 0)
        XCTAssertEqual(run("twice()"), "15")
    }

    func testCellsRunAsRegisterCodeWithSessionVariables() {
        XCTAssertEqual(run("let t = 3\nvar s = 0\nfor i in 0..<10 { s += i * t }\nif s > 100 { var z = s\n s = z + 1 }\ns"), "136")
        // A later cell defines a constant again (as a notebook's cells are rerun) and reads the session's.
        XCTAssertEqual(run("let t = 5\ns * t"), "680")
        // The loop's variable was the cell's own: the next cell does not see it.
        XCTAssertTrue(error("i")?.message.contains("'i'") ?? false)
        // A cell that ends in a statement shows nothing; one that assigns to a constant is an error at the name.
        XCTAssertNil(run("var u = [1]\nu.append(2)"))
        XCTAssertEqual(run("u"), "[1, 2]")
        XCTAssertEqual(error("t = 1")?.formatted, """
            TypeError: cannot assign to 't': it is a constant (declared with let) (cell 6, line 1, column 1)
                t = 1
                ^
            declare it with var to change it
            """)
        // A mutating method on a session variable changes it in its slot; on a constant or an
        // undefined name it is an error at the name.
        XCTAssertEqual(run("var ys = []\nvar d = [\"a\": 1]\nfor k in 0..<5 { ys.append(k) }\nd.removeValue(forKey: \"a\")\n[ys, d, ys.count]"), "[[0, 1, 2, 3, 4], [:], 5]")
        XCTAssertEqual(error("let fixedList = [1]\nfixedList.append(2)")?.formatted, """
            TypeError: cannot assign to 'fixedList': it is a constant (declared with let) (cell 8, line 2, column 1)
                fixedList.append(2)
                ^~~~~~~~~
            declare it with var to change it
            """)
        XCTAssertTrue(error("nowhere.append(1)")?.message.contains("'nowhere' is not defined") ?? false)
        XCTAssertEqual(run("let sq = [1, 2, 3].map { x in x * x }\nsq"), "[1, 4, 9]")
        XCTAssertTrue(error("return 1")?.message.contains("'return' outside a function") ?? false)
    }

    func testSessionFunctionsAreCalledFromTheirSlots() {
        // The callee is read when the call runs: a redefinition between calls is seen, and
        // the callee is still evaluated before arguments that run code.
        run("func one(_ x) { return x + 1 }\nfunc twice(_ x) { return one(one(x)) }")
        XCTAssertEqual(run("twice(1)"), "3")
        run("func one(_ x) { return x + 10 }")
        XCTAssertEqual(run("twice(1)"), "21")
        run("var pick = one\nfunc swap() { pick = twice\n return 5 }\nfunc use() { return pick(swap()) }")
        XCTAssertEqual(run("use()"), "15", "the old function, read before the argument swapped it")
        XCTAssertEqual(run("use()"), "25")
        // A name that is not defined, or not a function, is an error at the name.
        run("func callsNothing(_ x) { return nothing(x) }")
        XCTAssertEqual(error("callsNothing(1)")?.formatted, """
            NameError: 'nothing' is not defined (cell 8, line 1, column 33)
                func callsNothing(_ x) { return nothing(x) }
                                                ^~~~~~~
              in 'callsNothing', called at cell 9, line 1, column 1
                callsNothing(1)
            """)
        run("let notAFunction = 3\nfunc callsThree() { return notAFunction(1) }")
        XCTAssertTrue(error("callsThree()")?.message.contains("cannot be called") ?? false)
    }

    func testLoopsBranchesAndCollections() {
        run("""
            func work(_ n) {
                var total = 0
                var xs = []
                for i in 0..<n {
                    if i % 3 == 0 { continue }
                    if i > 20 { break }
                    xs.append(i)
                    total += i
                }
                var k = 0
                while k < 3 { k += 1 }
                var words = ""
                for w in ["a", "b"] { words += w }
                for c in "xy" { words += c }
                xs[0] = 100
                var nest = [1, 2]
                nest[1] = nest
                if nest[1] != [1, 2] { return "an element set to its own array lost it" }
                return [total, k, xs.count, xs[0], words, n > 5 && total > 0, nil ?? 7]
            }
            """)
        XCTAssertNotNil(chunk("work"))
        XCTAssertEqual(run("work(30)"), "[147, 3, 14, 100, \"abxy\", true, 7]")
    }

    func testTuplesDictsInterpolationAndDestructuring() throws {
        run("""
            func parts(_ n) {
                let (q, r) = (n / 3, n % 3)
                let (_, last) = [q, r]
                let d = ["q": q, "r": r]
                return "\\(q) rem \\(r), \\(d), \\(last * 2.5)"
            }
            func pair(_ x) { let (a, b) = x\n return a + b }
            """)
        XCTAssertNotNil(chunk("parts"))
        XCTAssertEqual(run("parts(11)"), "\"3 rem 2, [\\\"q\\\": 3, \\\"r\\\": 2], 5.0\"")
        XCTAssertEqual(run("pair((2, 3))"), "5")
        let e = try XCTUnwrap(error("pair([1, 2, 3])"))
        XCTAssertEqual(e.message, "cannot destructure 3 values into 2 names")
        XCTAssertEqual(e.callStack.map(\.function), ["pair"])
    }

    func testATupleReturnedIntoADestructuringGoesStraightToItsNames() throws {
        run("""
            func divmod(_ n, _ d) { return (n / d, n % d) }
            func walk(_ n) {
                var (q, r) = (n, 0)
                var steps = 0
                while q > 0 {
                    let (next, rest) = divmod(q, 3)
                    q = next
                    r += rest
                    steps += 1
                }
                let (a, b) = divmod(n, 7)
                return [steps, r, a, b]
            }
            func depth(_ n) { if n == 0 { return (0, "") }; let (k, s) = depth(n - 1); return (k + 1, s + "x") }
            func three() { return (1, 2, 3) }
            func two() { let (x, y) = three(); return x + y }
            """)
        XCTAssertTrue(chunk("divmod")!.code.contains { if case .retTuple = $0 { return true }; return false }, chunk("divmod")!.listing)
        XCTAssertEqual(run("walk(100)"), "[5, 4, 14, 2]")
        XCTAssertEqual(run("depth(40)"), "(40, \"\(String(repeating: "x", count: 40))\")")
        // Kept as a Tuple where nothing unpacks it: from the cell, a native caller, a variable.
        XCTAssertEqual(run("divmod(7, 2)"), "(3, 1)")
        XCTAssertEqual(run("[5, 6].map { divmod($0, 4) }"), "[(1, 1), (1, 2)]")
        XCTAssertEqual(run("let t = divmod(9, 4)\nt.1"), "1")
        let e = try XCTUnwrap(error("two()"))
        XCTAssertEqual(e.message, "cannot destructure 3 values into 2 names")
        XCTAssertEqual(e.callStack.map(\.function), ["two"])
    }

    func testAFunctionThatDropsTheLastReferenceToItselfRunsOn() {
        // The machine holds no reference to the code it runs: the session keeps every chunk.
        run("""
            var g = { (n) in 0 }
            g = { (n) in
                g = { (m) in m * 100 }
                var s = 0
                for i in 0..<1000 { s += i }
                let xs = [1, 2, 3].map { $0 * n }
                return s + n + xs[2]
            }
            func outer() {
                var d = ["f": { (x) in x }]
                d["f"] = { (x) in
                    d = [:]
                    return [x, x + 1].map { $0 * 2 }
                }
                return d.f(5)
            }
            """)
        XCTAssertEqual(run("g(1)"), "499504")
        XCTAssertEqual(run("g(2)"), "200")
        XCTAssertEqual(run("outer()"), "[10, 12]")
        // Called from its session variable, which it replaces.
        run("var k = { (x) in x }\nk = { (x) in\n k = { (y) in y }\n return [x].map { $0 + 1 }[0] }")
        XCTAssertEqual(run("k(1)"), "2")
        XCTAssertEqual(run("k(1)"), "1")
    }

    func testAMutatingMethodStatementDropsItsResultWithoutAClear() throws {
        run("""
            var xs = []
            var d = ["k": []]
            var calls = 0
            var tools = ["k": ["append": { (x) in calls += 1\n return [x, x] }]]
            func grow(_ n) {
                var grid = [[], []]
                for i in 0..<n { grid[1].append(i) }
                return grid
            }
            """)
        let cell = try XCTUnwrap(interpreter.compile(Source(name: "cell", text: "for i in 0..<3 { xs.append(i)\n d[\"k\"].append(i) }"))?.chunk)
        let clears = cell.code.filter { if case .clear = $0 { return true }; return false }.count
        XCTAssertEqual(clears, 1, "only the loop's own registers are cleared, after it:\n\(cell.listing)")
        XCTAssertEqual(run("for i in 0..<3 { xs.append(i)\n d[\"k\"].append(i) }\n[xs, d.k]"), "[[0, 1, 2], [0, 1, 2]]")
        XCTAssertEqual(run("grow(3)"), "[[], [0, 1, 2]]")
        // A Dict's own function of the method's name runs as a statement, its result dropped;
        // as an expression its result is the value.
        XCTAssertEqual(run("tools[\"k\"].append(5)\ncalls"), "1")
        XCTAssertEqual(run("let got = tools[\"k\"].append(6)\n[got, calls]"), "[[6, 6], 2]")
    }

    func testAMutatingMethodWhoseClosureGrowsTheRegistersKeepsItsReceiver() {
        // sort(by:)'s closure calls compiled code deep enough to move the register stack
        // while the array being sorted is out of its register.
        run("""
            func deep(_ n) { return n == 0 ? 0 : 1 + deep(n - 1) }
            func before(_ a, _ b) { return deep(3000) + a < deep(3000) + b }
            let order = { a, b in before(a, b) }
            func sortIt() {
                var xs = [3, 1, 2]
                xs.sort(by: order)
                xs.append(4)
                return xs
            }
            """)
        XCTAssertNotNil(chunk("sortIt"))
        XCTAssertEqual(run("sortIt()"), "[1, 2, 3, 4]")
    }

    func testNestedAssignmentsChangeTheVariableInPlace() throws {
        run("""
            func step() {
                var bodies = [["x": 1.0, "v": [1, 2]], ["x": 2.0, "v": [3]]]
                for _ in 0..<3 {
                    bodies[1]["x"] += 0.5
                    bodies[0].v[1] *= 10
                }
                var local = ["p": ["lr": 0.1]]
                let copy = local
                local.p.lr = 0.2
                local["p"]["steps"] = 5
                return (bodies, local, copy.p.lr)
            }
            var shared = [["x": 1]]
            func touchShared() { shared[0]["x"] += 1 }
            """)
        XCTAssertNotNil(chunk("step"))
        XCTAssertEqual(run("step()"), "([[\"x\": 1.0, \"v\": [1, 2000]], [\"x\": 3.5, \"v\": [3]]], [\"p\": [\"lr\": 0.2, \"steps\": 5]], 0.1)")
        run("touchShared()")
        XCTAssertEqual(run("shared"), "[[\"x\": 2]]")
    }

    func testPlusEqualsOnASessionVariableGrowsItInPlace() throws {
        run("var log = \"\"\nvar total = 1\nfunc note(_ n) { for i in 0..<n { log += \"\\(i),\"\n total *= -1 } }")
        XCTAssertNotNil(chunk("note"))
        run("note(4)")
        XCTAssertEqual(run("(log, total)"), "(\"0,1,2,3,\", 1)")
        // In place: the variable's storage is the one that grew (through a register it was
        // copied on every append, quadratic in the length).
        run("log = \"\"")
        func address() -> UnsafeRawPointer? {
            guard case .string(let text)? = interpreter.slot("log").value else { return nil }
            return text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        run("note(2000)")
        let before = address()
        run("note(1)")
        XCTAssertEqual(address(), before, "one more append reuses the grown storage")
        XCTAssertEqual(try XCTUnwrap(error("func bad() { pi += 1 }\nbad()")).kind, .type)
    }

    func testErrorsKeepTheirPlaceAndTraceback() throws {
        run("func inner(_ x) { return x + \"a\" }\nfunc outer(_ x) { return inner(x) * 2 }")
        XCTAssertNotNil(chunk("inner"))
        XCTAssertNotNil(chunk("outer"))
        let e = try XCTUnwrap(error("outer(1)"))
        XCTAssertEqual(e.kind, .type)
        XCTAssertEqual(e.location?.line, 1)
        XCTAssertEqual(e.location?.column, 28, "the caret is at the + of inner")
        XCTAssertEqual(e.callStack.map(\.function), ["inner", "outer"])
        // The session goes on, and so do its registers.
        XCTAssertEqual(run("inner(\"b\")"), "\"ba\"")
    }

    func testConditionsMustBeBools() throws {
        run("func check(_ x) { if x { return 1 }\n return 0 }")
        let e = try XCTUnwrap(error("check(3)"))
        XCTAssertTrue(e.message.contains("the condition of 'if' must be a Bool, got Int"), e.message)
    }

    func testTheRecursionLimitIsARecursionError() throws {
        run("func down(_ n) { return n == 0 ? 0 : 1 + down(n - 1) }")
        XCTAssertEqual(run("down(5000)"), "5000")
        let e = try XCTUnwrap(error("down(20000)"))
        XCTAssertEqual(e.kind, .recursion)
        XCTAssertEqual(run("down(10)"), "10", "the depth is back to zero after the error")
    }

    func testAnInterruptStopsNativeCodeBetweenTheClosuresItCalls() throws {
        // A native function that calls a closure many times and never looks at the flag
        // itself (the Array methods do; a metric's per-row closures, say, may not).
        interpreter.definePrelude(NativeFunction("callMany") { args, interp in
            for _ in 0..<2_000_000 { _ = try interp.call(args[0].value, [Value.int(1)]) }
            return .nil
        })
        let flag = interpreter.interrupt
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
        // (Without a check as each closure starts, the two million calls ran to their end and
        // the cell finished: nothing after them looks at the flag.)
        let e = try XCTUnwrap(error("callMany { x in x + 1 }"))
        XCTAssertEqual(e.kind, .interrupted)
        flag.clear()
        XCTAssertEqual(run("1 + 1"), "2")
    }

    func testAnInterruptStopsNativeWorkOverMillionsOfElements() throws {
        // Building a Range's Ints, copies, pairs or one long String runs no script code, so no
        // statement or call would see the flag: these check it between stretches. (Unchecked,
        // Array(0..<300_000_000) held an interrupt for 17 s.)
        run("let ab = Array(repeating: \"ab\", count: 20_000_000)")
        run("let scattered = Array(0..<500_000).shuffled()")
        for cell in ["scattered.sorted().count", "Array(0..<50_000_000).count", "Array(repeating: 1, count: 50_000_000).count",
                     "(0..<20_000_000).enumerated().count", "zip(0..<20_000_000, 0..<20_000_000).count",
                     "ab.joined(separator: \",\").count", "(0..<50_000_000).map { $0 }.count"] {
            let flag = interpreter.interrupt
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.02) { flag.set() }
            XCTAssertEqual(try XCTUnwrap(error(cell), cell).kind, .interrupted, cell)
            flag.clear()
        }
        XCTAssertEqual(run("Array(0..<3) + Array(repeating: 7, count: 2)"), "[0, 1, 2, 7, 7]")
        XCTAssertEqual(run("zip(0..<3, [\"a\", \"b\"]).map { \"\\($0)\\($1)\" }.joined(separator: \" \")"), "\"0a 1b\"")
        XCTAssertEqual(run("(5..<8).enumerated().map { $0 * $1 }"), "[0, 6, 14]")
    }

    /// `for (i, x) in xs.enumerated()` and `for (x, y) in zip(xs, ys)` walk their pairs
    /// without making the Array of Tuples, and give what the general way gives: for Arrays
    /// and Ranges (walked), Strings, Dicts and Sets (the method's Tuples), another function
    /// named zip, and the errors of both.
    func testPairLoopsGiveWhatTheGeneralWayGives() throws {
        run("""
            func pairs(_ xs, _ ys) {
                var out = []
                for (i, x) in xs.enumerated() { out.append(i * 100 + x) }
                for (x, y) in zip(xs, ys) where y != 2 { if y == 5 { break }; out.append(x * y) }
                for (_, y) in zip(0..<9, ys) { out.append(-y) }
                var later = []
                for (i, _) in xs.enumerated() { later.append({ i }) }
                return out + later.map { $0() }
            }
            """)
        let walks = try XCTUnwrap(chunk("pairs")).code.filter { if case .forPairs = $0 { true } else { false } }
        XCTAssertEqual(walks.count, 4, "each loop walks its pairs")
        XCTAssertEqual(run("pairs([7, 8, 9], [1, 2, 3, 5])"), "[7, 108, 209, 7, 27, -1, -2, -3, -5, 0, 1, 2]")
        XCTAssertEqual(run("pairs(5..<7, 0...1)"), "[5, 106, 0, 6, 0, -1, 0, 1]")
        // The general way: the method's or the function's Tuples, taken apart.
        XCTAssertEqual(run("var seen = []\nfor (i, c) in \"hé\".enumerated() { seen.append(\"\\(i)\\(c)\") }\nfor (i, kv) in [\"a\": 1].enumerated() { seen.append((i, kv)) }\nseen"),
                       "[\"0h\", \"1é\", (0, (\"a\", 1))]")
        XCTAssertEqual(run("var got = []\nfor (c, n) in zip(\"ab\", Set([3])) { got.append((c, n)) }\nfor (d, x) in [\"enumerated\": { [(9, 9)] }].enumerated() { got.append(d + x) }\ngot"),
                       "[(\"a\", 3), 18]")
        // Another function bound to the name: called, as the general way calls it.
        XCTAssertEqual(run("func zip(_ a, _ b) { return [(a, b)] }\nvar mine = []\nfor (a, b) in zip(1, 2) { mine.append(a + b) }\nmine"), "[3]")
        XCTAssertEqual(error("for (a, b) in zip([1], [2]) { }\nfunc zip(_ a, _ b) { return [1] }\nfor (a, b) in zip([1], [2]) { }")?.formatted, """
            TypeError: cannot destructure a value of type Int into 2 names (cell 7, line 3, column 5)
                for (a, b) in zip([1], [2]) { }
                    ^
            """)
        XCTAssertEqual(error("for (a, b) in 5.enumerated() { }")?.message, "a value of type Int has no member 'enumerated'")
        // Any pair pattern: a Dict's keys and values where they are (the Dict as it was when
        // the loop began), other sequences' elements taken apart.
        XCTAssertEqual(run("var d = [\"a\": 1, \"b\": 2]\nvar kv = []\nfor (k, v) in d { d[k + k] = v; kv.append(k + String(v)) }\nfor (x, y) in [(1, 2), (3, 4)] { kv.append(x * y) }\n(kv, d.count)"),
                       "([\"a1\", \"b2\", 2, 12], 4)")
        XCTAssertEqual(error("for (a, b) in 0..<2 { }")?.message, "cannot destructure a value of type Int into 2 names")
        XCTAssertEqual(error("for (a, b) in [(1, 2, 3)] { }")?.message, "cannot destructure 3 values into 2 names")
        XCTAssertEqual(error("for (a, b) in 7 { }")?.kind, .type)
        // A loop of pairs is interrupted at its step.
        let flag = interpreter.interrupt
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
        XCTAssertEqual(try XCTUnwrap(error("var n = 0\nwhile true { for (i, x) in [1, 2].enumerated() { n += i + x } }")).kind, .interrupted)
        flag.clear()
    }

    /// The general way of a pair loop may run script code that grows the register stack,
    /// which moves it: the loop finds its registers again (AddressSanitizer saw the old ones
    /// written to otherwise).
    func testAPairLoopWhoseGeneralWayGrowsTheRegistersFindsThemAgain() {
        run("func deepen(_ n) { return n == 0 ? 0 : 1 + deepen(n - 1) }")
        run("func zip(_ a, _ b) { let d = deepen(3000)\n return [(a, d)] }")
        XCTAssertEqual(run("func f() { var out = []\n for (x, y) in zip(5, 6) { out.append(x + y) }\n return out }\nf()"), "[3005]")
        let grown = interpreter.registers.capacity
        XCTAssertGreaterThan(grown, RegisterStack().capacity, "the call grew the registers")
        run("let holder = [\"enumerated\": { [(deepen(9000), 1)] }]")
        XCTAssertEqual(run("var got = []\nfor (a, b) in holder.enumerated() { got.append(a + b) }\ngot"), "[9001]")
        XCTAssertGreaterThan(interpreter.registers.capacity, grown, "and so did the method")
    }

    func testAnInterruptStopsALoopInACompiledFunction() throws {
        run("func spin() { var i = 0\n while true { i += 1 } }")
        XCTAssertNotNil(chunk("spin"))
        let flag = interpreter.interrupt
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
        let e = try XCTUnwrap(error("spin()"))
        XCTAssertEqual(e.kind, .interrupted)
        XCTAssertEqual(e.location?.line, 2)
        flag.clear()
        XCTAssertEqual(run("1 + 1"), "2")
    }

    func testAnInterruptStopsLoopsWhoseTestJumpsBack() throws {
        // A `while` with a condition and a `for` jump back on their test or step, not on a
        // `loop` instruction: those jumps check for an interrupt too.
        run("func count(_ n) { var i = 0\n var s = 0\n while i < n { s += i\n i += 1 }\n return s }")
        run("func sum(_ n) { var s = 0\n for k in 0..<n { s += k }\n return s }")
        for call in ["count(1000000000000)", "sum(1000000000000)"] {
            let flag = interpreter.interrupt
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
            let e = try XCTUnwrap(error(call), call)
            XCTAssertEqual(e.kind, .interrupted, call)
            flag.clear()
        }
        XCTAssertEqual(run("count(5) + sum(5)"), "20")
        // A condition of bindings or clauses jumps back by an unconditional jump after its
        // tests: that jump checks too.
        for cell in ["var y = 1\nwhile let x = y { y = x }", "var z = 1\nwhile z > 0, z < 5 { z = 1 }",
                     "var w = 1\nrepeat { w = 1 } while w > 0"] {
            let flag = interpreter.interrupt
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { flag.set() }
            XCTAssertEqual(try XCTUnwrap(error(cell), cell).kind, .interrupted, cell)
            flag.clear()
        }
    }

    func testLoopsJumpBackOnceATurnAndAssignmentsKeepNoValue() throws {
        // The test of a `while` and the step of a `for` follow the body: a turn is the body
        // and one jump back. An assignment statement leaves no nil in a register.
        run("func count(_ n) { var i = 0\n var s = 0\n while i < n { s += i\n i += 1 }\n return s }")
        let count = try XCTUnwrap(chunk("count"))
        let turns = count.code.indices.compactMap { i -> Range<Int>? in
            if case .branch(.less, _, _, let to, true) = count.code[i], Int(to) < i { return Int(to)..<(i + 1) }
            return nil
        }
        XCTAssertEqual(turns.count, 1, count.listing)
        XCTAssertEqual(turns.first?.count, 3, "`s += i`, `i += 1` and the test:\n\(count.listing)")
        XCTAssertFalse(count.code.contains { if case .loop = $0 { return true }; return false }, count.listing)
        XCTAssertEqual(run("count(10)"), "45")
        run("func evens(_ xs) { var out = []\n for x in xs { if x % 2 == 1 { continue }\n out.append(x) }\n return out }")
        let evens = try XCTUnwrap(chunk("evens"))
        XCTAssertTrue(evens.code.enumerated().contains { i, ins in
            if case .forNext(_, _, let to) = ins { return Int(to) < i }
            return false
        }, evens.listing)
        XCTAssertEqual(run("evens([1, 2, 3, 4, 6, 7])"), "[2, 4, 6]")
        // `while true` has no test at all; `break` leaves it.
        run("func firstSquareOver(_ n) { var k = 0\n while true { if k * k > n { break }\n k += 1 }\n return k }")
        let square = try XCTUnwrap(chunk("firstSquareOver"))
        XCTAssertFalse(square.code.contains { if case .jumpIfFalse = $0 { return true }; return false }, square.listing)
        XCTAssertEqual(run("firstSquareOver(50)"), "8")
        XCTAssertTrue(square.listing.contains("line 2"), square.listing)
    }

    func testShortWaysGiveWhatTheLongWaysGive() {
        // max and min of two numbers without an argument list; mixed kinds, NaN, more values
        // and Arrays go the whole way.
        XCTAssertEqual(run("[max(3, 7), min(3, 7), max(2.5, -1.0), min(-0.0, 0.0), max(2, 2.5), min([4, 2, 9]), max(1, 5, 3)]"),
                       "[7, 3, 2.5, -0.0, 2.5, 2, 5]")
        XCTAssertEqual(run("let m = max(0.0 / 0.0, 1.0)\nm != m"), "true", "NaN first stays, as in Python")
        XCTAssertTrue(error("max(1, \"a\")")?.kind == .type)
        // A literal index is read from the constant pool; a missing Dict key is nil.
        XCTAssertEqual(run("let xs = [10, 20, 30]\nlet d = [\"k\": 1]\n[xs[0], xs[2], d[\"k\"], d[\"nope\"]]"), "[10, 30, 1, nil]")
        XCTAssertTrue(error("let ys = [1]\nys[3]")?.kind == .index)
        // `xs.append(i)` on a session variable reads the loop's variable where it is.
        XCTAssertEqual(run("var acc = []\nfor i in 0..<4 { acc.append(i) }\nacc"), "[0, 1, 2, 3]")
        // A closure called from native code with one or two values.
        XCTAssertEqual(run("[3, 1, 2].sorted { a, b in a > b }"), "[3, 2, 1]")
        XCTAssertEqual(run("[1, 2, 3].reduce(0) { s, x in s + x }"), "6")
        XCTAssertEqual(run("[(1, 2), (3, 4)].map { a, b in a * b }"), "[2, 12]", "a Tuple spreads over two parameters")
        XCTAssertEqual(run("[\"a\": 1, \"b\": 2].map { k, v in v * 10 }"), "[10, 20]")
        XCTAssertEqual(run("zip([1, 2], [3, 4, 5]).map { $0 * $1 } + [(1, 2, 3)].map { $0 + $1 + $2 }"), "[3, 8, 6]")
        // Only a closure's parameters take a Tuple apart; a function's count as they are.
        XCTAssertEqual(run("[(1, 2)].map { t in t.1 }"), "[2]")
        XCTAssertEqual(error("func add(_ a, _ b) { a + b }\n[(1, 2)].map(add)")?.kind, .type)
        XCTAssertEqual(error("[(1, 2, 3)].map { a, b in a + b }")?.message, "the closure takes 2 arguments, got 1")
    }

    func testAMemberOfAnElementOfASessionVariableIsReadWhereItIs() throws {
        run("""
            var bodies = [["x": 1.5, "mass": 2], ["x": -3.0]]
            let words = ["ab", "cde"]
            var table = ["k": ["v": 7]]
            func gap(_ i, _ j) { return bodies[i].x - bodies[j].x }
            """)
        XCTAssertTrue(chunk("gap")!.code.contains { if case .globalElementMember = $0 { return true }; return false }, chunk("gap")!.listing)
        XCTAssertEqual(run("[gap(0, 1), bodies[0].mass, bodies[1].count, words[1].count, table[\"k\"].v]"), "[4.5, 2, 1, 3, 7]",
                       "a Dict's key, else the element's member (a Dict's count, a String's), and a Dict variable's element")
        run("bodies[1][\"x\"] = 10\nbodies.append([\"x\": 0])")
        XCTAssertEqual(run("[gap(0, 1), gap(2, 0)]"), "[-8.5, -1.5]", "what the variable holds now")
        let index = try XCTUnwrap(error("bodies[7].x"))
        XCTAssertEqual(index.kind, .index)
        XCTAssertEqual(index.location?.column, 7, "at the subscript")
        let key = try XCTUnwrap(error("bodies[1].mass"))
        XCTAssertEqual(key.kind, .key)
        XCTAssertEqual(key.location?.column, 11, "at the member's name")
        let name = try XCTUnwrap(error("nothing[0].x"))
        XCTAssertEqual(name.kind, .name)
        XCTAssertEqual(name.location?.column, 1, "at the name")
    }

    func testClosuresShareTheirCapturedVariables() {
        run("""
            func outer() {
                var total = 0
                let add = { x in total += x }
                func twice() { return { total * 2 } }
                add(3)
                add(4)
                return (total, twice()())
            }
            func adder(_ base) { return { x in base + x } }
            func perIteration() {
                var fs = []
                for i in 0..<3 { fs.append({ i * 10 }) }
                return fs.map { f in f() }
            }
            func parity(_ n) {
                func isEven(_ k) { return k == 0 ? true : isOdd(k - 1) }
                func isOdd(_ k) { return k == 0 ? false : isEven(k - 1) }
                return isEven(n)
            }
            """)
        XCTAssertEqual(run("outer()"), "(7, 14)")
        XCTAssertEqual(run("adder(10)(5)"), "15", "a captured parameter outlives its call")
        XCTAssertEqual(run("perIteration()"), "[0, 10, 20]", "each iteration's variable is its own")
        XCTAssertEqual(run("(parity(10), parity(7))"), "(true, false)", "local functions are hoisted")
        // A closure in a cell captures the cell's own loop variable; shorthand and tuple arguments.
        XCTAssertEqual(run("var later = []\nfor i in 0..<2 { later.append({ i + 100 }) }\nlater.map { f in f() }"), "[100, 101]")
        XCTAssertEqual(run("[(1, 2), (3, 4)].map { a, b in a + b }"), "[3, 7]")
        XCTAssertEqual(run("[3, 1, 2].sorted { $0 > $1 }"), "[3, 2, 1]")
        XCTAssertEqual(error("{ x in x }(x: 1)")?.message, "closures take unlabelled arguments; remove 'x:'")
        XCTAssertEqual(error("func keep() { let c = 5\n return { c = 6 } }\nkeep()()")?.formatted, """
            TypeError: cannot assign to 'c': it is a constant (declared with let) (cell 10, line 2, column 11)
                 return { c = 6 } }
                          ^
            declare it with var to change it
              in 'closure', called at cell 10, line 3, column 1
                keep()()
            """)
    }

    func testDefaultsSeeWhatSurroundsTheDeclaration() {
        run("let k = 7\nfunc shifted(_ x, scale s = 3, shift t = k) { return x * s + t }")
        XCTAssertEqual(run("[shifted(2), shifted(2, shift: 0), shifted(2, scale: 10)]"), "[13, 6, 27]")
        run("func make(_ base) { return { func inner(_ x = base * 2) { return x }\n return inner() } }")
        XCTAssertEqual(run("make(4)()"), "8", "a default reads a captured variable")
        XCTAssertTrue(error("shifted(2, shift: 1, scale: 2)")?.message.contains("out of order") ?? false)
    }

    func testOptionalChainsThrowAndMethodsOnParts() throws {
        XCTAssertEqual(run("let none = nil\nlet rows = [[1, 2], [3]]\n[none?.count, none?[0], none?.f(1), rows.first?.count]"), "[nil, nil, nil, 2]")
        // Mutating methods on part of a session variable, a captured variable and a temporary.
        XCTAssertEqual(run("var people = [[\"pets\": [\"x\"]]]\npeople[0][\"pets\"].append(\"y\")\npeople"), "[[\"pets\": [\"x\", \"y\"]]]")
        XCTAssertEqual(run("func gather() { var xs = []\n let add = { v in xs.append(v) }\n add(1)\n add(2)\n return xs }\ngather()"), "[1, 2]")
        XCTAssertEqual(error("func list() { return [1] }\nlist()[0] = 2")?.message, "cannot change part of a temporary Array; store it in a var first")
        run("func checked(_ x) { if x > 2 { throw error(\"too big: \\(x)\") }\n return x }")
        let e = try XCTUnwrap(error("checked(5)"))
        XCTAssertEqual(e.kind, .value)
        XCTAssertEqual(e.message, "too big: 5")
        XCTAssertEqual(e.callStack.map(\.function), ["checked"])
        // A key that cannot be one is reported at the key.
        let key = try XCTUnwrap(error("let bad = [\"a\": 1,\n  [1]: 2]"))
        XCTAssertEqual(key.message, "an Array cannot be a Dict key; use a String, number, Bool or Symbol")
        XCTAssertEqual([key.location?.line, key.location?.column], [2, 3])
        // What the language rejects before running stops the whole cell: nothing before it ran.
        XCTAssertEqual(error("var ran = 1\nbreak")?.kind, .syntax)
        XCTAssertTrue(error("ran")?.message.contains("'ran' is not defined") ?? false)
        // An error in a function's body is the cell's, even when nothing follows it.
        XCTAssertEqual(error("var before = 1\nfunc broken() { break }")?.message, "'break' outside a loop")
        XCTAssertTrue(error("broken")?.message.contains("'broken' is not defined") ?? false)
        XCTAssertTrue(error("before")?.message.contains("'before' is not defined") ?? false)
    }

    func testChangesThroughPathsKeepValueSemantics() {
        // The short walk through Arrays and Dicts changes the variable, never a copy another
        // variable shares; what it does not handle takes the general walk, with its errors.
        XCTAssertEqual(run("var d = [\"a\": [1], \"n\": 5]\nlet e = d\nd[\"a\"].append(2)\nd[\"a\"][0] += 10\nd[\"n\"] = nil\nd[\"new\"] = 1\n(d, e)"),
                       "([\"a\": [11, 2], \"new\": 1], [\"a\": [1], \"n\": 5])")
        XCTAssertEqual(run("var grid = [[], [1]]\nfunc grow() { for i in 0..<3 { grid[1].append(i) }\n grid[0] = [9] }\ngrow()\ngrid"), "[[9], [1, 0, 1, 2]]")
        XCTAssertEqual(error("d[\"missing\"].append(1)")?.message, "nil has no member 'append'")
        XCTAssertEqual(error("let fixed = [[1]]\nfixed[0].append(2)")?.message, "cannot assign to 'fixed': it is a constant (declared with let)")
        XCTAssertTrue(error("grid[5][0] = 1")?.message.contains("index 5") ?? false)
        // An Array's element, then its key (nbody's `bodies[i]["vx"] -= d`), on the short walk.
        run("var bodies = [[\"x\": 1.0, \"vx\": 0.5], [\"x\": 2.0]]\nlet kept = bodies\nlet first = bodies[0]")
        XCTAssertEqual(run("func push(_ i, _ d) { bodies[i][\"x\"] -= d\n bodies[i].x += 10 }\npush(0, 0.25)\nbodies[1][\"x\"] *= 3\n(bodies, kept, first)"),
                       "([[\"x\": 10.75, \"vx\": 0.5], [\"x\": 6.0]], [[\"x\": 1.0, \"vx\": 0.5], [\"x\": 2.0]], [\"x\": 1.0, \"vx\": 0.5])",
                       "the variable changes; the copies sharing its Array and its Dicts do not")
        XCTAssertEqual(run("bodies[1][\"vx\"] = 7\nbodies[1]"), "[\"x\": 6.0, \"vx\": 7]", "a new key")
        XCTAssertEqual(error("bodies[1][\"y\"] += 1")?.kind, .type, "nil += 1")
        XCTAssertEqual(error("bodies[0][\"x\"] += \"s\"")?.kind, .type)
        XCTAssertEqual(run("bodies[0]"), "[\"x\": 10.75, \"vx\": 0.5]", "a failed change leaves the element as it was")
        XCTAssertEqual(error("bodies[9][\"x\"] = 1")?.kind, .index)
        XCTAssertEqual(run("var names = [\"a\", \"b\"]\nnames[0] += \"!\"\nvar rows = [[1, 2]]\nrows[0][1] += 5\n(names, rows)"), "([\"a!\", \"b\"], [[1, 7]])",
                       "an Array's String, an Array's Array")
        // An element set from the Array itself, or from another element, in a function.
        XCTAssertEqual(run("func selfSet() { var xs = [1, 2, 3]\n let keep = xs\n xs[1] = xs\n var ys = [\"a\", \"b\"]\n ys[1] = ys[0]\n ys[0] = \"z\"\n return (xs, keep, ys) }\nselfSet()"),
                       "([1, [1, 2, 3], 3], [1, 2, 3], [\"z\", \"a\"])")
        // Appending a variable to its own part appends the variable as it was (the short
        // walk takes the root out while it changes it): a session variable, from a cell and
        // from a function, and a function's own variable, whose register is the argument's.
        XCTAssertEqual(run("func local() { var own = [[1], [2]]\n own[0].append(own)\n var m = [\"k\": [1]]\n m[\"k\"].append(m)\n var g = [[1]]\n g[0][0] += g[0][0]\n return (own, m, g) }\nlocal()"),
                       "([[1, [[1], [2]]], [2]], [\"k\": [1, [\"k\": [1]]]], [[2]])")
        XCTAssertEqual(run("var own = [[1], [2]]\nown[0].append(own)\nvar box = [\"k\": [1]]\nfunc selfish() { box[\"k\"].append(box) }\nselfish()\n(own, box)"),
                       "([[1, [[1], [2]]], [2]], [\"k\": [1, [\"k\": [1]]]])")
    }

    /// `d[k] = v` on a function's own Dict: in place, with the general path's rules (the
    /// key's first spelling kept, nil removing, a copy left alone, keys that cannot be ones).
    func testSettingAKeyOfALocalDictKeepsTheDictsRules() {
        XCTAssertEqual(run("""
            func build() {
                var d = [1.0: "one"]
                let before = d
                d[1] = "uno"
                d["k"] = [1]
                d[2] = 2
                d[2] = nil
                for i in 0..<40_000 { d[i + 10] = i }
                d[d.count] = d.count
                return (d.count, d[1]!, d.keys.first!, before, d[40_009]!, d[40_002]!, d.keys.last!)
            }
            build()
            """), "(40002, \"uno\", 1.0, [1.0: \"one\"], 39999, 40002, 40009)", "40,002 keys: the last set changed the value of one")
        XCTAssertEqual(error("func bad() { var d = [1: 1]\n d[[1, 2]] = 3 }\nbad()")?.kind, .type)
        XCTAssertEqual(error("func dict() { var d = [1: 1]\n d[d] = 3 }\ndict()")?.message, "a Dict cannot be a Dict key")
        XCTAssertEqual(run("func nan() { var d = [1: 1]\n d[0.0 / 0.0] = 3\n d[0.0 / 0.0] = 4\n return d.count }\nnan()"), "3",
                       "NaN equals no key, itself included")
    }

    func testAFunctionADictHoldsRunsAsAMethodCall() {
        // `task.run(p)` enters the closure in the same loop; its errors name the method.
        run("var seen = 0\nlet task = [\"run\": { p in seen += 1\n return p + \"x\" }, \"kind\": \"idle\"]\nfunc go(_ v) { return task.run(v) }")
        XCTAssertEqual(run("go(\"a\")"), "\"ax\"")
        XCTAssertEqual(error("go(1)")?.callStack.map(\.function), ["run", "go"])
        XCTAssertEqual(run("seen"), "2")
        XCTAssertEqual(error("task.kind(1)")?.kind, .type, "a key that holds no function cannot be called")
        // A default argument's code that empties the Dict the method is read from, while
        // the call binds its arguments: the function is held until it is entered.
        run("var box = [:]\nfunc emptied() { box = [:]\n return [10].map { $0 * 2 }[0] }\nfunc pick(_ x, _ y = emptied()) { return x + y }\nbox[\"f\"] = pick")
        XCTAssertEqual(run("box.f(1)"), "21")
        XCTAssertEqual(run("box.count"), "0")
        XCTAssertEqual(run("let b2 = [\"f\": pick]\nb2.f(1, 2)"), "3")
    }
}
