import TesseraData
import TesseraDisplay
import TesseraScript

/// A Frame in the language: `frame.rows`, `frame["amount"]`, `frame.split(0.8, ...)`, shown
/// as an HTML table of its first and last rows with dtypes and missing counts. A for loop
/// walks its rows (`for row in frame`, `for (i, row) in frame.enumerated()`), each the Row
/// that `filter`'s closure is given.
public final class FrameObject: NativeSubscriptable, DeclaredMembers, NativeEquatable, IndexedNativeSequence {
    public let frame: Frame

    public init(_ frame: Frame) { self.frame = frame }

    /// `a == b`: the same columns and values (Frame.sameContents), as pandas' equals.
    public func isEqual(to other: any NativeObject) -> Bool {
        guard let o = other as? FrameObject else { return false }
        return frame.sameContents(as: o.frame)
    }

    public var elementCount: Int { frame.rowCount }

    /// The row at `position`, as `filter` gives it: a view of the Frame (a Row reads its
    /// column's value when asked), so a for loop makes one small object per row and keeps
    /// none of them.
    public func element(at position: Int) -> Value { .object(RowObject(frame: frame, index: position)) }

    public var typeName: String { "Frame" }
    public var plainText: String { FrameObject.table(frame).plainText }
    public var richRepresentations: [(mime: String, data: String)] { [("text/html", FrameObject.table(frame).html)] }

