import TesseraData
import TesseraDisplay
import TesseraScript

/// `frame.check(...)` in the language: an HTML table of pass/warn/fail checks, each with
/// its detail and advice; `.status(name)`, `.failed`, `.warned`, `.detail(name)`.
final class QualityReportObject: DeclaredMembers {
    let report: QualityReport
    init(_ report: QualityReport) { self.report = report }

    var typeName: String { "QualityReport" }
    var plainText: String { table.plainText }

    var richRepresentations: [(mime: String, data: String)] {
        var html = "<table class=\"tessera-table tessera-quality \(HTML.noMath)\"><caption>\(HTML.escape(caption))</caption>"
        html += "<thead><tr><th>check</th><th>status</th><th>detail</th><th>advice</th></tr></thead><tbody>"
        for r in report.results {
            let colour = r.status == .pass ? "#2a7d2a" : r.status == .warn ? "#b26a00" : "#c0392b"
            html += "<tr><td>\(HTML.escape(r.name))</td><td style=\"color:\(colour);font-weight:bold\">\(r.status.rawValue)</td>"
            html += "<td>\(HTML.escape(r.detail))</td><td>\(HTML.escape(r.advice))</td></tr>"
        }
        return [("text/html", html + "</tbody></table>")]
    }

    var caption: String {
        "Data quality: \(report.results.filter { $0.status == .pass }.count) pass, \(report.warned.count) warn, \(report.failed.count) fail (\(report.rows) rows)"
    }

    var table: Table {
        Table(columns: ["check", "status", "detail"], rows: report.results.map { [$0.name, $0.status.rawValue, $0.detail] }, caption: caption)
    }

    /// The result of the named check, or a KeyError that suggests the nearest name.
    func result(_ check: String) throws -> QualityReport.Result {
        guard let r = report.result(check) else {
            let known = report.results.map(\.name)
            throw ScriptError(.key, "no check named '\(check)' in this report",
                              suggestion: Suggest.closest(to: check, in: known).map { "did you mean '\($0)'?" } ?? "the checks are \(known.joined(separator: ", "))")
        }
        return r
    }

    static func perCheck(_ name: String, _ what: String, _ read: @escaping (QualityReport.Result) -> String) -> NativeMembers<QualityReportObject>.Member {
        .method(Declaration(name, [.positional("check", .string, "a check's name: \"missing\", \"leakage\", ...")], returns: "String",
                            summary: "The named check's \(what).",
                            example: "let report = dataset(\"fraud\", rows: 1000, dirty: true).check(target: \"label\")\nreport.\(name)(\"duplicates\")",
                            errors: [(.key, "the report has no check of that name")])) { o, a, _ in .string(read(try o.result(try a.string("check")))) }
    }

    static let nativeMembers = NativeMembers<QualityReportObject>([
        perCheck("status", "status: \"pass\", \"warn\" or \"fail\"") { $0.status.rawValue },
        perCheck("detail", "detail: what it saw") { $0.detail },
        perCheck("advice", "advice: what to do about it") { $0.advice },
        .property(name: "failed", doc: "The names of the checks that failed.") { o in .array(o.report.failed.map { .string($0) }) },
        .property(name: "warned", doc: "The names of the checks that warned.") { o in .array(o.report.warned.map { .string($0) }) },
        .property(name: "passed", doc: "Whether no check failed.") { o in .bool(o.report.passed) },
        .property(name: "checks", doc: "Every check's name, in the order they ran.") { o in .array(o.report.results.map { .string($0.name) }) },
    ])
}

/// A transform before fitting: `Standardize()`, `OneHot()`, `Impute(.median)`; `.fit(train)`,
/// or a step of a `Pipeline([...])`.
final class TransformObject: DeclaredMembers {
    let transform: any Transform
    init(_ transform: any Transform) { self.transform = transform }
    var typeName: String { "Transform" }
    var plainText: String { "\(transform.description) (not fitted: call .fit(train), or make it a step of a Pipeline)" }
    static let nativeMembers = NativeMembers<TransformObject>([
        .method(Declaration("fit", [.positional("frame", .object("Frame"), "the training rows, whose statistics the transform learns")],
                            returns: "FittedTransform", summary: "Learns the transform's parameters from this frame (the training rows, never the test rows).",
                            example: "let (train, test) = dataset(\"iris\").split(0.8, seed: 1)\nStandardize().fit(train)")) { o, a, _ in
            let f = try a.object("frame", as: FrameObject.self)!
            return .object(FittedObject(name: o.transform.description, fitted: try ScriptError.converting { try o.transform.fitted(f.frame) }))
        },
    ])
}

/// A fitted transform: `.apply(frame)` with the parameters learned in fit.
final class FittedObject: DeclaredMembers {
    let name: String
    let fitted: any FittedTransform
    init(name: String, fitted: any FittedTransform) { self.name = name; self.fitted = fitted }
    var typeName: String { "FittedTransform" }
    var plainText: String { "\(name), fitted:\n" + fitted.summary.map { "  " + $0 }.joined(separator: "\n") }
    static let nativeMembers = NativeMembers<FittedObject>([
        .method(Declaration("apply", [.positional("frame", .object("Frame"), "any frame with the columns it was fitted on")],
                            returns: "Frame", summary: "Applies the parameters learned in fit (the training rows') to a frame.",
                            example: "let (train, test) = dataset(\"iris\").split(0.8, seed: 1)\nStandardize().fit(train).apply(test)")) { o, a, _ in
            let frame = try a.object("frame", as: FrameObject.self)!.frame
            return .object(FrameObject(try ScriptError.converting { try o.fitted.apply(frame) }))
        },
        .property(name: "summary", doc: "What was learned, a line per column.") { o in .array(o.fitted.summary.map { .string($0) }) },
    ])
}
