import Foundation

/// The language's own built-ins (LANGUAGE.md "Values" and "Cell results"): output,
/// math, conversions, `clock`, `error`, `zip`. The ML prelude is bound by TesseraPrelude.
public enum CoreLibrary {
    static func install(in interp: Interpreter) {
        for f in functions { interp.definePrelude(f) }
        interp.definePrelude("pi", .double(Double.pi), doc: "pi: the ratio of a circle's circumference to its diameter, 3.14159...")
        interp.definePrelude("inf", .double(Double.infinity), doc: "inf: positive infinity, as 1.0 / 0 gives")
        interp.definePrelude("nan", .double(Double.nan), doc: "nan: not a number")
    }

    static func text(_ args: [ArgumentValue], _ name: String) throws -> String {
        var items: [Value] = []
        var separator = " ", terminator = "\n"
        for a in args {
            switch a.label {
            case nil: items.append(a.value)
            case "separator": separator = try StringMethods.stringArgument(a.value, "\(name)(separator:)")
            case "terminator": terminator = try StringMethods.stringArgument(a.value, "\(name)(terminator:)")
            case let l?: throw ScriptError(.type, "\(name) has no parameter '\(l):'; it takes items, separator: and terminator:")
            }
        }
        return items.map(\.description).joined(separator: separator) + terminator
    }

    /// Applies a Double function to a number, element-wise to a numeric Array, or through
    /// a native object (a Tensor).
    /// What the math functions take: a number, or an Array or Tensor of them (element-wise).
    static let numeric = ParameterType.either("Number | Array | Tensor", [.double, .array, .object("Tensor")])

    /// print's and warn's: the items, a separator and a terminator.
    static let printParameters: [Declaration.Parameter] = [
        .variadic("items", .any, "the values to write, as String(x) writes each"),
        .labelled("separator", .string, default: .string(" "), "written between items"),
        .labelled("terminator", .string, default: .string("\n"), "written after the last"),
    ]

    /// What zip walks: an Array, a Range or a String (its characters).
    static let sequence = ParameterType.either("Array | Range | String | Set", [.array, .range, .string, .object("Set")])

    /// Swift's `Int.random(in:)` and `Double.random(in:)`, from the system's generator (the
    /// prelude's seeded functions are the reproducible ones). Ranges have Int bounds here:
    /// `Double.random(in: 0..<1)` is uniform in [0, 1), `0...1` in [0, 1].
    static func randomNumber(int: Bool) -> NativeFunction {
        let type = int ? "Int" : "Double"
        return NativeFunction(Declaration("random", [.labelled("in", .range, "the Range to draw from")], returns: type,
                                          summary: "A uniformly random \(type) in the Range, as Swift's \(type).random(in:).",
                                          example: int ? "Int.random(in: 1...6)" : "Double.random(in: 0..<1)")) { a, _ in
            guard case .range(let r) = a["in"] else { throw ScriptError(.type, "\(type).random(in:) needs a Range, got \(a["in"].typeName)") }
            if int {
                guard r.count > 0 else { throw ScriptError(.value, "Int.random(in:) cannot draw from the empty range \(a["in"].debugDescription)") }
                return .int(Int.random(in: r.lower..<r.upperExclusive))
            }
            let (lower, upper) = (Double(r.lower), Double(r.upper))
            if r.closed {
                guard lower <= upper else { throw ScriptError(.value, "Double.random(in:) cannot draw from the empty range \(a["in"].debugDescription)") }
                return .double(Double.random(in: lower...upper))
            }
            guard lower < upper else { throw ScriptError(.value, "Double.random(in:) cannot draw from the empty range \(a["in"].debugDescription)") }
            return .double(Double.random(in: lower..<upper))
        }
    }

    static func math(_ name: String, _ summary: String, example: String, _ f: @escaping (Double) -> Double) -> NativeFunction {
        NativeFunction(Declaration(name, [.positional("x", numeric, "a number, or an Array or Tensor of numbers (element by element)")],
                                   returns: "Double", summary: summary, example: example)) { a, _ in try mapNumeric(a["x"], name, f) }
            .applying { v in
                if case .double(let x) = v { return .double(f(x)) }
                if case .int(let i) = v { return .double(f(Double(i))) }
                return nil
            }
    }

