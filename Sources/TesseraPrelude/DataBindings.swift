import Foundation
import TesseraData
import TesseraScript

/// The data piece of the prelude: `readCSV`, `dataset`, and the Frame methods that
/// check and clean (LANGUAGE.md, "1. Data").
enum DataBindings {
    static var functions: [NativeFunction] { [readCSV, dataset, standardize, oneHot, impute] }

    static let dataset = NativeFunction(
        "dataset",
        doc: """
            dataset(_ name, rows: nil, seed: 1, dirty: false) -> Frame or (train, test)
            "iris" "wine" "breast_cancer" "digits" (scikit-learn's, target "label"), "fashion_mnist" (a (train, test) pair), \
            "fraud" (a seeded synthetic card-fraud set; dirty: true adds the defects that check finds).
            """,
        parameters: [.positional(), .labelled("rows"), .labelled("seed", default: .int(1)), .labelled("dirty", default: .bool(false))]
    ) { a, interp in
        let name = try Convert.string(a[0], "dataset(_:)")
        let rows = a[1].isNil ? nil : try Convert.int(a[1], "dataset(rows:)")
        if let rows, rows < 100 { throw ScriptError(.value, "dataset(rows:) must be at least 100, got \(rows)") }
        let seed = try Convert.int(a[2], "dataset(seed:)")
        let dirty = try Convert.bool(a[3], "dataset(dirty:)")
        if dirty && name != "fraud" { throw ScriptError(.value, "dirty: true applies to \"fraud\" only") }
        let loaded: Datasets.Loaded
        do {
            loaded = try TensorRuntime.run {
                try Convert.data { try Datasets.load(name, rows: rows, seed: UInt64(truncatingIfNeeded: seed), dirty: dirty, isCancelled: { interp.interrupt.isSet }) }
            }
        } catch is CSVReader.Cancelled {
            throw ScriptError(.interrupted, "interrupted while making the \(name) data set")
        }
        switch loaded {
        case .frame(let f): return .object(FrameObject(f))
        case .split(let train, let test): return .tuple([.object(FrameObject(train)), .object(FrameObject(test))])
        }
    }

    static let standardize = NativeFunction("Standardize", doc: "Standardize() -> Transform\nScales numeric columns to mean 0, std 1 with the statistics of the frame it is fitted on: let t = Standardize().fit(train); t.apply(test)",
                                            parameters: []) { _, _ in
        .object(TransformObject(name: "Standardize", fit: { AnyFitted(try Standardize().fit($0)) }))
    }

    static let oneHot = NativeFunction("OneHot", doc: "OneHot(maxCategories: 50) -> Transform\nOne 0/1 column per category of each text column, categories from the frame it is fitted on.",
                                       parameters: [.labelled("maxCategories", default: .int(50))]) { a, _ in
        let k = try Convert.int(a[0], "OneHot(maxCategories:)")
        return .object(TransformObject(name: "OneHot", fit: { AnyFitted(try OneHot(maxCategories: k).fit($0)) }))
    }

