import TesseraData
import TesseraScript

/// The Frame members a pandas user reaches for in the first hour: write, sort, count,
/// group, sample, join, apply, clip and log1p (the rest of the table is FrameObject's).
enum FrameOperations {
    static var members: [NativeMembers<FrameObject>.Member] { [
        .method(Declaration("writeCSV", [.positional("path", .string, "the file to write (replaced atomically)"),
                                         .labelled("delimiter", .string, default: .string(","), "one character, or \"tab\"")],
                            returns: "String", summary: "Writes the frame as CSV that readCSV reads back as the same frame, and returns the path.",
                            discussion: "Missing values are empty fields (in a one-column frame, where an empty field would be a blank line, \"\" for numbers and NA for text, as pandas writes them); text is quoted when it holds the delimiter, a quote or a line break, or would read as missing. Text that looks like a number reads back as one unless readCSV is given its type, as in pandas. The file appears whole or not at all, and is flushed to the disk before it replaces an older one.",
                            example: "let f = dataset(\"fraud\", rows: 1000)\nreadCSV(f.writeCSV(\"/tmp/tessera-fraud.csv\")) == f",
                            errors: [(.io, "the file cannot be written")])) { o, a, _ in
            let path = try a.string("path")
            let d = try a.string("delimiter")
            let name = d == "tab" ? "\t" : d
            guard name.utf8.count == 1, let byte = name.utf8.first else { throw ScriptError(.value, "writeCSV(delimiter:) must be one character (or \"tab\"), got \"\(d)\"") }
            try ScriptError.converting { try o.frame.writeCSV(to: path, delimiter: byte) }
            return .string(path)
        },
        .method(Declaration("sort", [.labelled("by", .either("String | Array", [.string, .array]), "the column, or columns, to order by"),
                                     .labelled("ascending", .either("Bool | Array", [.bool, .array]), default: .bool(true), "the direction, or one per column")],
                            returns: "Frame", summary: "The rows ordered by columns, as pandas' sort_values: stable, missing values last.",
                            example: "dataset(\"fraud\", rows: 1000).sort(by: [\"hour\", \"amount\"], ascending: [true, false]).head(3)",
                            errors: [(.data, "a column does not exist, or the directions do not match the columns")])) { o, a, _ in
            let keys = try names(a["by"], a.place("by"))
            let up: [Bool]
            switch a["ascending"] {
            case .bool(let b): up = [b]
            case .array(let xs): up = try xs.map { try Convert.bool($0, a.place("ascending")) }
            default: up = [true]
            }
            return .object(FrameObject(try ScriptError.converting { try o.frame.sorted(by: keys, ascending: up) }))
        },
        .method(Declaration("valueCounts", [.positional("column", .string, "the column to count"),
                                            .labelled("dropMissing", .bool, default: .bool(true), "leave missing values out, as pandas does")],
                            returns: "Frame", summary: "Each value of a column and how often it occurs, most frequent first (pandas' value_counts).",
                            example: "dataset(\"fraud\", rows: 1000).valueCounts(\"merchant_category\")", errors: [(.data, "the column does not exist")])) { o, a, _ in
            .object(FrameObject(try ScriptError.converting { try o.frame.valueCounts(try a.string("column"), dropMissing: try a.bool("dropMissing")) }))
        },
        .method(Declaration("groupBy", [.positional("columns", .either("String | Array", [.string, .array]), "the key column, or columns")],
                            returns: "GroupBy", summary: "The rows grouped by key columns, to aggregate: frame.groupBy(\"channel\").aggregate([\"amount\": \"mean\"]).",
                            example: "dataset(\"fraud\", rows: 1000).groupBy(\"merchant_category\").aggregate([\"amount\": [\"mean\", \"max\"], \"label\": \"sum\"])",
                            errors: [(.data, "a key column does not exist")])) { o, a, _ in
            .object(GroupByObject(try ScriptError.converting { try o.frame.grouped(by: try names(a["columns"], a.place("columns"))) }))
        },
        .method(Declaration("sample", [.labelled("n", .int, default: .nil, range: .atLeast(0), "how many rows (1 when neither n nor fraction is given)"),
                                       .labelled("fraction", .double, default: .nil, range: .atLeast(0), "or this share of the rows"),
                                       .labelled("replace", .bool, default: .bool(false), "draw with replacement"),
                                       .labelled("seed", .int, default: .int(0), "the seed: the same seed, the same rows")],
                            returns: "Frame", summary: "Random rows, in random order, as pandas' sample.",
                            example: "dataset(\"iris\").sample(n: 5, seed: 1)",
                            errors: [(.data, "more rows than the frame has are asked without replacement")])) { o, a, _ in
            let seed = UInt64(truncatingIfNeeded: try a.int("seed"))
            return .object(FrameObject(try ScriptError.converting {
                try o.frame.sample(n: try a.optionalInt("n"), fraction: try a.optionalDouble("fraction"), replace: try a.bool("replace"), seed: seed)
            }))
        },
        .method(Declaration("join", [.positional("other", .object("Frame"), "the right frame"),
                                     .labelled("on", .either("String | Array", [.string, .array]), "the key column, or columns, both frames have"),
                                     .labelled("how", .symbol("Join", Frame.JoinKind.allCases.map(\.rawValue)), default: .symbol("inner"),
                                               "`.inner`: matching rows only; `.left`: every left row, the right columns missing where none matches")],
                            returns: "Frame", summary: "Rows of two frames matched on key columns, as pandas' merge: other columns both have get _x and _y.",
                            example: "let orders = readCSV(\"transactions.csv\")\norders.join(orders.select([\"zip\", \"hour\"]), on: \"zip\", how: .left).columns",
                            errors: [(.data, "a key column is missing from a frame, or has text on one side and numbers on the other")])) { o, a, _ in
            let other = try a.object("other", as: FrameObject.self)!.frame
            let how = Frame.JoinKind(rawValue: try a.symbol("how") ?? "inner") ?? .inner
            return .object(FrameObject(try ScriptError.converting { try o.frame.joined(other, on: try names(a["on"], a.place("on")), how: how) }))
        },
        .method(Declaration("unique", [.positional("column", .string, "the column")], returns: "Array",
                            summary: "The column's distinct values in order of first appearance, nil once if any is missing (pandas' unique).",
                            example: "dataset(\"fraud\", rows: 1000).unique(\"merchant_category\")", errors: [(.data, "the column does not exist")])) { o, a, _ in
            let c = try ScriptError.converting { try o.frame.column(try a.string("column")) }
            var seen = Set<CellValue>()
            var out: [Value] = []
            for i in 0..<c.count {
                let v: CellValue = c.isMissing(i) ? .missing : c.value(at: i)
                if seen.insert(v).inserted { out.append(Convert.value(v)) }
            }
            return .array(out)
        },
        .method(Declaration("apply", [.positional("column", .string, "the column whose values the closure takes"),
                                      .positional("transform", .function, "a closure of one value (never a missing one) returning the new value, or nil for missing"),
                                      .labelled("as", .string, default: .nil, "a new column's name for the results (else the column is replaced)")],
                            returns: "Frame", summary: "A column's values through a closure, as pandas' Series.apply; missing values stay missing.",
                            example: "dataset(\"fraud\", rows: 1000).apply(\"amount\", { x in x > 100 ? \"large\" : \"small\" }, as: \"size\").valueCounts(\"size\")",
                            errors: [(.type, "the closure returns values of different types, or a value a column cannot hold"), (.data, "the column does not exist")])) { o, a, interp in
            let c = try ScriptError.converting { try o.frame.column(try a.string("column")) }
            let fn = a["transform"]
            var results: [Value] = []
            results.reserveCapacity(c.count)
            for i in 0..<c.count {
                try interp.interrupt.check()
                results.append(c.isMissing(i) ? .nil : try interp.call(fn, Convert.value(c.value(at: i))))
            }
            let name = try a.optionalString("as") ?? c.name
            return .object(FrameObject(try ScriptError.converting { try o.frame.setting(try column(results, named: name)) }))
        },
        .method(Declaration("clip", [.positional("columns", .array, default: .nil, "the columns (every numeric one when left out)"),
                                     .labelled("lower", .double, default: .nil, "the smallest value kept"),
                                     .labelled("upper", .double, default: .nil, "the largest value kept")],
                            returns: "Frame", summary: "Numeric columns limited to [lower, upper], as pandas' clip (the Clip transform does it inside a Pipeline, also at training quantiles).",
                            example: "dataset(\"fraud\", rows: 1000).clip([\"amount\"], upper: 500)[\"amount\"].max()",
                            errors: [(.data, "neither bound is given, lower is above upper, or a column is not numeric")])) { o, a, _ in
            let columns = a.isNil("columns") ? nil : try Convert.strings(a["columns"], a.place("columns"))
            let clip = Clip(columns, lower: try a.optionalDouble("lower"), upper: try a.optionalDouble("upper"))
            return .object(FrameObject(try ScriptError.converting { try clip.fit(o.frame).apply(o.frame) }))
        },
        .method(Declaration("log1p", [.positional("columns", .array, default: .nil, "the columns (every numeric one when left out)")],
                            returns: "Frame", summary: "log(1 + x) of numeric columns, for long right tails (the Log1p transform does it inside a Pipeline).",
                            example: "dataset(\"fraud\", rows: 1000).log1p([\"amount\"])[\"amount\"].max()",
                            errors: [(.data, "a value is -1 or below, or a column is not numeric")])) { o, a, _ in
            let columns = a.isNil("columns") ? nil : try Convert.strings(a["columns"], a.place("columns"))
            let log = Log1p(columns)
            return .object(FrameObject(try ScriptError.converting { try log.fit(o.frame).apply(o.frame) }))
        },
    ] }

