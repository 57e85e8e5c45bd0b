/// Members of Arrays (and of Ranges, which answer the same non-mutating ones), named as
/// in Swift: `count map filter reduce sorted min max sum contains append first last
/// enumerated zip` and a few more.
///
/// A Range is never built into an Array unless the result is one (`map`, `sorted`): its
/// Ints are made one at a time, and a result larger than memory can hold is a MemoryError
/// before it is built. Loops that call a closure check for an interrupt at every element,
/// since a one-expression closure has no statement at which the interpreter would.
enum ArrayMethods {
    /// The elements of an Array, or of a Range built into one (checked against memory, and
    /// for an interrupt as it is built: `Array(0..<300_000_000)` takes seconds).
    static func elements(_ v: Value, _ flag: InterruptFlag) throws -> [Value] {
        switch v {
        case .array(let xs): return xs
        case .range(let r):
            try MemoryBudget.reserveValues(r.count, "an Array of the \(r.count) elements of \(v)")
            return try mapChecked(r.count, flag) { .int(r.lower &+ $0) }
        default: return []
        }
    }

    /// The elements of a value that is not a Range (the properties that read one answer a
    /// Range from its bounds first).
    static func arrayElements(_ v: Value) -> [Value] {
        if case .array(let xs) = v { return xs }
        return []
    }

    /// From this many elements on, a collection that must grow to take one more checks the
    /// memory its doubled storage needs first.
    static let growthCheckedFrom = 1 << 15

    /// Throws a MemoryError when a collection of `count` elements (storage for `capacity`)
    /// must grow and its doubled storage cannot be had.
    static func checkGrowth(_ count: Int, _ capacity: Int, bytesEach: Int, _ what: String) throws {
        guard count >= capacity, count >= growthCheckedFrom else { return }
        try MemoryBudget.reserve(count &* 2, bytesEach: bytesEach, "\(what) grown past \(count) elements")
    }

    /// Elements native code handles between two checks for an interrupt: a stretch takes
    /// well under a millisecond, and a check per element would slow the cheap loops.
    static let checkEvery = 1 << 16