    static func mapNumeric(_ v: Value, _ name: String, depth: Int = 0, _ f: (Double) -> Double) throws -> Value {
        switch v {
        case .int(let i): return .double(f(Double(i)))
        case .double(let d): return .double(f(d))
        case .array(let xs):
            guard depth < Operators.deepestNesting else {
                throw ScriptError(.value, "\(name) of Arrays nested more than \(Operators.deepestNesting) levels deep", suggestion: "use a tensor")
            }
            return .array(try xs.map { try mapNumeric($0, name, depth: depth + 1, f) })
        case .object(let o as NativeOperand):
            if let r = try o.unary(name, v) { return r }
            fallthrough
        default: throw ScriptError(.type, "\(name) needs a number, a numeric Array or a Tensor, got \(v.typeName)")
        }
    }

    /// `max(a, b)` or `min(a, b)` of two Ints or two Doubles (the first of equals, as for
    /// more values); nil for anything else, which goes the whole way.
    static func extreme(_ a: Value, _ b: Value, max: Bool) -> Value? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return max ? (y > x ? b : a) : (y < x ? b : a)
        case (.double(let x), .double(let y)) where !x.isNaN && !y.isNaN: return max ? (y > x ? b : a) : (y < x ? b : a)
        default: return nil
        }
    }

    static func extreme(_ args: [ArgumentValue], max: Bool) throws -> Value {
        let name = max ? "max" : "min"
        if let l = args.first(where: { $0.label != nil })?.label {
            throw ScriptError(.type, "\(name) takes unlabelled arguments; remove '\(l):'")
        }
        var items = args.map(\.value)
        if items.count == 1 {
            switch items[0] {
            case .array(let xs): items = xs
            case .range(let r):
                guard r.count > 0 else { break }
                return .int(max ? r.upperExclusive - 1 : r.lower)
            case .object(let o as NativeOperand):
                if let r = try o.unary(name, items[0]) { return r }
            default: break
            }
        }
        guard !items.isEmpty else {
            throw ScriptError(.value, "\(name) of no values", suggestion: "use xs.\(name)() to get nil for an empty Array")
        }
        let result = try ArrayMethods.extreme(items, max: max)
        // Ints among Doubles are Doubles, as Swift's literals would be: min(2.5, 1) is 1.0.
        if args.count > 1, case .int(let i) = result, items.contains(where: { if case .double = $0 { return true }; return false }) {
            return .double(Double(i))
        }
        return result
    }

    static func strideValues(from start: Value, to: Value, through: Value, by step: Value) throws -> Value {
        guard to.isNil != through.isNil else {
            throw ScriptError(.type, "stride needs one bound: to: (left out) or through: (included)",
                              suggestion: "stride(from: 0, to: 10, by: 2)")
        }
        let bound = to.isNil ? through : to
        let inclusive = !through.isNil
        if case .int(let a) = start, case .int(let b) = bound, case .int(let s) = step {
            guard s != 0 else { throw ScriptError(.value, "stride's step by: must not be zero") }
            try reserveStride((Double(b) - Double(a)) / Double(s))
            return .array(inclusive ? Swift.stride(from: a, through: b, by: s).map { .int($0) } : Swift.stride(from: a, to: b, by: s).map { .int($0) })
        }
        guard let a = start.asDouble, let b = bound.asDouble, let s = step.asDouble, a.isFinite, b.isFinite, s.isFinite else {
            throw ScriptError(.value, "stride needs finite numbers")
        }
        guard s != 0 else { throw ScriptError(.value, "stride's step by: must not be zero") }
        try reserveStride((b - a) / s)
        return .array(inclusive ? Swift.stride(from: a, through: b, by: s).map { .double($0) } : Swift.stride(from: a, to: b, by: s).map { .double($0) })
    }

    /// Checks the memory budget for a stride of about `steps` steps before it is built.
    private static func reserveStride(_ steps: Double) throws {
        let count = max(0, steps.rounded(.down) + 1)
        try MemoryBudget.reserveValues(count < 1e15 ? Int(count) : Int.max, "stride over \(Int(min(count, 1e15))) values")
    }

    /// `precondition(ok, "...")` and its like: a ValueError of `words` unless `ok`.
    private static func conditionStop(_ name: String, _ words: String, summary: String, example: String) -> NativeFunction {
        NativeFunction(Declaration(name, [.positional("condition", .bool, "what must hold"),
                                          .positional("message", .any, default: .string(""), "what went wrong when it does not")],
                                   summary: summary, example: example)) { a, _ in
            if try !a.bool("condition") { throw ScriptError(.value, stopMessage(words, a["message"])) }
            return .nil
        }
    }

    /// "fatal error: message", or the first words alone where there is no message.
    private static func stopMessage(_ what: String, _ message: Value) -> String {
        let text = message.description
        return text.isEmpty ? what : "\(what): \(text)"
    }

    static func zipValues(_ a: Value, _ b: Value, _ flag: InterruptFlag) throws -> Value {
        func items(_ v: Value) throws -> [Value] {
            switch v {
            case .array(let xs): return xs
            case .range: return try ArrayMethods.elements(v, flag)
            case .string: return ArrayMethods.arrayElements(StringMethods.characters(v))
            case .object(let o as ScriptSet): return o.elements
            default: throw ScriptError(.type, "zip needs Arrays or Ranges, got \(v.typeName)")
            }
        }
        let (xs, ys) = (try items(a), try items(b))
        return .array(try ArrayMethods.mapChecked(min(xs.count, ys.count), flag) { .tuple([xs[$0], ys[$0]]) })
    }

    /// The prelude's `zip`, which a for loop over its pairs does not call (see
    /// `Instruction.forPairs`): a session may bind the name to another function.
    static let zip: NativeFunction? = functions.first { $0.name == "zip" }

    public static let functions: [NativeFunction] = [
        NativeFunction(parsing: Declaration("print", printParameters, summary: "Writes the items to stdout, separated by separator and ended by terminator.",
                                            example: "print(\"loss\", 0.25, [1, 2], separator: \" | \")")) { args, interp in
            interp.host.write(try text(args, "print"), to: .stdout)
            return .nil
        },
        NativeFunction(parsing: Declaration("warn", printParameters, summary: "Writes the items to stderr, as print writes them to stdout.",
                                            example: "warn(\"3 rows had no label\")")) { args, interp in
            interp.host.write(try text(args, "warn"), to: .stderr)
            return .nil
        },
        NativeFunction(Declaration("display", [.positional("value", .any, "what to show: a table, a chart, rich text or any value"),
                                               .labelled("id", .any, default: .nil, "a name for the display, so a later call can replace it"),
                                               .labelled("update", .bool, default: .bool(false), "replace the display named id instead of adding one")],
                                   summary: "Shows a rich value now (Jupyter's display_data), besides the cell's result.",
                                   example: "display(html(\"<b>step 1</b>\"), id: \"status\")\ndisplay(html(\"<b>step 2</b>\"), id: \"status\", update: true)")) { a, interp in
            var id: String? = nil
            if case .string(let s) = a["id"] { id = s } else if !a.isNil("id") { id = a["id"].description }
            try interp.host.display(a["value"], displayID: id, update: try a.bool("update"))
            return .nil
        },
        NativeFunction(Declaration("clear", [.labelled("wait", .bool, default: .bool(false), "clear just before the next output arrives, not now")],
                                   summary: "Clears the cell's output.", example: "print(\"working\")\nclear()\nprint(\"done\")")) { a, interp in
            interp.host.clearOutput(wait: try a.bool("wait"))
            return .nil
        },
        NativeFunction({
            var d = Declaration("input", [.positional("prompt", .any, default: .string(""), "what to ask"),
                                          .labelled("password", .bool, default: .bool(false), "hide what is typed")],
                                returns: "String", summary: "Asks the front end for a line of text (Jupyter's input_request, the shell's prompt).",
                                example: "let name = input(\"your name? \")\nprint(\"hello,\", name)",
                                errors: [(.value, "the front end cannot answer (stdin is not allowed)")])
            d.exampleRuns = false
            return d
        }()) { a, interp in
            .string(try interp.host.readInput(prompt: a["prompt"].description, password: try a.bool("password")))
        },
        NativeFunction(Declaration("error", [.positional("message", .any, "what went wrong")], returns: "Error",
                                   summary: "An error value; `throw error(\"...\")` raises it as a ValueError, which `do { } catch { }` or `try?` can catch.",
                                   example: "func check(_ rate) {\n    if rate < 0 { throw error(\"rate must not be negative\") }\n    return rate\n}\ncheck(0.1)")) { a, _ in
            .object(ErrorObject(message: a["message"].description))
        },
        // Swift's stops, which end the process there; here they end the cell with a
        // ValueError (the session lives on), and a guard's else may end with one.
        NativeFunction(Declaration("fatalError", [.positional("message", .any, default: .string(""), "what went wrong")],
                                   summary: "Ends the cell with a ValueError, as Swift's fatalError ends the program; a guard's else may end with it.",
                                   example: "guard let n = Int(\"42\") else { fatalError(\"not a number\") }\nn")) { a, _ in
            throw ScriptError(.value, stopMessage("fatal error", a["message"]))
        },
        conditionStop("precondition", "precondition failed", summary: "Ends the cell with a ValueError unless the condition holds, as Swift's precondition.",
                      example: "let rate = 0.1\nprecondition(rate > 0, \"rate must be positive\")"),
        conditionStop("assert", "assertion failed", summary: "Ends the cell with a ValueError unless the condition holds, as Swift's assert (checked in every build here).",
                      example: "let xs = [3, 1, 2].sorted()\nassert(xs.first == 1, \"sorted puts the least first\")"),
        NativeFunction(Declaration("clock", returns: "Double", summary: "Monotonic seconds, for timing: the difference of two calls is the time between them.",
                                   example: "let t0 = clock()\nlet s = (1...1000).map { $0 * $0 }.sum()\nprint(\"took\", clock() - t0, \"s\")")) { _, _ in
            .double(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
        },
        NativeFunction(Declaration("sleep", [.positional("seconds", .double, range: .atLeast(0), "how long to wait")],
                                   summary: "Waits, as Python's time.sleep; an interrupt ends the wait (a waiting cell stays interruptible).",
                                   example: "let t0 = clock()\nsleep(0.01)\nclock() - t0 >= 0.01",
                                   errors: [(.value, "seconds is negative or not finite")])) { a, interp in
            let seconds = try a.double("seconds")
            guard seconds.isFinite && seconds >= 0 else { throw ScriptError(.value, "sleep(_:) takes a finite number of seconds, 0 or more; got \(seconds)") }
            // In seconds as Doubles: a long wait (1e300) must not overflow a count of nanoseconds.
            func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
            let end = now() + seconds
            while true {
                try interp.interrupt.check()
                let left = end - now()
                if left <= 0 { break }
                // In slices, so an interrupt is seen within 50 ms.
                Thread.sleep(forTimeInterval: min(0.05, left))
            }
            return .nil
        },
        NativeFunction(Declaration("zip", [.positional("a", sequence, "the first elements"), .positional("b", sequence, "the second elements")],
                                   returns: "[(a, b)]", summary: "Pairs the elements of two Arrays, up to the shorter one.",
                                   example: "zip([1, 2, 3], [\"a\", \"b\", \"c\"])")) { a, interp in try zipValues(a["a"], a["b"], interp.interrupt) },
        NativeFunction(Declaration("stride", [.labelled("from", .double, "the first value"),
                                              .labelled("to", .double, default: .nil, "the bound, never reached"),
                                              .labelled("through", .double, default: .nil, "the bound, included when a step lands on it"),
                                              .labelled("by", .double, "the step: positive or negative, not zero")],
                                   returns: "Array", otherForms: ["stride(from: Number, through: Number, by: Number) -> Array"],
                                   summary: "The values from a start toward a bound by a step, as Swift's stride: `to:` stops before the bound, `through:` may reach it. Ints when every argument is an Int.",
                                   example: "stride(from: 10, through: 0, by: -5)")) { a, _ in
            try strideValues(from: a["from"], to: a["to"], through: a["through"], by: a["by"])
        },
        NativeFunction(Declaration("abs", [.positional("x", numeric, "a number, or an Array or Tensor of numbers (element by element)")],
                                   summary: "The absolute value; Ints stay Ints.", example: "abs(-3)")) { a, _ in
            switch a["x"] {
            case .int(let i):
                guard i != Int.min else { throw ScriptError(.value, "abs(Int.min) does not fit in an Int") }
                return .int(Swift.abs(i))
            default: return try mapNumeric(a["x"], "abs") { Swift.abs($0) }
            }
        },
        NativeFunction(parsing: Declaration("min", [.variadic("values", .any, "two or more values, or one Array")], otherForms: ["min(_ array: Array)"],
                                            summary: "The smallest value.", example: "min(3, 1, 2)")) { args, _ in try extreme(args, max: false) }
            .applying { a, b in extreme(a, b, max: false) },
        NativeFunction(parsing: Declaration("max", [.variadic("values", .any, "two or more values, or one Array")], otherForms: ["max(_ array: Array)"],
                                            summary: "The largest value.", example: "max([3, 1, 2])")) { args, _ in try extreme(args, max: true) }
            .applying { a, b in extreme(a, b, max: true) },
        math("sqrt", "Square root.", example: "sqrt(2.0)", Foundation.sqrt),
        math("exp", "e to the power x.", example: "exp(1.0)", Foundation.exp),
        math("log", "Natural logarithm.", example: "log(10.0)", Foundation.log),
        math("sin", "Sine of x radians.", example: "sin(pi / 2)", Foundation.sin),
        math("cos", "Cosine of x radians.", example: "cos(0.0)", Foundation.cos),
        math("tan", "Tangent of x radians.", example: "tan(pi / 4)", Foundation.tan),
        math("floor", "Rounds down.", example: "floor(2.7)", Foundation.floor),
        math("ceil", "Rounds up.", example: "ceil(2.1)", Foundation.ceil),
        math("round", "Rounds to the nearest whole number, halves away from zero.", example: "round(2.5)", Foundation.round),
        NativeFunction(Declaration("pow", [.positional("x", numeric, "the base"), .positional("y", numeric, "the exponent")], returns: "Double",
                                   summary: "x to the power y (element-wise when either is an Array or Tensor).", example: "pow(2, 0.5)")) { a, _ in
            guard let x = a["x"].asDouble, let y = a["y"].asDouble else { return try Operators.power(a["x"], a["y"]) }
            return .double(Foundation.pow(x, y))
        },
        NativeFunction(Declaration("Int", [.positional("x", .any, "a Double (truncated toward zero), a String or a Bool"),
                                           .labelled("radix", .int, default: .int(10), "the base a String's digits are in, 2 through 36")], returns: "Int?",
                                   summary: "Converts to an Int; nil when it cannot. `Int.max` and `Int.min` are the largest and smallest Int.", example: "Int(\"42\") ?? Int.min")) { a, _ in
            let radix = try a.int("radix")
            guard (2...36).contains(radix) else { throw ScriptError(.value, "Int(_:radix:) needs a radix from 2 through 36, got \(radix)") }
            switch a["x"] {
            case .string(let s): return Int(StringMethods.withoutSpaces(s), radix: radix).map { .int($0) } ?? .nil
            case _ where radix != 10: throw ScriptError(.type, "Int(_:radix:) reads a String's digits, got \(a["x"].typeName)")
            case .int: return a["x"]
            case .double(let d): return Int(exactly: d.rounded(.towardZero)).map { .int($0) } ?? .nil
            case .bool(let b): return .int(b ? 1 : 0)
            default: return .nil
            }
        }.applying { v in
            switch v {
            case .int: return v
            case .double(let d): return Int(exactly: d.rounded(.towardZero)).map { .int($0) } ?? .nil
            case .string(let s): return Int(StringMethods.withoutSpaces(s)).map { .int($0) } ?? .nil
            default: return nil
            }
        }.with(constants: ["max": .int(.max), "min": .int(.min), "random": .function(randomNumber(int: true))]),
        NativeFunction(Declaration("Double", [.positional("x", .any, "an Int, a String or a Bool")], returns: "Double?",
                                   summary: "Converts to a Double; nil when it cannot. `Double.infinity`, `Double.nan`, `Double.pi`, `Double.greatestFiniteMagnitude` and `Double.ulpOfOne` are as in Swift.", example: "Double(\"2.5\") ?? Double.nan")) { a, _ in
            switch a["x"] {
            case .int(let i): return .double(Double(i))
            case .double: return a["x"]
            case .string(let s): return Double(StringMethods.withoutSpaces(s)).map { .double($0) } ?? .nil
            case .bool(let b): return .double(b ? 1 : 0)
            default: return .nil
            }
        }.applying { v in
            switch v {
            case .int(let i): return .double(Double(i))
            case .double: return v
            case .string(let s): return Double(StringMethods.withoutSpaces(s)).map { .double($0) } ?? .nil
            default: return nil
            }
        }.with(constants: ["infinity": .double(.infinity), "nan": .double(.nan), "pi": .double(.pi),
                           "greatestFiniteMagnitude": .double(.greatestFiniteMagnitude), "ulpOfOne": .double(.ulpOfOne),
                           "random": .function(randomNumber(int: false))]),
        NativeFunction(parsing: Declaration("Array", [.positional("sequence", .either("Range | Array | String | Dict | Set | Frame", [.range, .array, .string, .dict, .object("Set"), .object("Frame")]), "what to list")],
                                            returns: "Array", otherForms: ["Array(repeating: Any, count: Int) -> Array"],
                                            summary: "The elements of a Range, Array, String (its characters), Dict (its (key, value) pairs), Set or Frame (its rows); or count copies of a value.",
                                            example: "Array(0..<3) + Array(repeating: 0, count: 2)")) { args, interp in
            if let first = args.first, first.label == "repeating" {
                let a = try bind(args, "Array(repeating:count:)", [.labelled("repeating", required: true), .labelled("count", required: true)])
                guard case .int(let n) = a[1] else { throw ScriptError(.type, "Array(repeating:count:) needs an Int count, got \(a[1].typeName)") }
                guard n >= 0 else { throw ScriptError(.value, "Array(repeating:count:) needs a count of 0 or more, got \(n)") }
                try MemoryBudget.reserveValues(n, "Array(repeating: _, count: \(n))")
                return .array(try ArrayMethods.repeatingChecked(a[0], count: n, interp.interrupt))
            }
            let v = try bind(args, "Array(_:)", [.positional()])[0]
            switch v {
            case .array: return v
            case .range: return .array(try ArrayMethods.elements(v, interp.interrupt))
            case .string: return StringMethods.characters(v)
            case .dict(let d): return .array(d.entries.map { .tuple([$0.0, $0.1]) })
            case .object(let o as ScriptSet): return .array(o.elements)
            case .object(let o as NativeSequence): return .array(try o.elements(checking: interp.interrupt))
            default: throw ScriptError(.type, "Array(_:) needs a Range, Array, String, Dict, Set or Frame, got \(v.typeName)",
                                       suggestion: "Array(repeating: x, count: n) makes n copies of x")
            }
        },
        NativeFunction(parsing: Declaration("Set", [.positional("sequence", .any, default: .nil, defaultText: "nothing", "an Array, Range, String, Dict (its keys) or Set")],
                                            returns: "Set", summary: "A Set, as Swift's: unique elements, tested for membership in constant time; it keeps the order they came in.",
                                            example: "var seen = Set([\"a\", \"b\", \"a\"])\nseen.insert(\"c\")\n(seen.count, seen.contains(\"a\"), seen.union([\"d\"]).sorted())")) { args, interp in
            let v = try bind(args, "Set(_:)", [.positional(default: .nil)])[0]
            return .object(v.isNil ? ScriptSet() : try ScriptSet.make(from: v, interp))
        },
        NativeFunction(parsing: Declaration("String", [.positional("x", .any, "any value")], returns: "String",
                                            otherForms: ["String(repeating: String, count: Int) -> String", "String(format: String, _ values: Any...) -> String"],
                                            summary: "The text print would write for a value (an Array of Characters joined, as Swift's String(s.sorted())); count copies of a String; or values formatted printf-style (%d %f %e %g %x %s, flags, width, .precision).",
                                            example: "String(3.5) + String(repeating: \"!\", count: 3) + String(format: \" %.2f\", pi)")) { args, _ in
            if let first = args.first, first.label == "format" {
                guard case .string(let format) = first.value else {
                    throw ScriptError(.type, "String(format:) needs a String format, got \(first.value.typeName)")
                }
                if let labelled = args.dropFirst().first(where: { $0.label != nil }) {
                    throw ScriptError(.type, "String(format:) takes its values without labels, got '\(labelled.label!):'")
                }
                return .string(try FormatString.format(format, args.dropFirst().map(\.value)))
            }
            if let first = args.first, first.label == "repeating" {
                let a = try bind(args, "String(repeating:count:)", [.labelled("repeating", required: true), .labelled("count", required: true)])
                guard case .string(let piece) = a[0] else { throw ScriptError(.type, "String(repeating:count:) repeats a String, got \(a[0].typeName)") }
                guard case .int(let n) = a[1] else { throw ScriptError(.type, "String(repeating:count:) needs an Int count, got \(a[1].typeName)") }
                guard n >= 0 else { throw ScriptError(.value, "String(repeating:count:) needs a count of 0 or more, got \(n)") }
                try MemoryBudget.reserve(n, bytesEach: piece.utf8.count, "String(repeating: _, count: \(n))")
                return .string(String(repeating: piece, count: n))
            }
            if let first = args.first, first.label == "describing" {
                return .string(try bind(args, "String(describing:)", [.labelled("describing", required: true)])[0].description)
            }
            if args.count > 1, args[1].label == "radix" {
                // Swift's `String(255, radix: 16)`: an Int's digits in base 2 to 36.
                let a = try bind(args, "String(_:radix:uppercase:)", [.positional(), .labelled("radix", required: true), .labelled("uppercase")])
                guard case .int(let n) = a[0] else { throw ScriptError(.type, "String(_:radix:) writes an Int's digits, got \(a[0].typeName)") }
                guard case .int(let radix) = a[1], (2...36).contains(radix) else {
                    throw ScriptError(.value, "String(_:radix:) needs a radix from 2 through 36, got \(a[1].description)")
                }
                if case .bool(let upper) = a[2] { return .string(String(n, radix: radix, uppercase: upper)) }
                guard a[2].isNil else { throw ScriptError(.type, "String(_:radix:uppercase:) needs a Bool for uppercase, got \(a[2].typeName)") }
                return .string(String(n, radix: radix))
            }
            let a = try bind(args, "String(_:)", [.positional()])
            // Characters made a String again, as Swift's String(s.sorted()): an Array whose
            // elements are each one Character (Swift has no String of a [String]).
            if case .array(let xs) = a[0], xs.allSatisfy({ if case .string(let c) = $0 { return c.count == 1 }; return false }) {
                return .string(xs.map(\.description).joined())
            }
            return .string(a[0].description)
        }.applying { v in
            // `String(i)` of a number in a loop (`xs.map { String($0) }`): no argument list.
            switch v {
            case .string: return v
            case .int(let i): return .string(String(i))
            case .double, .bool: return .string(v.description)
            default: return nil
            }
        },
        NativeFunction(parsing: Declaration("Dictionary", [.labelled("grouping", .either("Array | Range", [.array, .range]), "the values to group"),
                                                           .labelled("by", .function, "the key of each value")],
                                            returns: "Dict", otherForms: ["Dictionary(uniqueKeysWithValues: [(key, value)]) -> Dict",
                                                                         "Dictionary(_ pairs: [(key, value)], uniquingKeysWith: (old, new) -> value) -> Dict"],
                                            summary: "The values grouped into Arrays under the key `by` gives each, in order; or a Dict of (key, value) pairs whose keys are distinct, or whose repeated keys' values the function combines, as Swift's initialisers.",
                                            example: "Dictionary(grouping: [1, 2, 3, 4], by: { $0 % 2 })")) { args, interp in
            // (Checked here: `each` and `elements` see no elements in anything else.)
            func collection(_ v: Value, _ what: String) throws -> Value {
                switch v {
                case .array, .range: return v
                default: throw ScriptError(.type, "\(what) takes an Array or a Range, got \(v.typeName)")
                }
            }
            // Swift's two initialisers from (key, value) pairs: keys that must be distinct, or
            // a function that combines the values of a repeated key (`uniquingKeysWith: +`).
            let uniquing = args.count == 2 && args[0].label == nil && args[1].label == "uniquingKeysWith"
            if let first = args.first, first.label == "uniqueKeysWithValues" || uniquing {
                let signature = uniquing ? "Dictionary(_:uniquingKeysWith:)" : "Dictionary(uniqueKeysWithValues:)"
                let a = try bind(args, signature, uniquing ? [.positional(), .labelled("uniquingKeysWith", required: true)]
                                                           : [.labelled("uniqueKeysWithValues", required: true)])
                let combine = uniquing ? try ArrayMethods.closureArgument(a[1], signature) : nil
                var out = ScriptDict()
                for pair in try ArrayMethods.elements(try collection(a[0], signature), interp.interrupt) {
                    try interp.interrupt.check()
                    guard case .tuple(let kv) = pair, kv.count == 2 else {
                        throw ScriptError(.type, "\(signature) needs (key, value) pairs, got \(pair.typeName)")
                    }
                    guard let key = DictKey(kv[0]) else { throw ScriptError(.type, "\(kv[0].typeName.withArticle) cannot be a Dict key") }
                    if let old = out[key] {
                        guard let combine else { throw ScriptError(.value, "\(signature) got the key \(kv[0].debugDescription) twice") }
                        out.set(kv[0], key, try interp.call(combine, old, kv[1]))
                    } else {
                        out.set(kv[0], key, kv[1])
                    }
                }
                return .dict(out)
            }
            let a = try bind(args, "Dictionary(grouping:by:)", [.labelled("grouping", required: true), .labelled("by", required: true)])
            let f = try ArrayMethods.closureArgument(a[1], "Dictionary(grouping:by:)")
            try ArrayMethods.reserveResult(try collection(a[0], "Dictionary(grouping:by:)"), "Dictionary(grouping:by:)")
            var out = ScriptDict()
            try ArrayMethods.each(a[0], interp) { x in
                let k = try interp.call(f, x)
                guard let key = DictKey(k) else { throw ScriptError(.type, "\(k.typeName.withArticle) cannot be a Dict key") }
                // Each group grows in place (a new key starts from nil).
                out.modify(k, key) { group in if !Interpreter.append(x, to: &group) { group = .array([x]) } }
                return true
            }
            return .dict(out)
        },
        NativeFunction(Declaration("Character", [.positional("x", .string, "a String of one Character")], returns: "String",
                                   summary: "A Character: here a String of one Character, which Swift's Character properties answer on (`Character(\"a\").isLetter`).",
                                   example: "Character(\"7\").wholeNumberValue")) { a, _ in
            guard case .string(let text) = a["x"], text.count == 1 else {
                throw ScriptError(.value, "Character(_:) needs a String of one Character, got \(a["x"].debugDescription)")
            }
            return a["x"]
        },
        NativeFunction(Declaration("Bool", [.positional("x", .any, "\"true\" or \"false\", or a Bool")], returns: "Bool?",
                                   summary: "Converts to a Bool; nil when it cannot.", example: "Bool(\"true\") ?? false")) { a, _ in
            switch a["x"] {
            case .bool: return a["x"]
            case .string(let s): return Bool(s).map { .bool($0) } ?? .nil
            default: return .nil
            }
        }.with(constants: ["random": .function(NativeFunction(Declaration("random", returns: "Bool",
            summary: "true or false, at random (Swift's Bool.random()).", example: "Bool.random()")) { _, _ in .bool(Bool.random()) })]),
        NativeFunction(parsing: Declaration("type", [.positional("x", .any, "any value")], returns: "String", otherForms: ["type(of: Any) -> String"],
                                            summary: "The name of x's type; `type(of: x)` as in Swift.", example: "type([1, 2]) + type(of: 1)")) { args, _ in
            if let first = args.first, first.label == "of" {
                return .string(try bind(args, "type(of:)", [.labelled("of", required: true)])[0].typeName)
            }
            return .string(try bind(args, "type(_:)", [.positional()])[0].typeName)
        },
    ]
}