    /// A column name or an Array of them.
    static func names(_ v: Value, _ what: String) throws -> [String] {
        if case .string(let s) = v { return [s] }
        return try Convert.strings(v, what)
    }

    /// A column of the closure's results: Ints, numbers, Bools or Strings (nil: missing).
    static func column(_ values: [Value], named name: String) throws -> Column {
        let present = values.filter { !$0.isNil }
        if present.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
            return Column(name, ints: values.map { if case .int(let i) = $0 { return Int64(i) } else { return nil } })
        }
        if present.allSatisfy({ $0.asDouble != nil && { if case .bool = $0 { return false } else { return true } }($0) }) {
            return Column(name, doubles: values.map { $0.isNil ? nil : $0.asDouble })
        }
        if present.allSatisfy({ if case .bool = $0 { return true } else { return false } }) {
            return Column(name, bools: values.map { if case .bool(let b) = $0 { return b } else { return nil } })
        }
        if present.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
            return Column(name, strings: values.map { if case .string(let s) = $0 { return s } else { return nil } })
        }
        let kinds = Set(present.map(\.typeName)).sorted()
        throw ScriptError(.type, "apply's closure returned \(kinds.joined(separator: " and ")) values; a column holds one kind (numbers, Bools or Strings)",
                          suggestion: "return the same kind for every value (nil for missing)")
    }
}