    public static let nativeMembers = NativeMembers<FrameObject>([
        .property(name: "rows", doc: "How many rows it has.") { o in .int(o.frame.rowCount) },
        .property(name: "columns", doc: "The column names, in order.") { o in .array(o.frame.columnNames.map { .string($0) }) },
        .property(name: "shape", doc: "(rows, columns), as pandas' shape.") { o in .tuple([.int(o.frame.rowCount), .int(o.frame.columns.count)]) },
        .property(name: "target", doc: "The label column named at reading (readCSV(target:)), or nil.") { o in o.frame.target.map { .string($0) } ?? .nil },
        .property(name: "dtypes", doc: "Column → its type (\"float64\", \"int64\", \"bool\", \"string\").") { o in
            Convert.dict(o.frame.columns.map { ($0.name, .string($0.dtype.rawValue)) })
        },
        .property(name: "log", doc: "What clean() changed, one line per step.") { o in .array(o.frame.log.map { .string($0) }) },
        .property(name: "report", doc: "What reading the file found: bad lines, encoding, delimiter (a ParseReport).") { o in .object(ParseReportObject(o.frame.parseReport)) },
        rowsMethod("head", "The first n rows."),
        rowsMethod("tail", "The last n rows."),
        .method(Declaration("enumerated", returns: "[(Int, Row)]", summary: "Each row with its position, for `for (i, row) in frame.enumerated()` (pandas' iterrows).",
                            example: "for (i, row) in dataset(\"iris\").head(2).enumerated() { print(i, row.label) }",
                            errors: [(.interrupted, "the cell is interrupted")])) { o, _, interp in
            // A for loop walks the rows without this Array (forPairs); asked for as a value,
            // it is built, once memory is known to hold it.
            let n = o.frame.rowCount
            try MemoryBudget.reserve(n, bytesEach: 2 * MemoryLayout<Value>.stride + 80, "the \(n) (position, row) pairs of a Frame")
            var out: [Value] = []
            out.reserveCapacity(n)
            for i in 0..<n {
                if i & 0xFFFF == 0 { try interp.interrupt.check() }
                out.append(.tuple([.int(i), o.element(at: i)]))
            }
            return .array(out)
        },
        .method(Declaration("describe", returns: "Frame", summary: "Per column: count, missing, mean, std, min, quartiles, max, unique, top.",
                            example: "dataset(\"iris\").describe()")) { o, _, _ in .object(FrameObject(o.frame.describe())) },
        .method(Declaration("column", [.positional("name", .string, "the column's name")], returns: "Column", summary: "One column, as frame[name] gives it.",
                            example: "dataset(\"fraud\", rows: 1000).column(\"amount\").mean()", errors: [(.data, "there is no such column")])) { o, a, interp in
            try o.subscriptGet(a["name"], interp)
        },
        .method(Declaration("select", [.positional("names", .array, "the columns to keep, in this order")], returns: "Frame",
                            summary: "Only the named columns.", example: "dataset(\"fraud\", rows: 1000).select([\"amount\", \"label\"]).columns",
                            errors: [(.data, "a column does not exist")])) { o, a, _ in
            let names = try Convert.strings(a["names"], a.place("names"))
            return .object(FrameObject(try ScriptError.converting { try o.frame.select(names) }))
        },
        .method(Declaration("drop", [.positional("names", .array, "the columns to leave out")], returns: "Frame",
                            summary: "Every column but the named ones.", example: "dataset(\"iris\").drop([\"label\"]).columns",
                            errors: [(.data, "a column does not exist")])) { o, a, _ in
            let names = try Convert.strings(a["names"], a.place("names"))
            return .object(FrameObject(try ScriptError.converting { try o.frame.drop(names) }))
        },
        .method(Declaration("filter", [.positional("keep", .function, "a closure of a Row returning a Bool")], returns: "Frame",
                            summary: "The rows for which the closure returns true.",
                            example: "dataset(\"fraud\", rows: 1000).filter { row in row.amount > 100 }.rows",
                            errors: [(.type, "the closure returns something other than a Bool"), (.interrupted, "the cell is interrupted")])) { o, a, interp in
            let fn = a["keep"], f = o.frame
            return .object(FrameObject(try f.filter { i in
                try interp.interrupt.check()
                guard case .bool(let keep) = try interp.call(fn, .object(RowObject(frame: f, index: i))) else {
                    throw ScriptError(.type, "filter's closure must return a Bool")
                }
                return keep
            }))
        },
        .method(Declaration("map", [.positional("transform", .function, "a closure of a Row returning any value")], returns: "Array",
                            summary: "The closure's result for each row, in order, as Swift's map over a sequence (a Frame is a sequence of Rows); a column's values through a closure is apply.",
                            example: "dataset(\"iris\").head(3).map { row in row.label * 10 }",
                            errors: [(.memory, "memory cannot hold the results"), (.interrupted, "the cell is interrupted")])) { o, a, interp in
            let fn = a["transform"], n = o.frame.rowCount
            try MemoryBudget.reserve(n, bytesEach: MemoryLayout<Value>.stride, "map over the \(n) rows of a Frame")
            var out: [Value] = []
            out.reserveCapacity(n)
            for i in 0..<n {
                try interp.interrupt.check()
                out.append(try interp.call(fn, o.element(at: i)))
            }
            return .array(out)
        },
        .method(Declaration("split", [.positional("fraction", .double, range: ValueRange(lower: 0, upper: 1, lowerOpen: true, upperOpen: true), "the training share of the rows"),
                                      .labelled("stratify", .string, default: .nil, "a column whose values keep their shares in both parts"),
                                      .labelled("seed", .int, default: .int(0), "the seed of the shuffle"),
                                      .labelled("orderBy", .string, default: .nil, "a time column: the earliest rows train, the latest test")],
                            returns: "(Frame, Frame)", summary: "Train and test rows: shuffled, stratified by a column's values, or time-ordered by a column.",
                            example: "let (train, test) = dataset(\"iris\").split(0.8, stratify: \"label\", seed: 1)\n(train.rows, test.rows)",
                            errors: [(.value, "the fraction leaves a part empty"), (.data, "a named column does not exist")])) { o, a, _ in
            let fraction = try a.double("fraction")
            let seed = UInt64(truncatingIfNeeded: try a.int("seed"))
            let (train, test) = try ScriptError.converting {
                try o.frame.split(fraction, stratify: try a.optionalString("stratify"), seed: seed, orderBy: try a.optionalString("orderBy"))
            }
            return .tuple([.object(FrameObject(train)), .object(FrameObject(test))])
        },
    ] + DataBindings.frameMembers + FrameOperations.members, aliases: [
        // pandas' names, so its users are told where things are.
        "to_csv": "writeCSV", "sort_values": "sort", "value_counts": "valueCounts", "groupby": "groupBy", "merge": "join",
        "drop_duplicates": "clean", "fillna": "clean", "dropna": "filter", "nunique": "unique", "train_test_split": "split",
        "iloc": "head", "isna": "check", "info": "describe", "to_numpy": "columns",
        "iterrows": "enumerated", "itertuples": "enumerated",
        "mean": "describe", "std": "describe", "median": "describe", "min": "describe", "max": "describe",
    ])