    /// `transform(0), transform(1), ... transform(count - 1)`, checking for an interrupt
    /// between stretches of `checkEvery`: a native loop over millions of elements (building a
    /// Range's Ints, enumerated's tuples) would otherwise hold an interrupt for seconds.
    static func mapChecked(_ count: Int, _ flag: InterruptFlag, _ transform: (Int) throws -> Value) throws -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(count)
        var start = 0
        while start < count {
            try flag.check()
            let end = count - start > checkEvery ? start + checkEvery : count
            for i in start..<end { out.append(try transform(i)) }
            start = end
        }
        return out
    }

    /// The Arrays `xs` one after another, `separator`'s elements between each two.
    static func flattened(_ xs: [Value], separator: [Value], _ flag: InterruptFlag) throws -> [Value] {
        var out = Growing()
        for (i, x) in xs.enumerated() {
            try flag.check()
            if i > 0 { try out.append(contentsOf: separator) }
            if case .array(let ys) = x { try out.append(contentsOf: ys) }
        }
        return out.values
    }

    /// How many leading elements of `v` (an Array or a Range) the test `f` holds for.
    static func leadingRun(_ v: Value, _ f: Value, _ method: String, _ interp: Interpreter) throws -> Int {
        var n = 0
        try each(v, interp) { x in
            guard try boolResult(try interp.call(f, x), method) else { return false }
            n += 1
            return true
        }
        return n
    }

    /// `count` copies of `x`, checking for an interrupt between stretches (a hundred million
    /// take a second, most of it the first touch of fresh memory).
    static func repeatingChecked(_ x: Value, count: Int, _ flag: InterruptFlag) throws -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(count)
        while out.count < count {
            try flag.check()
            out.append(contentsOf: repeatElement(x, count: Swift.min(checkEvery, count - out.count)))
        }
        return out
    }

    /// The elements' text with `separator` between, written once into storage of its final
    /// size (a String per element, then Swift's `joined`, took 0.4 s for 3 million).
    static func joined(_ xs: [Value], separator: String, _ flag: InterruptFlag) throws -> String {
        var size = separator.utf8.count * max(0, xs.count - 1)
        var strings = true
        for (i, x) in xs.enumerated() {
            if i & (checkEvery - 1) == 0 { try flag.check() }
            if case .string(let t) = x { size += t.utf8.count } else { size += 8; strings = false }
        }
        // Strings alone are copied as bytes into a String of the size they make (appending
        // each with `+=` cost five times CPython's join).
        if strings { return try joinedBytes(xs, separator: separator, size: size, flag) }
        var out = ""
        out.reserveCapacity(size)
        for (i, x) in xs.enumerated() {
            if i & (checkEvery - 1) == 0 { try flag.check() }
            if i > 0 { out += separator }
            if case .string(let t) = x { out += t } else { out += x.description }
        }
        return out
    }

    /// Where the first element equal to `x` is (`contains`, `firstIndex(of:)`), checking for
    /// an interrupt between stretches. An Int is looked for by the numbers it equals (an Int
    /// or a Double), without `Operators.equal`'s switch for every element.
    static func position(of x: Value, in xs: [Value], _ flag: InterruptFlag) throws -> Int? {
        try xs.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if i & (checkEvery - 1) == 0 { try flag.check() }
                let end = min(b.count, i + checkEvery)
                if case .int(let n) = x {
                    while i < end {
                        switch b[i] {
                        case .int(let m): if m == n { return i }
                        case .double(let d): if d == Double(n) { return i }
                        default: break
                        }
                        i += 1
                    }
                } else {
                    while i < end {
                        if Operators.equal(b[i], x) { return i }
                        i += 1
                    }
                }
            }
            return nil
        }
    }

    /// `joined` of Strings alone, `size` bytes in all.
    private static func joinedBytes(_ xs: [Value], separator: String, size: Int, _ flag: InterruptFlag) throws -> String {
        var separator = separator
        return try separator.withUTF8 { sep in
            try String(unsafeUninitializedCapacity: size) { out in
                var at = 0
                func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                    guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
                    (out.baseAddress.unsafelyUnwrapped + at).update(from: base, count: bytes.count)
                    at += bytes.count
                }
                for (i, x) in xs.enumerated() {
                    if i & (checkEvery - 1) == 0 { try flag.check() }
                    if i > 0 { put(sep) }
                    guard case .string(var t) = x else { continue }
                    t.withUTF8(put)
                }
                return at
            }
        }
    }

    /// Whether a call of a method that has a `(where:)` form next to a value form
    /// (`contains`, `firstIndex`) gives the test: labelled, or a closure without a label (a
    /// trailing one), which the value form would have looked for as an element.
    static func givesTest(_ args: [ArgumentValue]) -> Bool {
        guard args.count == 1 else { return false }
        return args[0].label == "where" || (args[0].label == nil && args[0].value.isFunction)
    }

    /// Calls `body` with each element in order, checking for an interrupt before each;
    /// `body` returns false to stop early.
    static func each(_ v: Value, _ interp: Interpreter, _ body: (Value) throws -> Bool) throws {
        let flag = interp.interrupt
        switch v {
        case .array(let xs):
            for x in xs {
                try flag.check()
                if try !body(x) { return }
            }
        case .range(let r):
            var i = r.lower
            while i < r.upperExclusive {
                try flag.check()
                if try !body(.int(i)) { return }
                i += 1
            }
        default: return
        }
    }

    /// An Array built element by element, its growth checked against memory (a filter
    /// over a huge Range that keeps most of it).
    struct Growing {
        var values: [Value] = []
        private var checkedUpTo = 1 << 16

        mutating func append(_ x: Value) throws {
            if values.count == checkedUpTo {
                try MemoryBudget.reserveValues(checkedUpTo &* 2, "an Array of \(checkedUpTo * 2) elements")
                checkedUpTo &*= 2
            }
            values.append(x)
        }

        mutating func append(contentsOf xs: [Value]) throws {
            for x in xs { try append(x) }
        }
    }

    /// The Array `map` (or another one-for-one method) will build from `v`, checked.
    static func reserveResult(_ v: Value, _ method: String) throws {
        if case .range(let r) = v { try MemoryBudget.reserveValues(r.count, "\(method) over \(r.count) elements") }
    }

    static func closureArgument(_ v: Value, _ method: String) throws -> Value {
        switch v {
        case .function, .object(is NativeCallable): return v
        default: throw ScriptError(.type, "\(method) needs a function or closure, got \(v.typeName)")
        }
    }

    /// The ordering closure of `sorted`/`sort`: given as `(by: f)`, as a trailing closure
    /// `{ ... }`, or absent (nil: ascending).
    static func ordering(_ args: [ArgumentValue], _ method: String) throws -> Value {
        if let first = args.first, first.label == nil { return try bind(args, "\(method)(_:)", [.positional()])[0] }
        return try bind(args, "\(method)(by:)", [.labelled("by")])[0]
    }

    static func sortedValues(_ xs: [Value], _ by: Value, _ interp: Interpreter) throws -> [Value] {
        if by.isNil {
            // Ints alone, Doubles alone or Strings alone sort as Swift sorts [Int], [Double] or
            // [String]: the same algorithm and comparisons as `Operators.less` makes of them,
            // without its switch over every pair.
            let flag = interp.interrupt
            switch Payloads(xs) {
            case .ints(let ints)?: return try sortedChecking(ints, flag, <).map(Value.int)
            case .doubles(let doubles)?: return try sortedChecking(doubles, flag, <).map(Value.double)
            case .strings(let strings)?: return try sortedChecking(strings, flag, <).map(Value.string)
            case nil:
                if let tuples = try SortKey.sortedLexicographically(xs, flag) { return tuples }
                return try sortedChecking(xs, flag) { try Operators.less($0, $1) }
            }
        }
        let f = try closureArgument(by, "sorted(by:)")
        if case .function(let fn as ScriptFunction) = f, let key = fn.code.sortKey, let byKey = try key.sorted(xs, interp) {
            return byKey
        }
        let flag = interp.interrupt
        return try StableSort.sorted(xs) { a, b in
            // A one-expression closure has no statement where the interpreter would check.
            try flag.check()
            return try boolResult(try interp.call(f, a, b), "sorted(by:)")
        }
    }

    /// `xs` sorted by `less`, checking for an interrupt every 4,096 comparisons: sorting
    /// millions of values is a long loop that runs no script code, and an interrupt lands
    /// within milliseconds. (The count is the sort closure's own: a counter captured by a
    /// closure held in a variable cost a dynamic exclusivity check a comparison, a third of
    /// the sort.)
    private static func sortedChecking<T>(_ xs: [T], _ flag: InterruptFlag, _ less: (T, T) throws -> Bool) throws -> [T] {
        var comparisons = 0
        return try xs.sorted { a, b in
            comparisons &+= 1
            if comparisons & 4095 == 0 { try flag.check() }
            return try less(a, b)
        }
    }

    /// The payloads of Values all of one kind that Swift orders itself (Int, Double,
    /// String): what a sort compares without `Operators.less`'s switch over every pair.
    enum Payloads {
        case ints([Int]), doubles([Double]), strings([String])

        /// Nil where the Values are of several kinds, or of another.
        init?(_ xs: [Value]) {
            func all<T>(_ payload: (Value) -> T?) -> [T]? {
                var out: [T] = []
                out.reserveCapacity(xs.count)
                for x in xs {
                    guard let p = payload(x) else { return nil }
                    out.append(p)
                }
                return out
            }
            switch xs.first {
            case .int?: guard let a = all({ if case .int(let i) = $0 { i } else { nil } }) else { return nil }; self = .ints(a)
            case .double?: guard let a = all({ if case .double(let d) = $0 { d } else { nil } }) else { return nil }; self = .doubles(a)
            case .string?: guard let a = all({ if case .string(let t) = $0 { t } else { nil } }) else { return nil }; self = .strings(a)
            default: return nil
            }
        }
    }

    /// `first(where:)`: the first element of `v` (an Array, a Range) the closure holds for.
    static func first(in v: Value, _ args: [ArgumentValue], _ interp: Interpreter) throws -> Value {
        let f = ElementCall(try closureArgument(try bind(args, "first(where:)", [.labelled("where", required: true)])[0], "first(where:)"))
        var found = Value.nil
        try each(v, interp) { x in
            if try boolResult(try f(x, interp), "first(where:)") { found = x; return false }
            return true
        }
        return found
    }

    /// `min(by:)`/`max(by:)`: the first element no other is ordered before (after), as Swift's.
    static func extreme(_ xs: [Value], by: Value, max: Bool, _ interp: Interpreter) throws -> Value {
        let f = try closureArgument(by, max ? "max(by:)" : "min(by:)")
        guard var best = xs.first else { return .nil }
        if case .function(let fn as ScriptFunction) = f, let key = fn.code.sortKey, let byKey = try key.extreme(xs, max: max, interp) {
            return byKey
        }
        for x in xs.dropFirst() {
            try interp.interrupt.check()
            let (a, b) = max ? (best, x) : (x, best)
            if try boolResult(try interp.call(f, a, b), max ? "max(by:)" : "min(by:)") { best = x }
        }
        return best
    }

    static func extreme(_ xs: [Value], max: Bool) throws -> Value {
        guard var best = xs.first else { return .nil }
        for x in xs.dropFirst() where try (max ? Operators.less(best, x) : Operators.less(x, best)) { best = x }
        return best
    }

    /// lower + ... + (upper - 1) by Gauss's formula, with the Int overflow check `+` has.
    static func rangeSum(_ r: RangeValue) throws -> Value {
        let n = r.count, a = r.lower, b = r.upperExclusive - 1
        if n <= 1 { return .int(n == 1 ? a : 0) }
        // (a + b) * n / 2, halving whichever factor is even. With two or more terms, a + b
        // overflowing means the sum does too.
        let (s, o1) = a.addingReportingOverflow(b)
        let (product, o2) = s % 2 == 0 ? (s / 2).multipliedReportingOverflow(by: n) : s.multipliedReportingOverflow(by: n / 2)
        if o1 || o2 {
            throw ScriptError(.value, "integer overflow in sum(): the result does not fit in a 64-bit Int",
                              suggestion: "use Doubles for very large numbers, e.g. map { Double($0) }")
        }
        return .int(product)
    }

    static func sum(_ xs: [Value]) throws -> Value {
        var total: Value = .int(0)
        for x in xs {
            guard x.asDouble != nil else { throw ScriptError(.type, "sum() needs numbers, found a \(x.typeName)") }
            total = try Operators.add(total, x)
        }
        return total
    }

    static let table: MemberTable = {
        var t = MemberTable()
        // A Range answers these from its bounds: `(0..<n).last` must not build n values.
        t.properties["count"] = { v in
            if case .range(let r) = v { return .int(r.count) }
            return .int(arrayElements(v).count)
        }
        t.properties["indices"] = { v in
            if case .range(let r) = v { return .range(RangeValue(lower: 0, upper: r.count, closed: false)) }
            return .range(RangeValue(lower: 0, upper: arrayElements(v).count, closed: false))
        }
        // Swift's `lazy` view is the collection itself: map and filter make their result at
        // once, with the same answers (a Range is walked lazily already).
        t.properties["lazy"] = { v in v }
        t.properties["isEmpty"] = { v in
            if case .range(let r) = v { return .bool(r.count == 0) }
            return .bool(arrayElements(v).isEmpty)
        }
        t.properties["first"] = { v in
            if case .range(let r) = v { return r.count > 0 ? .int(r.lower) : .nil }
            return arrayElements(v).first ?? .nil
        }
        t.properties["last"] = { v in
            if case .range(let r) = v { return r.count > 0 ? .int(r.upperExclusive - 1) : .nil }
            return arrayElements(v).last ?? .nil
        }
        t.properties["lowerBound"] = { v in if case .range(let r) = v { return .int(r.lower) }; throw Members.noMember(v, "lowerBound") }
        t.properties["upperBound"] = { v in if case .range(let r) = v { return .int(r.upper) }; throw Members.noMember(v, "upperBound") }

        t.methods["map"] = { v, args, interp in
            let f = ElementCall(try closureArgument(try bind(args, "map(_:)", [.positional()])[0], "map"))
            try reserveResult(v, "map")
            var out: [Value] = []
            // (A Range's count was checked against memory: reserving it spares the copies of
            // growth, which held an interrupt for a third of a second at 100 million.)
            switch v {
            case .array(let xs): out.reserveCapacity(xs.count)
            case .range(let r): out.reserveCapacity(r.count)
            default: break
            }
            try each(v, interp) { out.append(try f($0, interp)); return true }
            return .array(out)
        }
        t.methods["compactMap"] = { v, args, interp in
            let f = ElementCall(try closureArgument(try bind(args, "compactMap(_:)", [.positional()])[0], "compactMap"))
            var out = Growing()
            try each(v, interp) { x in
                let y = try f(x, interp)
                if !y.isNil { try out.append(y) }
                return true
            }
            return .array(out.values)
        }
        t.methods["flatMap"] = { v, args, interp in
            let f = try closureArgument(try bind(args, "flatMap(_:)", [.positional()])[0], "flatMap")
            var out = Growing()
            try each(v, interp) { x in
                let r = try interp.call(f, x)
                if case .array(let ys) = r { try out.append(contentsOf: ys) } else { try out.append(r) }
                return true
            }
            return .array(out.values)
        }
        t.methods["filter"] = { v, args, interp in
            let f = ElementCall(try closureArgument(try bind(args, "filter(_:)", [.positional()])[0], "filter"))
            var out = Growing()
            try each(v, interp) { x in
                if try boolResult(try f(x, interp), "filter") { try out.append(x) }
                return true
            }
            return .array(out.values)
        }
        t.methods["forEach"] = { v, args, interp in
            let f = try closureArgument(try bind(args, "forEach(_:)", [.positional()])[0], "forEach")
            try each(v, interp) { _ = try interp.call(f, $0); return true }
            return .nil
        }
        t.methods["reduce"] = { v, args, interp in
            let a = try bind(args, "reduce(_:_:)", [.positional(), .positional()])
            let f = try closureArgument(a[1], "reduce")
            if case .function(let fn as ScriptFunction) = f, let op = fn.code.operatorClosure?.binary {
                return try OperatorClosure.reduce(v, a[0], op, f, interp)
            }
            var acc = a[0]
            try each(v, interp) { acc = try interp.call(f, acc, $0); return true }
            return acc
        }
        t.methods["allSatisfy"] = { v, args, interp in
            let f = ElementCall(try closureArgument(try bind(args, "allSatisfy(_:)", [.positional()])[0], "allSatisfy"))
            var all = true
            try each(v, interp) { all = try boolResult(try f($0, interp), "allSatisfy"); return all }
            return .bool(all)
        }
        t.methods["sorted"] = { v, args, interp in
            .array(try sortedValues(try elements(v, interp.interrupt), try ordering(args, "sorted"), interp))
        }
        t.methods["min"] = { v, args, interp in
            if !args.isEmpty { return try extreme(try elements(v, interp.interrupt), by: try ordering(args, "min"), max: false, interp) }
            if case .range(let r) = v { return r.count > 0 ? .int(r.lower) : .nil }
            return try extreme(try elements(v, interp.interrupt), max: false)
        }
        t.methods["max"] = { v, args, interp in
            if !args.isEmpty { return try extreme(try elements(v, interp.interrupt), by: try ordering(args, "max"), max: true, interp) }
            if case .range(let r) = v { return r.count > 0 ? .int(r.upperExclusive - 1) : .nil }
            return try extreme(try elements(v, interp.interrupt), max: true)
        }
        // `first` and `last` are properties; called with `where:` they search, as in Swift.
        t.methods["first"] = { v, args, interp in try first(in: v, args, interp) }
        t.methods["last"] = { v, args, interp in
            let f = try closureArgument(try bind(args, "last(where:)", [.labelled("where", required: true)])[0], "last(where:)")
            for x in try elements(v, interp.interrupt).reversed() where try boolResult(try interp.call(f, x), "last(where:)") { return x }
            return .nil
        }
        t.methods["count"] = { v, args, interp in
            if args.isEmpty { throw ScriptError(.type, "'count' is a property, not a method: write .count without ()") }
            let f = ElementCall(try closureArgument(try bind(args, "count(where:)", [.labelled("where", required: true)])[0], "count(where:)"))
            var n = 0
            try each(v, interp) { x in
                if try boolResult(try f(x, interp), "count(where:)") { n += 1 }
                return true
            }
            return .int(n)
        }
        t.methods["sum"] = { v, args, interp in
            _ = try bind(args, "sum()", [])
            if case .range(let r) = v { return try rangeSum(r) }
            return try sum(try elements(v, interp.interrupt))
        }
        t.methods["mean"] = { v, args, interp in
            _ = try bind(args, "mean()", [])
            let xs = try elements(v, interp.interrupt)
            guard !xs.isEmpty else { return .nil }
            return try Operators.divide(try Operators.add(.double(0), sum(xs)), .int(xs.count))
        }
        t.methods["contains"] = { v, args, interp in
            if givesTest(args) {
                let f = ElementCall(try closureArgument(try bind(args, "contains(where:)", [.labelled("where", required: true)])[0], "contains(where:)"))
                var found = false
                try each(v, interp) { found = try boolResult(try f($0, interp), "contains(where:)"); return !found }
                return .bool(found)
            }
            let x = try bind(args, "contains(_:)", [.positional()])[0]
            if case .range(let r) = v, case .int(let i) = x { return .bool(i >= r.lower && i < r.upperExclusive) }
            return .bool(try position(of: x, in: try elements(v, interp.interrupt), interp.interrupt) != nil)
        }
        // `seen.contains(x)` in a loop: an Array short enough to search between two checks
        // for an interrupt (so none is needed), for a value that is not a test.
        // (Searched with a flag nothing sets, so it cannot throw: `try?` is nil only where the
        // value is not there.)
        t.short["contains"] = ([nil], { v, a in
            guard case .array(let xs) = v, xs.count < checkEvery, !a[0].isFunction else { return nil }
            return .bool((try? position(of: a[0], in: xs, InterruptFlag.never)) != nil)
        })
        t.short["firstIndex"] = (["of"], { v, a in
            guard case .array(let xs) = v, xs.count < checkEvery else { return nil }
            return (try? position(of: a[0], in: xs, InterruptFlag.never)).map { .int($0) } ?? .nil
        })
        t.methods["firstIndex"] = { v, args, interp in
            if givesTest(args) {
                let f = try closureArgument(try bind(args, "firstIndex(where:)", [.labelled("where", required: true)])[0], "firstIndex(where:)")
                var index = 0, found = false
                try each(v, interp) { x in
                    found = try boolResult(try interp.call(f, x), "firstIndex(where:)")
                    if !found { index += 1 }
                    return !found
                }
                return found ? .int(index) : .nil
            }
            let x = try bind(args, "firstIndex(of:)", [.labelled("of", required: true)])[0]
            if case .range(let r) = v {
                guard case .int(let i) = x, i >= r.lower, i < r.upperExclusive else { return .nil }
                return .int(i - r.lower)
            }
            return try position(of: x, in: try elements(v, interp.interrupt), interp.interrupt).map { .int($0) } ?? .nil
        }
        t.methods["lastIndex"] = { v, args, interp in
            let xs = try elements(v, interp.interrupt)
            if givesTest(args) {
                let f = try closureArgument(try bind(args, "lastIndex(where:)", [.labelled("where", required: true)])[0], "lastIndex(where:)")
                for i in xs.indices.reversed() {
                    try interp.interrupt.check()
                    if try boolResult(try interp.call(f, xs[i]), "lastIndex(where:)") { return .int(i) }
                }
                return .nil
            }
            let x = try bind(args, "lastIndex(of:)", [.labelled("of", required: true)])[0]
            return xs.lastIndex { Operators.equal($0, x) }.map { .int($0) } ?? .nil
        }
        t.methods["enumerated"] = { v, args, interp in
            _ = try bind(args, "enumerated()", [])
            let xs = try elements(v, interp.interrupt)
            return .array(try mapChecked(xs.count, interp.interrupt) { .tuple([.int($0), xs[$0]]) })
        }
        t.methods["zip"] = { v, args, interp in
            let other = try bind(args, "zip(_:)", [.positional()])[0]
            return try CoreLibrary.zipValues(v, other, interp.interrupt)
        }
        t.methods["reversed"] = { v, args, interp in
            _ = try bind(args, "reversed()", [])
            return .array(try elements(v, interp.interrupt).reversed())
        }
        // From the system's generator, as Swift's (the prelude's `seed:` functions are the
        // reproducible ones).
        t.methods["shuffled"] = { v, args, interp in
            _ = try bind(args, "shuffled()", [])
            return .array(try elements(v, interp.interrupt).shuffled())
        }
        t.methods["randomElement"] = { v, args, interp in
            _ = try bind(args, "randomElement()", [])
            if case .range(let r) = v { return r.count > 0 ? .int(Int.random(in: r.lower..<r.upperExclusive)) : .nil }
            return try elements(v, interp.interrupt).randomElement() ?? .nil
        }
        t.methods["joined"] = { v, args, interp in
            let sep = try bind(args, "joined(separator:)", [.labelled("separator", default: .nil)])[0]
            let xs = try elements(v, interp.interrupt)
            // Arrays of Arrays join into one, as Swift's: [[1, 2], [3]].joined() is [1, 2, 3].
            if !xs.isEmpty, xs.allSatisfy({ if case .array = $0 { return true }; return false }) {
                if sep.isNil { return .array(try flattened(xs, separator: [], interp.interrupt)) }
                guard case .array(let between) = sep else {
                    throw ScriptError(.type, "joined(separator:) between Arrays needs an Array separator, got \(sep.typeName)")
                }
                return .array(try flattened(xs, separator: between, interp.interrupt))
            }
            if sep.isNil { return .string(try joined(xs, separator: "", interp.interrupt)) }
            guard case .string(let s) = sep else { throw ScriptError(.type, "joined(separator:) needs a String separator") }
            return .string(try joined(xs, separator: s, interp.interrupt))
        }
        // Swift's prefix(while:) and drop(while:): the run of leading elements the test holds for, or the rest.
        t.methods["drop"] = { v, args, interp in
            let f = try closureArgument(try bind(args, "drop(while:)", [.labelled("while", required: true)])[0], "drop(while:)")
            let n = try leadingRun(v, f, "drop(while:)", interp)
            if case .range(let r) = v { return .array(try elements(.range(r.slice(from: n, count: r.count - n)), interp.interrupt)) }
            return .array(Array(arrayElements(v).dropFirst(n)))
        }
        t.methods["prefix"] = { v, args, interp in
            if args.first?.label == "while" {
                // Element by element, so a long Range is walked only as far as the test holds.
                let f = try closureArgument(try bind(args, "prefix(while:)", [.labelled("while", required: true)])[0], "prefix(while:)")
                var kept = Growing()
                try each(v, interp) { x in
                    guard try boolResult(try interp.call(f, x), "prefix(while:)") else { return false }
                    try kept.append(x)
                    return true
                }
                return .array(kept.values)
            }
            let n = try intArgument(try bind(args, "prefix(_:)", [.positional()])[0], "prefix's length")
            if case .range(let r) = v { return .array(try elements(.range(r.slice(from: 0, count: n)), interp.interrupt)) }
            return .array(Array(try elements(v, interp.interrupt).prefix(max(0, n))))
        }
        t.methods["suffix"] = { v, args, interp in
            if args.first?.label == "from" {
                return try Subscripts.suffix(v, from: try bind(args, "suffix(from:)", [.labelled("from", required: true)])[0], interp)
            }
            let n = try intArgument(try bind(args, "suffix(_:)", [.positional()])[0], "suffix's length")
            if case .range(let r) = v { return .array(try elements(.range(r.slice(from: r.count - min(r.count, max(0, n)), count: n)), interp.interrupt)) }
            return .array(Array(try elements(v, interp.interrupt).suffix(max(0, n))))
        }
        t.methods["dropFirst"] = { v, args, interp in
            let n = try intArgument(try bind(args, "dropFirst(_:)", [.positional(default: .int(1))])[0], "dropFirst's count")
            if case .range(let r) = v { return .array(try elements(.range(r.slice(from: min(r.count, max(0, n)), count: r.count)), interp.interrupt)) }
            return .array(Array(try elements(v, interp.interrupt).dropFirst(max(0, n))))
        }
        t.methods["dropLast"] = { v, args, interp in
            let n = try intArgument(try bind(args, "dropLast(_:)", [.positional(default: .int(1))])[0], "dropLast's count")
            if case .range(let r) = v { return .array(try elements(.range(r.slice(from: 0, count: r.count - min(r.count, max(0, n)))), interp.interrupt)) }
            return .array(Array(try elements(v, interp.interrupt).dropLast(max(0, n))))
        }

        // Mutating methods change the array in place (Value.mutateArray), so `append` is
        // amortized O(1).
        @Sendable func mutate(_ v: inout Value, _ name: String, _ body: (inout [Value]) throws -> Value) throws -> Value {
            guard let result = try v.mutateArray(body) else {
                throw ScriptError(.type, "\(name) needs a mutable Array, got \(v.typeName)")
            }
            return result
        }
        t.mutating["append"] = { v, args, interp in
            if let first = args.first, first.label == "contentsOf" {
                let other = try bind(args, "append(contentsOf:)", [.labelled("contentsOf", required: true)])[0]
                guard case .array = other else {
                    if case .range = other {
                        let more = try elements(other, interp.interrupt)
                        return try mutate(&v, "append") { $0.append(contentsOf: more); return .nil }
                    }
                    throw ScriptError(.type, "append(contentsOf:) needs an Array, got \(other.typeName)")
                }
                return try mutate(&v, "append") { xs in
                    let more = try elements(other, interp.interrupt)
                    try MemoryBudget.reserveValues(xs.count &+ more.count, "appending \(more.count) elements to an Array of \(xs.count)")
                    xs.append(contentsOf: more)
                    return .nil
                }
            }
            let x = try bind(args, "append(_:)", [.positional()])[0]
            return try mutate(&v, "append") { xs in
                try checkGrowth(xs.count, xs.capacity, bytesEach: MemoryLayout<Value>.stride, "an Array")
                xs.append(x)
                return .nil
            }
        }
        t.mutating["insert"] = { v, args, _ in
            let a = try bind(args, "insert(_:at:)", [.positional(), .labelled("at", required: true)])
            let i = try intArgument(a[1], "insert's position")
            return try mutate(&v, "insert") { xs in
                guard i >= 0 && i <= xs.count else {
                    throw ScriptError(.index, "cannot insert at \(i) in an Array of \(xs.count) elements (valid: 0...\(xs.count))")
                }
                xs.insert(a[0], at: i)
                return .nil
            }
        }
        t.mutating["remove"] = { v, args, _ in
            let i = try intArgument(try bind(args, "remove(at:)", [.labelled("at", required: true)])[0], "remove's position")
            return try mutate(&v, "remove") { xs in
                guard i >= 0 && i < xs.count else {
                    throw ScriptError(.index, "index \(i) is out of range for an Array of \(xs.count) elements")
                }
                return xs.remove(at: i)
            }
        }
        t.mutating["removeLast"] = { v, args, _ in
            _ = try bind(args, "removeLast()", [])
            return try mutate(&v, "removeLast") { xs in
                guard !xs.isEmpty else { throw ScriptError(.index, "removeLast() on an empty Array") }
                return xs.removeLast()
            }
        }
        // As Swift's: nil from an empty Array, where removeLast() is an error (`while let x = xs.popLast()`).
        t.mutating["popLast"] = { v, args, _ in
            _ = try bind(args, "popLast()", [])
            return try mutate(&v, "popLast") { xs in xs.popLast() ?? .nil }
        }
        t.mutating["removeFirst"] = { v, args, _ in
            _ = try bind(args, "removeFirst()", [])
            return try mutate(&v, "removeFirst") { xs in
                guard !xs.isEmpty else { throw ScriptError(.index, "removeFirst() on an empty Array") }
                return xs.removeFirst()
            }
        }
        t.mutating["removeAll"] = { v, args, interp in
            if !args.isEmpty {
                // `removeAll(where:)`: the elements kept are found while the variable still
                // holds the Array (the test may read it), then stored.
                let test = try closureArgument(try bind(args, "removeAll(where:)", [.labelled("where", required: true)])[0], "removeAll(where:)")
                guard case .array(let xs) = v else { throw ScriptError(.type, "removeAll needs a mutable Array, got \(v.typeName)") }
                var kept: [Value] = []
                try each(v, interp) { x in
                    if try !boolResult(try interp.call(test, x), "removeAll(where:)") { kept.append(x) }
                    return true
                }
                if kept.count != xs.count { v = .array(kept) }
                return .nil
            }
            return try mutate(&v, "removeAll") { $0.removeAll(); return .nil }
        }
        t.mutating["sort"] = { v, args, interp in
            let by = try ordering(args, "sort")
            // Sorted into a new Array while the variable still holds the old one (the
            // comparison may read it), then stored: an error leaves it as it was.
            guard case .array(let xs) = v else { throw ScriptError(.type, "sort needs a mutable Array, got \(v.typeName)") }
            v = .array(try sortedValues(xs, by, interp))
            return .nil
        }
        t.mutating["shuffle"] = { v, args, _ in
            _ = try bind(args, "shuffle()", [])
            return try mutate(&v, "shuffle") { $0.shuffle(); return .nil }
        }
        t.mutating["swapAt"] = { v, args, _ in
            let a = try bind(args, "swapAt(_:_:)", [.positional(), .positional()])
            let i = try intArgument(a[0], "swapAt's first position"), j = try intArgument(a[1], "swapAt's second position")
            return try mutate(&v, "swapAt") { xs in
                xs.swapAt(try Subscripts.position(i, count: xs.count, typeName: "Array"),
                          try Subscripts.position(j, count: xs.count, typeName: "Array"))
                return .nil
            }
        }
        t.mutating["reverse"] = { v, args, _ in
            _ = try bind(args, "reverse()", [])
            return try mutate(&v, "reverse") { $0.reverse(); return .nil }
        }
        return t
    }()
}
