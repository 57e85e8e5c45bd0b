import TesseraData
import TesseraDisplay
import TesseraScript

/// `frame.check(...)` in the language: an HTML table of pass/warn/fail checks, each with
/// its detail and advice; `.status(name)`, `.failed`, `.warned`, `.detail(name)`.
final class QualityReportObject: NativeObject {
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

    var memberNames: [String] { ["status", "failed", "warned", "passed", "detail", "advice", "checks"] }

    func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        switch name {
        case "failed": return .array(report.failed.map { .string($0) })
        case "warned": return .array(report.warned.map { .string($0) })
        case "passed": return .bool(report.passed)
        case "checks": return .array(report.results.map { .string($0.name) })
        case "status", "detail", "advice":
            return .function(NativeFunction(name, doc: "\(name)(_ check) -> String\nThe named check's \(name).", parameters: [.positional()]) { a, _ in
                let check = try Convert.string(a[0], "\(name)(_:)")
                guard let r = self.report.result(check) else {
                    let known = self.report.results.map(\.name)
                    throw ScriptError(.key, "no check named '\(check)' in this report",
                                      suggestion: Suggest.closest(to: check, in: known).map { "did you mean '\($0)'?" } ?? "the checks are \(known.joined(separator: ", "))")
                }
                switch name {
                case "status": return .string(r.status.rawValue)
                case "detail": return .string(r.detail)
                default: return .string(r.advice)
                }
            })
        default: return nil
        }
    }
}

/// A transform before fitting: `Standardize()`, `OneHot()`, `Impute(.median)`; `.fit(train)`.
final class TransformObject: NativeObject {
    let name: String
    let fit: (Frame) throws -> AnyFitted
    init(name: String, fit: @escaping (Frame) throws -> AnyFitted) { self.name = name; self.fit = fit }
    var typeName: String { "Transform" }
    var plainText: String { "\(name) (not fitted: call .fit(train))" }
    var memberNames: [String] { ["fit"] }
    func member(_ member: String, _ interpreter: Interpreter) throws -> Value? {
        guard member == "fit" else { return nil }
        return .function(NativeFunction("fit", doc: "fit(_ frame) -> FittedTransform\nLearns the parameters from this frame (the training rows).", parameters: [.positional()]) { a, _ in
            guard case .object(let o) = a[0], let f = o as? FrameObject else { throw ScriptError(.type, "fit(_:) needs a Frame, got \(a[0].typeName)") }
            return .object(FittedObject(name: self.name, fitted: try Convert.data { try self.fit(f.frame) }))
        })
    }
}

/// A fitted transform: `.apply(frame)` with the parameters learned in fit.
final class FittedObject: NativeObject {
    let name: String
    let fitted: AnyFitted
    init(name: String, fitted: AnyFitted) { self.name = name; self.fitted = fitted }
    var typeName: String { "FittedTransform" }
    var plainText: String { "\(name), fitted:\n" + fitted.summary.map { "  " + $0 }.joined(separator: "\n") }
    var memberNames: [String] { ["apply", "summary"] }
    func member(_ member: String, _ interpreter: Interpreter) throws -> Value? {
        switch member {
        case "summary": return .array(fitted.summary.map { .string($0) })
        case "apply":
            return .function(NativeFunction("apply", doc: "apply(_ frame) -> Frame\nApplies the fitted parameters (train's) to any frame.", parameters: [.positional()]) { a, _ in
                guard case .object(let o) = a[0], let f = o as? FrameObject else { throw ScriptError(.type, "apply(_:) needs a Frame, got \(a[0].typeName)") }
                return .object(FrameObject(try Convert.data { try self.fitted.apply(f.frame) }))
            })
        default: return nil
        }
    }
}

/// A fitted transform of any kind.
struct AnyFitted {
    let apply: (Frame) throws -> Frame
    let summary: [String]
    init<F: FittedTransform>(_ f: F) {
        apply = { try f.apply($0) }
        summary = f.summary
    }
}
