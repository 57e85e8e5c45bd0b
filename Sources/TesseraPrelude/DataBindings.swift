import Foundation
import TesseraData
import TesseraScript

/// The data piece of the prelude: `readCSV`, `dataset`, and the Frame methods that
/// check and clean (LANGUAGE.md, "1. Data").
enum DataBindings {
    static var functions: [NativeFunction] { [readCSV, dataset, standardize, oneHot, impute, clip, log1p] }

    /// pandas' and scikit-learn's data functions, and how the prelude writes each.
    static let foreignNames = [
        "read_csv": "readCSV(path, target: \"label\")", "train_test_split": "frame.split(0.8, stratify: \"label\", seed: 1)",
        "StandardScaler": "Standardize()", "OneHotEncoder": "OneHot([\"column\"])", "SimpleImputer": "Impute(.median)",
        "get_dummies": "OneHot([\"column\"])", "load_iris": "dataset(\"iris\")",
        "load_digits": "dataset(\"digits\")", "load_wine": "dataset(\"wine\")", "load_breast_cancer": "dataset(\"breast_cancer\")",
        "to_categorical": "oneHot(y, classes: k)",
    ]

    static let dataset = NativeFunction(Declaration(
        "dataset", [.positional("name", .string, "\"iris\", \"wine\", \"breast_cancer\", \"digits\", \"fashion_mnist\", \"fraud\", \"wordlang\" or \"fortunes\""),
                    .labelled("rows", .int, default: .nil, range: .atLeast(100), "rows of the generated \"fraud\" set (50,000 when left out), or of \"wordlang\" (40,000: 5,000 words per language)"),
                    .labelled("seed", .int, default: .int(1), "the seed of the generated \"fraud\" set"),
                    .labelled("dirty", .bool, default: .bool(false), "add to \"fraud\" the defects that check() finds")],
        returns: "Frame or (Frame, Frame)",
        summary: "A data set by name: scikit-learn's iris, wine, breast_cancer and digits (target \"label\"), Fashion-MNIST as a (train, test) pair, a seeded synthetic card-fraud set with amounts, and text as (train, test) pairs split by seed: \"wordlang\" (single words of eight languages from Debian's wordlists; columns word, label) and \"fortunes\" (Debian's English fortunes; column text).",
        example: "let iris = dataset(\"iris\")\nlet fraud = dataset(\"fraud\", rows: 2000, seed: 3, dirty: true)",
        errors: [(.io, "the files of a scikit-learn or Fashion-MNIST set are not installed (make setup installs them)"),
                 (.value, "the name is unknown, rows is below 100, or dirty: true is asked of another set")])) { a, interp in
        let name = try a.string("name")
        let rows = try a.optionalInt("rows")
        if let rows, rows < 100 { throw ScriptError(.value, "dataset(rows:) must be at least 100, got \(rows)") }
        let seed = try a.int("seed")
        let dirty = try a.bool("dirty")
        if dirty && name != "fraud" { throw ScriptError(.value, "dirty: true applies to \"fraud\" only") }
        let loaded: Datasets.Loaded
        do {
            loaded = try Datasets.load(name, rows: rows, seed: UInt64(truncatingIfNeeded: seed), dirty: dirty, isCancelled: { interp.interrupt.isSet })
        } catch is CSVReader.Cancelled {
            throw ScriptError(.interrupted, "interrupted while making the \(name) data set")
        }
        switch loaded {
        case .frame(let f): return .object(FrameObject(f))
        case .split(let train, let test): return .tuple([.object(FrameObject(train)), .object(FrameObject(test))])
        }
    }

    static let standardize = NativeFunction(Declaration(
        "Standardize", returns: "Transform",
        summary: "Scales numeric columns to mean 0 and standard deviation 1, with the statistics of the frame it is fitted on.",
        example: "let d = dataset(\"iris\")\nlet (train, test) = d.split(0.8, seed: 1)\nlet scale = Standardize().fit(train)\nscale.apply(test).describe()")) { _, _ in
        .object(TransformObject(Standardize()))
    }

    static let oneHot = NativeFunction(Declaration(
        "OneHot", [.positional("columns", .array, default: .nil, "the columns to encode (numbers too, by their text); every text column when left out"),
                   .labelled("maxCategories", .int, default: .int(50), range: .atLeast(1), "a column keeps its most frequent categories, this many"),
                   .labelled("unseen", .symbol("Unseen", OneHot.Unseen.allCases.map(\.rawValue)), default: .symbol("zeros"),
                             "where a category not kept at fit goes: .zeros (every 0/1 column 0) or .other (a 'name=(other)' column)")],
        returns: "Transform", summary: "One 0/1 column per category of each text column (or of the columns named), the categories from the frame it is fitted on.",
        example: "let f = dataset(\"fraud\", rows: 1000)\nOneHot([\"merchant_category\"], unseen: .other).fit(f).apply(f).columns.count",
        errors: [(.data, "a named column does not exist")])) { a, _ in
        let columns = a.isNil("columns") ? nil : try Convert.strings(a["columns"], a.place("columns"))
        let unseen = OneHot.Unseen(rawValue: try a.symbol("unseen") ?? "zeros") ?? .zeros
        return .object(TransformObject(OneHot(columns, maxCategories: try a.int("maxCategories"), unseen: unseen)))
    }

