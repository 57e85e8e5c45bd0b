import TesseraData
import TesseraDisplay
import TesseraScript

/// A Frame in the language: `frame.rows`, `frame["amount"]`, `frame.split(0.8, ...)`, shown
/// as an HTML table of its first and last rows with dtypes and missing counts.
public final class FrameObject: NativeSubscriptable {
    public let frame: Frame

    public init(_ frame: Frame) { self.frame = frame }

    public var typeName: String { "Frame" }
    public var plainText: String { FrameObject.table(frame).plainText }
    public var richRepresentations: [(mime: String, data: String)] { [("text/html", FrameObject.table(frame).html)] }

    public var memberNames: [String] {
        ["rows", "columns", "shape", "target", "head", "tail", "describe", "column", "select", "drop", "filter",
         "split", "check", "clean", "log", "report", "dtypes"]
    }

    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let f = frame
        switch name {
        case "rows": return .int(f.rowCount)
        case "columns": return .array(f.columnNames.map { .string($0) })
        case "shape": return .tuple([.int(f.rowCount), .int(f.columns.count)])
        case "target": return f.target.map { .string($0) } ?? .nil
        case "dtypes": return Convert.dict(f.columns.map { ($0.name, .string($0.dtype.rawValue)) })
        case "log": return .array(f.log.map { .string($0) })
        case "report": return .object(ParseReportObject(f.parseReport))
        case "head", "tail":
            return method(name, doc: "\(name)(_ n = 5) -> Frame\nThe \(name == "head" ? "first" : "last") n rows.",
                          [.positional(default: .int(5))]) { a, _ in
                let n = try Convert.int(a[0], "\(name)(_:)")
                return .object(FrameObject(name == "head" ? f.head(n) : f.tail(n)))
            }
        case "describe":
            return method(name, doc: "describe() -> Frame\nPer column: count, missing, mean, std, min, quartiles, max, unique, top.", []) { _, _ in
                .object(FrameObject(f.describe()))
            }
        case "column":
            return method(name, doc: "column(_ name) -> Column", [.positional()]) { a, _ in
                try self.subscriptGet(a[0], interpreter)
            }
        case "select", "drop":
            return method(name, doc: "\(name)(_ names) -> Frame", [.positional()]) { a, _ in
                let names = try Convert.strings(a[0], "\(name)(_:)")
                return .object(FrameObject(try ScriptError.converting { name == "select" ? try f.select(names) : try f.drop(names) }))
            }
        case "filter":
            return method(name, doc: "filter(_ keep: (Row) -> Bool) -> Frame\nThe rows for which the closure returns true.", [.positional()]) { a, interp in
                let fn = a[0]
                return .object(FrameObject(try f.filter { i in
                    try interp.interrupt.check()
                    guard case .bool(let keep) = try interp.call(fn, [.object(RowObject(frame: f, index: i))]) else {
                        throw ScriptError(.type, "filter's closure must return a Bool")
                    }
                    return keep
                }))
            }
        case "split":
            return method(name, doc: "split(_ fraction, stratify: nil, seed: 0, orderBy: nil) -> (Frame, Frame)\nTrain and test rows; stratified by a column's values, or time-ordered by a column.",
                          [.positional(), .labelled("stratify"), .labelled("seed", default: .int(0)), .labelled("orderBy")]) { a, _ in
                let fraction = try Convert.double(a[0], "split(_:)")
                let stratify = try Convert.optionalString(a[1], "split(stratify:)")
                let seed = try Convert.int(a[2], "split(seed:)")
                let orderBy = try Convert.optionalString(a[3], "split(orderBy:)")
                let (train, test) = try ScriptError.converting { try f.split(fraction, stratify: stratify, seed: UInt64(truncatingIfNeeded: seed), orderBy: orderBy) }
                return .tuple([.object(FrameObject(train)), .object(FrameObject(test))])
            }
        default:
            return try DataBindings.frameMember(name, self, interpreter)
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

    func method(_ name: String, doc: String, _ parameters: [NativeParameter], _ body: @escaping ([Value], Interpreter) throws -> Value) -> Value {
        .function(NativeFunction(name, doc: doc, parameters: parameters, body))
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
public final class ColumnObject: NativeSubscriptable {
    public let column: Column
    public init(_ column: Column) { self.column = column }
    public var typeName: String { "Column" }
    public var plainText: String {
        let shown = (0..<min(column.count, 8)).map { column.text(at: $0) ?? "nil" }.joined(separator: ", ")
        return "Column '\(column.name)' (\(column.dtype.rawValue), \(column.count) values, \(column.missingCount) missing): [\(shown)\(column.count > 8 ? ", ..." : "")]"
    }
    public var memberNames: [String] { ["name", "dtype", "missing", "unique", "count", "values", "mean", "min", "max", "sum", "std"] }

    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let c = column
        switch name {
        case "name": return .string(c.name)
        case "dtype": return .string(c.dtype.rawValue)
        case "missing": return .int(c.missingCount)
        case "count": return .int(c.count)
        case "unique": return .array(uniqueValues(c))
        case "values": return .array((0..<c.count).map { Convert.value(c.value(at: $0)) })
        case "mean", "min", "max", "sum", "std":
            return .function(NativeFunction(name, doc: "\(name)() -> Double\nOver the non-missing values.", parameters: []) { _, _ in
                guard c.isNumeric else { throw ScriptError(.type, "column '\(c.name)' holds \(c.dtype.rawValue) values; \(name)() needs numbers") }
                let s = Summary(c.numericValues)
                let v: Double?
                switch name {
                case "mean": v = s.mean
                case "min": v = s.min
                case "max": v = s.max
                case "std": v = s.std
                default: v = c.numericValues.reduce(0, +)
                }
                return v.map { .double($0) } ?? .nil
            })
        default: return nil
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
