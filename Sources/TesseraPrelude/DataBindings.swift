import Foundation
import TesseraData
import TesseraScript

/// The data piece of the prelude: `readCSV`, `dataset`, and the Frame methods that
/// check and clean (LANGUAGE.md, "1. Data").
enum DataBindings {
    static var functions: [NativeFunction] { [readCSV] }

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
            throw ScriptError(.interrupted, "interrupted while reading '\(path)'")
        }
        return .object(FrameObject(frame))
    }

    /// Frame members that belong to checking and cleaning (added with those features).
    static func frameMember(_ name: String, _ object: FrameObject, _ interpreter: Interpreter) throws -> Value? {
        nil
    }
}
