import Foundation
import TesseraData
import TesseraDisplay
import TesseraScript
import TesseraTensor

/// A model and its data: the transforms of a `Pipeline([...])`, fitted with the network on
/// the training frame, and the schema and profile of that frame. Every model fitted on a
/// frame keeps them, so later frames are matched by column name, checked, transformed as
/// the training rows were, and compared with them.
extension ModelObject {
    /// Features (and targets) from a Frame, through the model's fitted pipeline; the first
    /// fit on a frame fits it. Predictions report, on stderr, the extra columns ignored,
    /// categories not seen at fit and rows outside the training data.
    func frameData(_ frame: Frame, target: Value, needTarget: Bool, fitting: Bool, strict: Bool, what: String, interp: Interpreter?) throws -> (Tensor, Tensor?) {
        let name = try Convert.optionalString(target, "\(what) target:")
        if let pipeline {
            if let name, name != pipeline.schema.target {
                throw ScriptError(.value, "\(what): the model was fitted with target '\(pipeline.schema.target ?? "none")', not '\(name)'",
                                  suggestion: "leave target: out (the model knows its target)")
            }
            let prepared = try ScriptError.converting { try pipeline.prepare(frame, strict: strict, needTarget: needTarget) }
            if !fitting, let interp { warn(prepared, frame: frame, what: what, interp) }
            return (prepared.features, prepared.targets)
        }
        guard fitting else {
            guard transforms.isEmpty else {
                throw ScriptError(.value, "\(what): this Pipeline has not been fitted yet", suggestion: "fit it first: model.fit(train, target: \"label\")")
            }
            // A model trained on tensors: the frame's columns in their order, as before.
            if needTarget || name != nil || frame.target != nil {
                let t = try ScriptError.converting { try frame.tensors(target: name) }
                return (t.features, t.target)
            }
            return (try ScriptError.converting { try frame.featureTensor() }, nil)
        }
        let (fitted, prepared) = try ScriptError.converting { try FittedPipeline.fit(transforms, on: frame, target: name) }
        pipeline = fitted
        return (prepared.features, prepared.targets)
    }

    /// One stderr line per thing a prediction's rows showed, so a notebook shows it under
    /// the cell without stopping it.
    func warn(_ p: FittedPipeline.Prepared, frame: Frame, what: String, _ interp: Interpreter) {
        var lines: [String] = []
        if !p.dropped.isEmpty { lines.append("ignored \(p.dropped.count == 1 ? "a column" : "\(p.dropped.count) columns") the model was not fitted with: " + p.dropped.map { "'\($0)'" }.joined(separator: ", ")) }
        for u in p.unseen {
            let shown = u.values.prefix(3).map { "'\($0.0)' (\($0.1))" }.joined(separator: ", ") + (u.values.count > 3 ? ", ..." : "")
            lines.append("column '\(u.column)': \(u.rows) row\(u.rows == 1 ? "" : "s") with \(u.values.count == 1 ? "a category" : "\(u.values.count) categories") not seen in training: \(shown); \(unseenFate(u.column))")
        }
        if let pipeline, let drift = pipeline.profile.drift(frame, psi: false).warning {
            lines.append(drift + "; model.drift(frame) has the details")
        }
        for line in lines { interp.host.write("Warning: \(what): \(line)\n", to: .stderr) }
    }

    /// What the pipeline's encoding does with a category it has not seen.
    func unseenFate(_ column: String) -> String {
        for case let step as OneHot.Fitted in pipeline?.steps ?? [] {
            if let e = step.categories.first(where: { $0.name == column }) {
                return e.other ? "encoded as '\(column)=(other)'" : "encoded as all zeros"
            }
        }
        return "no transform encodes it"
    }