/// `frame.groupBy(keys)`: the rows grouped, ready to aggregate.
final class GroupByObject: DeclaredMembers {
    let grouping: Grouping
    init(_ grouping: Grouping) { self.grouping = grouping }
    var typeName: String { "GroupBy" }
    var plainText: String { "GroupBy(\(grouping.keys.joined(separator: ", ")): \(grouping.groups.count) groups)" }

    static let nativeMembers = NativeMembers<GroupByObject>([
        .method(Declaration("aggregate", [.positional("spec", .dict, "column → an aggregation or an Array of them: " + Grouping.Aggregation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))],
                            returns: "Frame", summary: "One row per group (in sorted key order): the keys, then column_aggregation for each one asked (pandas' agg).",
                            example: "dataset(\"fraud\", rows: 1000).groupBy(\"hour\").aggregate([\"amount\": [\"count\", \"mean\", \"std\"]]).head(3)",
                            errors: [(.value, "an aggregation is unknown"), (.data, "a column does not exist, or holds text for a numeric aggregation")])) { o, a, _ in
            guard case .dict(let spec) = a["spec"] else { throw ScriptError(.type, "aggregate needs a Dict") }
            var asked: [(column: String, aggregation: Grouping.Aggregation)] = []
            for (k, v) in spec.entries {
                let column = try Convert.string(k, "aggregate(_:) keys")
                let names: [Value]
                if case .array(let xs) = v { names = xs } else { names = [v] }
                for n in names {
                    let name = try Convert.string(n, "aggregate(_:) for '\(column)'")
                    guard let agg = Grouping.Aggregation(rawValue: name) else {
                        throw ScriptError(.value, "aggregate: \"\(name)\" is not an aggregation",
                                          suggestion: "use " + Grouping.Aggregation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                    }
                    asked.append((column, agg))
                }
            }
            return .object(FrameObject(try ScriptError.converting { try o.grouping.aggregate(asked) }))
        },
        .method(Declaration("size", returns: "Frame", summary: "The keys and how many rows each group has (pandas' size).",
                            example: "dataset(\"iris\").groupBy(\"label\").size()")) { o, _, _ in
            .object(FrameObject(try ScriptError.converting { try o.grouping.size() }))
        },
        .property(name: "keys", doc: "The key columns.") { o in .array(o.grouping.keys.map { .string($0) }) },
        .property(name: "groupCount", doc: "How many groups there are (pandas' ngroups).") { o in .int(o.grouping.groups.count) },
    ] + Grouping.Aggregation.allCases.map(shortcut))

    /// `groupBy(...).mean()` and the like, as pandas has them: the aggregation of every other
    /// column it applies to (numbers; count, min and max also text), keeping the columns' names.
    static func shortcut(_ agg: Grouping.Aggregation) -> NativeMembers<GroupByObject>.Member {
        .method(Declaration(agg.rawValue, returns: "Frame",
                            summary: "The \(agg.rawValue) of every other column\(agg.takesText ? "" : " of numbers") per group, named as the columns (pandas' groupby().\(agg.rawValue)()).",
                            example: "dataset(\"iris\").groupBy(\"label\").\(agg.rawValue)()")) { o, _, _ in
            .object(FrameObject(try ScriptError.converting { try o.grouping.aggregateAll(agg) }))
        }
    }
}
