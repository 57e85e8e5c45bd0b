/// `zip(xs, ys).map { $0 * $1 }` without the Array of Tuples between the two calls: the
/// compiler calls `function` with zip's value, the two sequences and the closure (see
/// `BytecodeCompiler.zipMap`). Each pair is mapped as it is made; an operator closure takes
/// the pair's two parts with no Tuple made at all. (Building 10^6 Tuples was two thirds of
/// the idiom's time, and the reason it ran at 0.4 of CPython's list comprehension.)
///
/// The answers are those of the two calls: a session that binds `zip` to a function of its
/// own, or sequences that are not two Arrays or Ranges, take the two calls as written.
enum ZipMap {
    static let function = NativeFunction("map") { args, interp in
        guard args.count == 4 else { throw ScriptError(.type, "zip(_:_:).map(_:) is called by the compiler with 4 values") }
        let (zip, xs, ys, f) = (args[0].value, args[1].value, args[2].value, args[3].value)
        guard case .function(let z) = zip, z === CoreLibrary.zip, let n = pairCount(xs, ys) else {
            let pairs = try interp.call(zip, [ArgumentValue(xs), ArgumentValue(ys)])
            return try Members.call(pairs, "map", [ArgumentValue(f)], interp)
        }
        let step = ElementCall(try ArrayMethods.closureArgument(f, "map"))
        try MemoryBudget.reserveValues(n, "zip(...).map over \(n) pairs")
        return .array(try ArrayMethods.mapChecked(n, interp.interrupt) { i in
            let (a, b) = (Interpreter.element(xs, i) ?? .nil, Interpreter.element(ys, i) ?? .nil)   // (i is below both counts)
            if let y = step.pair(a, b) { return y }
            return try step(.tuple([a, b]), interp)
        })
    }

    /// How many pairs two Arrays or Ranges make (the shorter's count); nil for anything else.
    private static func pairCount(_ xs: Value, _ ys: Value) -> Int? {
        func count(_ v: Value) -> Int? {
            switch v {
            case .array(let items): return items.count
            case .range(let r): return r.count
            default: return nil
            }
        }
        guard let m = count(xs), let n = count(ys) else { return nil }
        return min(m, n)
    }
}