    /// head or tail.
    static func rowsMethod(_ name: String, _ summary: String) -> NativeMembers<FrameObject>.Member {
        .method(Declaration(name, [.positional("n", .int, default: .int(5), "how many rows")], returns: "Frame", summary: summary,
                            example: "dataset(\"iris\").\(name)(3)")) { o, a, _ in
            let n = try a.int("n")
            return .object(FrameObject(name == "head" ? o.frame.head(n) : o.frame.tail(n)))
        }
    }

    public func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        switch index {
        case .string(let name): return .object(ColumnObject(try ScriptError.converting { try frame.column(name) }))
        case .array: return .object(FrameObject(try ScriptError.converting { try frame.select(try Convert.strings(index, "frame[...]")) }))
        case .int(let i):
            guard i >= 0 && i < frame.rowCount else {
                throw ScriptError(.index, "row \(i) is out of range for a frame of \(frame.rowCount) rows (valid: 0..<\(frame.rowCount))")
            }
            return Convert.dict(frame.row(i).map { ($0.0, Convert.value($0.1)) })
        default:
            throw ScriptError(.type, "a frame is indexed by a column name, a list of names, or a row number, not \(index.typeName)")
        }
    }

    public func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "a frame's columns cannot be assigned in place",
                          suggestion: "build a new frame with select/drop/clean, or transform it with Standardize/OneHot/Impute")
    }

    /// The table a notebook shows: the first and last rows, with each column's dtype and missing count.
    /// The table a frame shows: within `DisplayOptions`' rows and columns (the first and
    /// last halves of each, `…` between, as pandas shows a large frame), floats to its
    /// precision, long text cut at 50 characters; the caption gives the full shape.
    static func table(_ f: Frame) -> Table {
        let options = DisplayOptions.current
        let rowEdge = max(1, options.maxRows / 2), columnEdge = max(1, options.maxColumns / 2)
        let indices = f.rowCount <= max(options.maxRows, 1) ? Array(0..<f.rowCount)
            : Array(0..<rowEdge) + [-1] + Array((f.rowCount - rowEdge)..<f.rowCount)
        let shown: [Column?] = f.columns.count <= max(options.maxColumns, 1) ? f.columns
            : f.columns.prefix(columnEdge).map { $0 } + [nil] + f.columns.suffix(columnEdge).map { $0 }
        func cell(_ c: Column?, _ i: Int) -> String {
            guard let c else { return "…" }
            if case .float64(let v) = c.storage, !c.isMissing(i) { return DisplayOptions.format(v[i], precision: options.precision) }
            guard let text = c.text(at: i) else { return "NA" }
            return text.count > 50 ? String(text.prefix(49)) + "…" : text
        }
        var rows: [[String]] = [
            ["dtype"] + shown.map { $0?.dtype.rawValue ?? "…" },
            ["missing"] + shown.map { $0.map { String($0.missingCount) } ?? "…" },
        ]
        for i in indices {
            if i < 0 { rows.append(["…"] + shown.map { _ in "…" }); continue }
            rows.append([String(i)] + shown.map { cell($0, i) })
        }
        let numeric = Set(shown.enumerated().filter { $0.element?.isNumeric ?? false }.map { $0.offset + 1 })
        let target = f.target.map { ", target '\($0)'" } ?? ""
        return Table(columns: [""] + shown.map { $0?.name ?? "…" }, rows: rows, numericColumns: numeric.union([0]),
                     caption: "Frame: \(DisplayOptions.grouped(f.rowCount)) rows × \(DisplayOptions.grouped(f.columns.count)) columns\(target)")
    }
}