    static let impute = NativeFunction(Declaration(
        "Impute", [.positional("strategy", .either("Strategy", [.symbol("Strategy", ["median", "mean", "mode", "zero"]), .string]), default: .symbol("median"),
                               "what fills a missing value: the column's .median, .mean, .mode (most frequent; text columns always use it) or .zero")],
        returns: "Transform", summary: "Fills missing values with a statistic of the frame it is fitted on.",
        example: "let raw = dataset(\"fraud\", rows: 1000, dirty: true)\nImpute(.median).fit(raw).apply(raw)")) { a, _ in
        let strategy = try strategyValue(a["strategy"], a.place("strategy"))
        return .object(TransformObject(Impute(strategy)))
    }

    static let clip = NativeFunction(Declaration(
        "Clip", [.positional("columns", .array, default: .nil, "the columns (every numeric one when left out)"),
                 .labelled("lower", .double, default: .nil, "the smallest value kept"),
                 .labelled("upper", .double, default: .nil, "the largest value kept"),
                 .labelled("quantiles", .array, default: .nil, "[low, high]: bounds at the training rows' quantiles instead (winsorizing), e.g. [0.01, 0.99]")],
        returns: "Transform", summary: "Limits numeric columns to a range: fixed bounds, or the quantiles of the frame it is fitted on.",
        example: "let f = dataset(\"fraud\", rows: 1000)\nClip([\"amount\"], quantiles: [0.01, 0.99]).fit(f).apply(f)[\"amount\"].max()",
        errors: [(.data, "no bound is given, the bounds are reversed, or a column is not numeric (when fitted)")])) { a, _ in
        let columns = a.isNil("columns") ? nil : try Convert.strings(a["columns"], a.place("columns"))
        var quantiles: (Double, Double)?
        if !a.isNil("quantiles") {
            let q = try a.array("quantiles").map { try Convert.double($0, a.place("quantiles")) }
            guard q.count == 2 else { throw ScriptError(.value, "Clip(quantiles:) takes two quantiles, [low, high]; got \(q.count)") }
            quantiles = (q[0], q[1])
        }
        return .object(TransformObject(Clip(columns, lower: try a.optionalDouble("lower"), upper: try a.optionalDouble("upper"), quantiles: quantiles)))
    }

    static let log1p = NativeFunction(Declaration(
        "Log1p", [.positional("columns", .array, default: .nil, "the columns (every numeric one when left out)")],
        returns: "Transform", summary: "log(1 + x) of numeric columns, for long right tails such as amounts and counts.",
        example: "let f = dataset(\"fraud\", rows: 1000)\nLog1p([\"amount\", \"txn_count_24h\"]).fit(f).apply(f).describe()",
        errors: [(.data, "a value is -1 or below, or a column is not numeric")])) { a, _ in
        .object(TransformObject(Log1p(a.isNil("columns") ? nil : try Convert.strings(a["columns"], a.place("columns")))))
    }

    static func strategyValue(_ v: Value, _ what: String) throws -> ImputeStrategy {
        let name: String
        switch v {
        case .symbol(let s), .string(let s): name = s
        default: throw ScriptError(.type, "\(what) needs .median, .mean, .mode or .zero, got \(v.typeName)")
        }
        guard let s = ImputeStrategy(rawValue: name) else {
            throw ScriptError(.value, "\(what): .\(name) is not a way to impute", suggestion: "use .median, .mean, .mode or .zero")
        }
        return s
    }