    static let impute = NativeFunction("Impute", doc: "Impute(_ strategy = .median) -> Transform\nFills missing values with the .median, .mean, .mode or .zero of the frame it is fitted on.",
                                       parameters: [.positional(default: .symbol("median"))]) { a, _ in
        let strategy = try strategyValue(a[0], "Impute(_:)")
        return .object(TransformObject(name: "Impute(.\(strategy.rawValue))", fit: { AnyFitted(try Impute(strategy).fit($0)) }))
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

    static let readCSV = NativeFunction(
        "readCSV",
        doc: """
            readCSV(_ path, target: nil, delimiter: nil, na: nil, types: [:], header: nil, strict: false) -> Frame
            Reads a CSV file: quoting, delimiter and header sniffed, pandas' NA tokens (or na:), types inferred \
            per column (types: ["zip": "string"] overrides). Bad lines are kept in frame.report; strict: true makes them a DataError.
            """,
        parameters: [.positional(), .labelled("target"), .labelled("delimiter"), .labelled("na"), .labelled("types"),
                     .labelled("header"), .labelled("strict", default: .bool(false))]
    ) { a, interp in
        let path = try Convert.string(a[0], "readCSV(_:)")
        var o = CSVOptions()
        o.target = try Convert.optionalString(a[1], "readCSV(target:)")
        if let d = try Convert.optionalString(a[2], "readCSV(delimiter:)") {
            let name = d == "tab" ? "\t" : d
            guard name.utf8.count == 1 else { throw ScriptError(.value, "readCSV(delimiter:) must be one character (or \"tab\"), got \"\(d)\"") }
            o.delimiter = name.utf8.first
        }
        if !a[3].isNil { o.naTokens = Set(try Convert.strings(a[3], "readCSV(na:)")) }
        if case .dict(let types) = a[4] {
            for (k, v) in types.entries {
                let column = try Convert.string(k, "readCSV(types:) keys")
                let name = try Convert.string(v, "readCSV(types:) values")
                guard let t = Column.DType(rawValue: name == "float" ? "float64" : name == "int" ? "int64" : name) else {
                    throw ScriptError(.value, "readCSV(types:) '\(name)' for column '\(column)' is not a type",
                                      suggestion: "use one of \"float64\", \"int64\", \"bool\", \"string\"")
                }
                o.types[column] = t
            }
        } else if !a[4].isNil {
            throw ScriptError(.type, "readCSV(types:) needs a Dict of column name to type, e.g. [\"zip\": \"string\"]")
        }
        if !a[5].isNil { o.header = try Convert.bool(a[5], "readCSV(header:)") }
        o.strict = try Convert.bool(a[6], "readCSV(strict:)")
        let name = URL(fileURLWithPath: path).lastPathComponent
        let progress = ProgressReporter(interp, task: "reading \(name)", unit: "MB")
        let frame: Frame
        do {
            frame = try Convert.data {
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
        return .object(FrameObject(frame))
    }

    /// Frame members that check and clean.
    static func frameMember(_ name: String, _ object: FrameObject, _ interpreter: Interpreter) throws -> Value? {
        let f = object.frame
        switch name {
        case "check":
            return .function(NativeFunction("check", doc: "check(target: nil, test: nil) -> QualityReport\nRuns every data quality check (with test:, also train/test overlap and drift).",
                                            parameters: [.labelled("target"), .labelled("test")]) { a, _ in
                let target = try Convert.optionalString(a[0], "check(target:)")
                var test: Frame?
                if !a[1].isNil {
                    guard case .object(let o) = a[1], let t = o as? FrameObject else { throw ScriptError(.type, "check(test:) needs a Frame, got \(a[1].typeName)") }
                    test = t.frame
                }
                return .object(QualityReportObject(try Convert.data { try f.check(target: target, test: test) }))
            })
        case "clean":
            return .function(NativeFunction("clean", doc: "clean(dropDuplicates: true, impute: nil, dropColumns: [], dropConstant: false) -> Frame\nA cleaned copy; its .log says what changed.",
                                            parameters: [.labelled("dropDuplicates", default: .bool(true)), .labelled("impute"),
                                                         .labelled("dropColumns", default: .array([])), .labelled("dropConstant", default: .bool(false))]) { a, _ in
                var o = CleanOptions()
                o.dropDuplicates = try Convert.bool(a[0], "clean(dropDuplicates:)")
                if !a[1].isNil { o.impute = try strategyValue(a[1], "clean(impute:)") }
                o.dropColumns = try Convert.strings(a[2], "clean(dropColumns:)")
                o.dropConstant = try Convert.bool(a[3], "clean(dropConstant:)")
                return .object(FrameObject(try Convert.data { try f.clean(o) }))
            })
        default:
            return nil
        }
    }
}