/// One row, as a `filter` closure sees it: `row.amount`, `row["amount"]`.
final class RowObject: NativeSubscriptable {
    let frame: Frame
    let index: Int
    init(frame: Frame, index: Int) { self.frame = frame; self.index = index }
    var typeName: String { "Row" }
    var plainText: String { "Row(" + frame.columns.map { "\($0.name): \($0.text(at: index) ?? "nil")" }.joined(separator: ", ") + ")" }
    var memberNames: [String] { frame.columnNames }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        guard let c = frame.columns.first(where: { $0.name == name }) else { return nil }
        return Convert.value(c.value(at: index))
    }

    func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        guard case .string(let name) = index else { throw ScriptError(.type, "a row is indexed by a column name") }
        return Convert.value(try ScriptError.converting { try frame.column(name) }.value(at: self.index))
    }

    func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "a row is read-only")
    }
}

/// A column: `.name .dtype .missing .unique .mean() .min() .max() .values`.
public final class ColumnObject: NativeSubscriptable, DeclaredMembers {
    public let column: Column
    public init(_ column: Column) { self.column = column }
    public var typeName: String { "Column" }
    public var plainText: String {
        let shown = (0..<min(column.count, 8)).map { column.text(at: $0) ?? "nil" }.joined(separator: ", ")
        return "Column '\(column.name)' (\(column.dtype.rawValue), \(column.count) values, \(column.missingCount) missing): [\(shown)\(column.count > 8 ? ", ..." : "")]"
    }