    static let readCSV = NativeFunction(Declaration(
        "readCSV", [.positional("path", .string, "the file"),
                    .labelled("target", .string, default: .nil, "the label column, which fit and check then use"),
                    .labelled("delimiter", .string, default: .nil, "one character, or \"tab\"; sniffed when left out"),
                    .labelled("na", .either("String | Array", [.string, .array]), default: .nil, "the tokens that mean missing; pandas' when left out"),
                    .labelled("types", .dict, default: .nil, "column → \"float64\", \"int64\", \"bool\" or \"string\", over the inferred types"),
                    .labelled("header", .bool, default: .nil, "whether the first line names the columns; sniffed when left out"),
                    .labelled("strict", .bool, default: .bool(false), "make the first bad line a DataError instead of a note in frame.report")],
        returns: "Frame",
        summary: "Reads a CSV file: quoting, delimiter and header sniffed, pandas' NA tokens, types inferred per column, with a progress bar for large files.",
        discussion: "Bad lines (too many or too few fields, stray quotes) are kept and listed in frame.report, which check() reports as its parse check.",
        example: "let raw = readCSV(\"transactions.csv\", target: \"label\", types: [\"zip\": \"string\"])\nraw.report",
        errors: [(.io, "the file is missing, unreadable or not a regular file"), (.data, "strict: true and a line is bad")])) { a, interp in
        let path = try a.string("path")
        var o = CSVOptions()
        o.target = try a.optionalString("target")
        if let d = try a.optionalString("delimiter") {
            let name = d == "tab" ? "\t" : d
            guard name.utf8.count == 1 else { throw ScriptError(.value, "readCSV(delimiter:) must be one character (or \"tab\"), got \"\(d)\"") }
            o.delimiter = name.utf8.first
        }
        if !a.isNil("na") { o.naTokens = Set(try Convert.strings(a["na"], a.place("na"))) }
        if case .dict(let types) = a["types"] {
            for (k, v) in types.entries {
                let column = try Convert.string(k, "readCSV(types:) keys")
                let name = try Convert.string(v, "readCSV(types:) values")
                guard let t = Column.DType(rawValue: name == "float" ? "float64" : name == "int" ? "int64" : name) else {
                    throw ScriptError(.value, "readCSV(types:) '\(name)' for column '\(column)' is not a type",
                                      suggestion: "use one of \"float64\", \"int64\", \"bool\", \"string\"")
                }
                o.types[column] = t
            }
        }
        if let header = a.isNil("header") ? nil : try a.bool("header") { o.header = header }
        o.strict = try a.bool("strict")
        let name = URL(fileURLWithPath: path).lastPathComponent
        let progress = ProgressReporter(interp, task: "reading \(name)", unit: "MB")
        let frame: Frame
        do {
            frame = try ScriptError.converting {
                try CSVReader.read(path: path, options: o, progress: { done, total in
                    progress.report(done: Double(done) / 1e6, total: Double(total) / 1e6, finished: done >= total)
                }, isCancelled: { interp.interrupt.isSet })
            }
        } catch is CSVReader.Cancelled {
            progress.finish("interrupted")
            throw ScriptError(.interrupted, "interrupted while reading '\(path)'")
        } catch {
            progress.finish("stopped by an error")
            throw error
        }
        progress.finish()
        // A line skipped or changed must not pass unseen (pandas stops at one by default):
        // a warning says how many and where, the frame still reads what it could.
        let report = frame.parseReport
        if report.dataIssueCount > 0 {
            let first = report.dataIssues.prefix(3).map(\.description).joined(separator: "; ")
            let n = report.dataIssueCount
            interp.host.write("Warning: readCSV: \(n) line\(n == 1 ? "" : "s") of \(name) not read as written (\(first)\(n > 3 ? "; ..." : "")); "
                              + "frame.report lists them, and strict: true makes the first an error\n", to: .stderr)
        }
        return .object(FrameObject(frame))
    }

    /// The Frame members that check and clean (the rest are in FrameObject's table).
    static var frameMembers: [NativeMembers<FrameObject>.Member] { [
        .method(Declaration("check", [.labelled("target", .string, default: .nil, "the label column (else the frame's target)"),
                                      .labelled("test", .object("Frame"), default: .nil, "a test split: adds train/test overlap and drift checks")],
                            returns: "QualityReport", summary: "Runs every data quality check: missing values, duplicates, constant and ID-like columns, outliers, label balance, leakage, parse problems.",
                            example: "let raw = dataset(\"fraud\", rows: 1000, dirty: true)\nraw.check(target: \"label\")",
                            errors: [(.data, "the target column does not exist")])) { o, a, _ in
            let target = try a.optionalString("target")
            let test = try a.object("test", as: FrameObject.self)?.frame
            return .object(QualityReportObject(try ScriptError.converting { try o.frame.check(target: target, test: test) }))
        },
        .method(Declaration("clean", [.labelled("dropDuplicates", .bool, default: .bool(true), "drop rows that repeat an earlier row"),
                                      .labelled("impute", .either("Strategy", [.symbol("Strategy", ["median", "mean", "mode", "zero"]), .string]), default: .nil,
                                                "fill missing values with the column's .median, .mean, .mode or .zero (left missing when nil)"),
                                      .labelled("dropColumns", .array, default: .array([]), "columns to drop"),
                                      .labelled("dropConstant", .bool, default: .bool(false), "drop columns with a single value")],
                            returns: "Frame", summary: "A cleaned copy; its .log says what changed.",
                            example: "let raw = dataset(\"fraud\", rows: 1000, dirty: true)\nraw.clean(impute: .median, dropConstant: true).log",
                            errors: [(.data, "a column to drop does not exist")])) { o, a, _ in
            var options = CleanOptions()
            options.dropDuplicates = try a.bool("dropDuplicates")
            if !a.isNil("impute") { options.impute = try strategyValue(a["impute"], a.place("impute")) }
            options.dropColumns = try Convert.strings(a["dropColumns"], a.place("dropColumns"))
            options.dropConstant = try a.bool("dropConstant")
            return .object(FrameObject(try ScriptError.converting { try o.frame.clean(options) }))
        },
    ] }
}