    /// Splits off a share of the training data for validation, as Keras' validationSplit
    /// does, but shuffled by `seed` and stratified by class for a classifier (as frames split).
    static func validationSplit(_ x: Tensor, _ y: Tensor, fraction: Double, seed: UInt64, stratify: Bool) throws -> (train: (Tensor, Tensor), validation: (Tensor, Tensor)) {
        guard fraction > 0, fraction < 1 else { throw ScriptError(.value, "fit(validationSplit:) is a fraction between 0 and 1 (exclusive), got \(fraction)") }
        let n = x.shape.first ?? 0
        let keys = stratify ? y.storage.prefix(n).map { CellValue.double(Double($0)) } : nil
        let (train, held) = Frame.splitRows(n, keys: keys, trainFraction: 1 - fraction, seed: seed)
        guard !train.isEmpty, !held.isEmpty else {
            throw ScriptError(.value, "fit(validationSplit: \(fraction)) leaves \(train.isEmpty ? "no rows to train on" : "no rows to validate on") out of \(n)")
        }
        func rows(_ t: Tensor, _ idx: [Int]) throws -> Tensor { try ScriptError.converting { try t.gather(idx) } }
        return ((try rows(x, train), try rows(y, train)), (try rows(x, held), try rows(y, held)))
    }
}

/// `model.drift(frame)`: new rows against the model's training rows, a row per feature.
final class DriftObject: DeclaredMembers {
    let report: DriftReport
    init(_ report: DriftReport) { self.report = report }
    var typeName: String { "DriftReport" }
    var plainText: String { table.bundle.plain }
    var richRepresentations: [(mime: String, data: String)] { table.bundle.entries.filter { $0.mime != "text/plain" } }

    var table: Table {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "" }
        let rows = report.columns.map { c in
            [c.name, c.psi.map { String(format: "%.3f", $0) } ?? "", String(c.outside), f(c.trainMin) + (c.trainMin == nil ? "" : " ... ") + f(c.trainMax),
             f(c.newMin) + (c.newMin == nil ? "" : " ... ") + f(c.newMax), f(c.worstZ), c.status.rawValue]
        }
        return Table(columns: ["feature", "PSI", "rows outside", "training range", "range here", "largest z", "status"], rows: rows, numericColumns: [1, 2, 5],
                     caption: "Drift: \(report.outsideRows) of \(report.rows) rows outside the training data (beyond its range by more than \(String(format: "%g", report.margin * 100))% of it, or beyond it with |z| > \(String(format: "%g", report.zLimit)))")
    }

    static let nativeMembers = NativeMembers<DriftObject>([
        .property(name: "rows", doc: "How many rows were compared.") { o in .int(o.report.rows) },
        .property(name: "outside", doc: "How many rows have a feature outside the training data.") { o in .int(o.report.outsideRows) },
        .property(name: "worst", doc: "The features with rows outside, most first.") { o in .array(o.report.worst.map { .string($0.name) }) },
        .property(name: "psi", doc: "Feature → its population stability index against training (as the drift check computes it).") { o in
            Convert.dict(o.report.columns.compactMap { c in c.psi.map { (c.name, .double($0)) } })
        },
        .property(name: "features", doc: "A Dict per feature: name, psi, outside, trainMin, trainMax, min, max, worstZ, status.") { o in
            .array(o.report.columns.map { c in
                Convert.dict([("name", .string(c.name)), ("psi", c.psi.map { .double($0) } ?? .nil), ("outside", .int(c.outside)),
                              ("trainMin", c.trainMin.map { .double($0) } ?? .nil), ("trainMax", c.trainMax.map { .double($0) } ?? .nil),
                              ("min", c.newMin.map { .double($0) } ?? .nil), ("max", c.newMax.map { .double($0) } ?? .nil),
                              ("worstZ", c.worstZ.map { .double($0) } ?? .nil), ("status", .string(c.status.rawValue))])
            })
        },
        .property(name: "warning", doc: "The line a prediction warns with; nil when every row is inside.") { o in o.report.warning.map { .string($0) } ?? .nil },
    ])
}