    /// A pandas Series takes arithmetic and comparisons element by element (`df["x"] * 2`,
    /// `df[df["x"] > 1]`); a Column does neither, and says what does.
    public func operatorAdvice(_ op: String, _ other: Value, objectFirst: Bool) -> String? {
        let name = column.name
        let isIdentifier = name.first.map { $0.isLetter || $0 == "_" } == true && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        let x = other.asDouble != nil ? other.description : "x"
        // Each expression with the operands in the order written.
        func written(_ value: String) -> String { objectFirst ? "\(value) \(op) \(x)" : "\(x) \(op) \(value)" }
        switch op {
        case "<", ">", "<=", ">=":
            return "a Column is not compared value by value: keep the rows with frame.filter { row in \(written(isIdentifier ? "row.\(name)" : "row[\"\(name)\"]")) }, or compare its values: column.values.map { \(written("$0")) }"
        default:
            return "a Column is not arithmetic value by value: column.values.map { \(written("$0")) }, or a tensor: \(written("tensor(column.values)"))"
        }
    }
    public static let nativeMembers = NativeMembers<ColumnObject>([
        .property(name: "name", doc: "The column's name.") { o in .string(o.column.name) },
        .property(name: "dtype", doc: "\"float64\", \"int64\", \"bool\" or \"string\".") { o in .string(o.column.dtype.rawValue) },
        .property(name: "missing", doc: "How many values are missing.") { o in .int(o.column.missingCount) },
        .property(name: "count", doc: "How many values it holds, missing ones included.") { o in .int(o.column.count) },
        .property(name: "unique", doc: "The distinct non-missing values, in order of first appearance.") { o in .array(o.uniqueValues(o.column)) },
        .property(name: "values", doc: "Every value as an Array (nil where missing).") { o in .array((0..<o.column.count).map { Convert.value(o.column.value(at: $0)) }) },
        statistic("mean", "The mean") { Summary($0).mean },
        statistic("min", "The smallest") { Summary($0).min },
        statistic("max", "The largest") { Summary($0).max },
        statistic("sum", "The sum") { $0.reduce(0, +) },
        statistic("std", "The sample standard deviation (n - 1, as pandas)") { Summary($0).std },
        statistic("var", "The sample variance (n - 1, as pandas)") { Summary($0).std.map { $0 * $0 } },
        statistic("median", "The median (the mean of the middle two for an even count)") { Summary($0).median },
        .method(Declaration("quantile", [.positional("q", .double, default: .double(0.5), range: ValueRange(lower: 0, upper: 1), "the share of values at or below it")],
                            returns: "Double?", summary: "The q quantile of the non-missing values, interpolated linearly as pandas' and numpy's default (nil when there are none).",
                            example: "dataset(\"fraud\", rows: 1000)[\"amount\"].quantile(0.9)", errors: [(.type, "the column holds text or Bools")])) { o, a, _ in
            let q = try a.double("q")
            guard q >= 0 && q <= 1 else { throw ScriptError(.value, "quantile(_ q:) is a share of the values, in [0, 1]; got \(q)", suggestion: "the median is quantile(0.5); the 90th percentile quantile(0.9)") }
            return Summary.quantile(try o.numbers("quantile").filter { !$0.isNaN }.sorted(), q).map { .double($0) } ?? .nil
        },
        .method(Declaration("valueCounts", [.labelled("dropMissing", .bool, default: .bool(true), "leave missing values out, as pandas does")],
                            returns: "Frame", summary: "Each value and how often it occurs, most frequent first (pandas' Series.value_counts); frame.valueCounts(name) gives the same.",
                            example: "dataset(\"fraud\", rows: 1000)[\"merchant_category\"].valueCounts()")) { o, a, _ in
            let single = try ScriptError.converting { try Frame(columns: [o.column]) }
            return .object(FrameObject(try ScriptError.converting { try single.valueCounts(o.column.name, dropMissing: try a.bool("dropMissing")) }))
        },
    ], aliases: ["value_counts": "valueCounts", "nunique": "unique", "isna": "missing", "isnull": "missing", "tolist": "values", "to_list": "values"])

    /// The non-missing values of a numeric column, for `what`.
    func numbers(_ what: String) throws -> [Double] {
        guard column.isNumeric else { throw ScriptError(.type, "column '\(column.name)' holds \(column.dtype.rawValue) values; \(what)() needs numbers") }
        return column.numericValues
    }

    /// A statistic over the non-missing values of a numeric column; nil when there are none.
    static func statistic(_ name: String, _ what: String, _ f: @escaping ([Double]) -> Double?) -> NativeMembers<ColumnObject>.Member {
        .method(Declaration(name, returns: "Double?", summary: "\(what) of the non-missing values (\(name == "sum" ? "0" : "nil") when there are none).",
                            example: "dataset(\"fraud\", rows: 1000)[\"amount\"].\(name)()", errors: [(.type, "the column holds text or Bools")])) { o, _, _ in
            f(try o.numbers(name)).map { .double($0) } ?? .nil
        }
    }

    func uniqueValues(_ c: Column) -> [Value] {
        var seen = Set<CellValue>()
        var out: [Value] = []
        for i in 0..<c.count {
            let v = c.value(at: i)
            if v != .missing && seen.insert(v).inserted { out.append(Convert.value(v)) }
        }
        return out
    }

    public func subscriptGet(_ index: Value, _ interpreter: Interpreter) throws -> Value {
        guard case .int(let i) = index else { throw ScriptError(.type, "a column is indexed by a row number") }
        guard i >= 0 && i < column.count else {
            throw ScriptError(.index, "index \(i) is out of range for a column of \(column.count) values (valid: 0..<\(column.count))")
        }
        return Convert.value(column.value(at: i))
    }

    public func subscriptSet(_ index: Value, _ value: Value, _ interpreter: Interpreter) throws {
        throw ScriptError(.type, "a column is read-only")
    }
}

/// What reading a file found: `.clean`, `.issues`, `.summary`.
final class ParseReportObject: DeclaredMembers {
    let report: ParseReport
    init(_ report: ParseReport) { self.report = report }
    var typeName: String { "ParseReport" }
    var plainText: String { "ParseReport: " + report.summary }
    static let nativeMembers = NativeMembers<ParseReportObject>([
        .property(name: "clean", doc: "Whether every line parsed as the header says.") { o in .bool(o.report.isClean) },
        .property(name: "issues", doc: "Each problem, with its line.") { o in .array(o.report.issues.map { .string($0.description) }) },
        .property(name: "count", doc: "How many problems there were (issues lists the first ones).") { o in .int(o.report.issueCount) },
        .property(name: "encoding", doc: "The text encoding the file was read as.") { o in .string(o.report.encoding) },
        .property(name: "delimiter", doc: "The delimiter used (given or sniffed).") { o in .string(o.report.delimiter) },
        .property(name: "summary", doc: "A line that says it all.") { o in .string(o.report.summary) },
    ])
}
