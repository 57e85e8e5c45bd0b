import Foundation
import TesseraTensor

/// The data half of a model fitted on a frame: the schema of its training rows, the
/// transforms fitted on them (in order), and their profile. It turns raw rows into the
/// network's features exactly as at fit: columns matched by name, each transform's learned
/// parameters applied, text targets mapped to the classes of fit. Saved with the network
/// (as JSON in the checkpoint's metadata), a model predicts raw rows in a new session.
public struct FittedPipeline: Sendable {
    public let schema: FeatureSchema
    /// The fitted transforms, applied in order.
    public let steps: [any FittedTransform]
    public let profile: TrainingProfile

    public init(schema: FeatureSchema, steps: [any FittedTransform], profile: TrainingProfile) {
        self.schema = schema
        self.steps = steps
        self.profile = profile
    }

    /// Fits `transforms` in order on the training rows (each on the output of the one
    /// before, as scikit-learn's Pipeline does), and returns the pipeline with the
    /// training rows' features and targets.
    public static func fit(_ transforms: [any Transform], on frame: Frame, target: String?) throws(DataError) -> (FittedPipeline, Prepared) {
        let schema = try FeatureSchema(frame, target: target, freeText: Set(transforms.compactMap { ($0 as? TextVectorization)?.column }))
        guard schema.target != nil else {
            throw DataError("which column is the target?", suggestion: "pass target: \"label\" (or read the CSV with target:)")
        }
        var rows = try schema.conform(frame).frame
        let profile = TrainingProfile(rows, target: schema.target)
        var steps: [any FittedTransform] = []
        for t in transforms {
            let fitted = try t.fitted(rows)
            rows = try fitted.apply(rows)
            steps.append(fitted)
        }
        // A text's ids are positions of one sequence for an Embedding: another feature column
        // beside them would be read as one more token id, silently.
        for case let text as TextVectorization.Fitted in steps {
            let others = rows.featureColumns(excluding: schema.target).map(\.name).filter { !text.outputNames.contains($0) }
            if !others.isEmpty {
                throw DataError("TextVectorization(\"\(text.column)\") gives the network the text's \(text.length) ids alone, but the frame has other feature columns: \(FeatureSchema.quoted(Array(others.prefix(8))))",
                                suggestion: "drop them before fitting (frame.drop([...])), or give the network only the text column")
            }
        }
        let pipeline = FittedPipeline(schema: schema, steps: steps, profile: profile)
        return (pipeline, try pipeline.tensors(rows, needTarget: true, dropped: [], unseen: []))
    }

    /// Features (and targets, when the frame has the target column) and what was noticed
    /// on the way.
    public struct Prepared: Sendable {
        public let features: Tensor
        public let targets: Tensor?
        /// Extra columns ignored (with strict: false).
        public let dropped: [String]
        /// Categories not seen at fit, per column.
        public let unseen: [(column: String, rows: Int, values: [(String, Int)])]
    }

    /// New rows as the network's features: checked against the schema (see
    /// `FeatureSchema.conform`), then through every fitted transform.
    public func prepare(_ frame: Frame, strict: Bool = true, needTarget: Bool = false) throws(DataError) -> Prepared {
        let (rows, dropped) = try schema.conform(frame, strict: strict)
        if needTarget, let target = schema.target, !rows.hasColumn(target) {
            throw DataError("this frame has no target column '\(target)' to score against", suggestion: "give a frame with the '\(target)' column the model was fitted on")
        }
        let unseen = schema.unseen(in: rows)
        var out = rows
        for step in steps { out = try step.apply(out) }
        return try tensors(out, needTarget: needTarget, dropped: dropped, unseen: unseen)
    }

    /// The transformed rows as tensors: every column but the target as features; the
    /// target as class indices in the fitted classes' order (a text target), or its values.
    func tensors(_ frame: Frame, needTarget: Bool, dropped: [String], unseen: [(column: String, rows: Int, values: [(String, Int)])]) throws(DataError) -> Prepared {
        let features = try frame.drop(schema.target.flatMap { frame.hasColumn($0) ? [$0] : nil } ?? [])
        // Infinities would reach the network as NaN losses; say where they are first (as
        // scikit-learn refuses "Input X contains infinity").
        for c in features.columns {
            guard case .float64(let v) = c.storage else { continue }
            let bad = v.indices.filter { !c.isMissing($0) && !v[$0].isFinite }
            if !bad.isEmpty {
                throw DataError("column '\(c.name)' holds \(bad.count) infinite or NaN value\(bad.count == 1 ? "" : "s") (row \(bad[0]) first) after the pipeline's transforms",
                                suggestion: "drop those rows first: frame.filter { row in row.\(c.name) == nil || abs(row.\(c.name)) < inf }")
            }
        }
        let x: Tensor
        do { x = try features.featureTensor() } catch {
            throw DataError(error.message, suggestion: steps.isEmpty ? error.suggestion : "add the transform that handles it to the Pipeline (Impute() fills gaps, OneHot() encodes text)")
        }
        var y: Tensor?
        if let target = schema.target, frame.hasColumn(target) {
            y = try targets(frame.column(target))
        }
        return Prepared(features: x, targets: y, dropped: dropped, unseen: unseen)
    }

    /// A target column as numbers: a text target's classes as their index among the fitted
    /// classes (so a test split without some class maps the others as at fit).
    func targets(_ c: Column) throws(DataError) -> Tensor {
        if let gap = c.missingCount > 0 ? c.missingCount : nil {
            throw DataError("the target column '\(c.name)' has \(gap) missing values", suggestion: "drop those rows: frame.filter { row in row.\(c.name) != nil }")
        }
        var values = [Float](repeating: 0, count: c.count)
        if let classes = schema.classes {
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Float($0)) })
            var unknown: [String: Int] = [:]
            for i in 0..<c.count {
                let t = c.text(at: i) ?? ""
                if let k = index[t] { values[i] = k } else { unknown[t, default: 0] += 1 }
            }
            if !unknown.isEmpty {
                throw DataError("the target '\(c.name)' has classes the model was not fitted with: " + unknown.sorted { $0.key < $1.key }.map { "'\($0.key)' (\($0.value) rows)" }.joined(separator: ", "),
                                suggestion: "the model knows " + classes.map { "'\($0)'" }.joined(separator: ", "))
            }
        } else {
            guard c.dtype != .string else {
                throw DataError("the target '\(c.name)' holds text, but the model was fitted on a numeric target", suggestion: "convert it to the numbers it was fitted with")
            }
            for i in 0..<c.count { values[i] = Float(c.double(at: i) ?? 0) }
        }
        return Tensor(shape: [c.count], storage: values)
    }

    // MARK: The saved form

    /// The pipeline as JSON (the checkpoint's "pipeline" metadata; docs/design.md documents it).
    public func json() throws(DataError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            let saved = Saved(format: Saved.currentFormat, schema: schema, steps: steps.map(Saved.Step.init), profile: profile)
            return String(decoding: try encoder.encode(saved), as: UTF8.self)
        } catch {
            throw DataError("the pipeline could not be written as JSON: \(error)")
        }
    }

    /// A pipeline from `json()`'s text; every part is checked as it is decoded.
    public init(json: String) throws(DataError) {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let saved: Saved
        do { saved = try decoder.decode(Saved.self, from: Data(json.utf8)) } catch {
            throw DataError("the saved pipeline is not valid: \(Self.reason(error))")
        }
        guard saved.format == Saved.currentFormat else {
            throw DataError("the saved pipeline has format \(saved.format); this Tessera reads format \(Saved.currentFormat)")
        }
        try Self.validate(saved)
        let steps = saved.steps.map(\.fitted)
        self.init(schema: saved.schema, steps: steps, profile: saved.profile)
    }

    /// What decoding cannot check by type: names and classes unique, bins that match
    /// their edges or keys (a saved file is hostile until checked).
    static func validate(_ saved: Saved) throws(DataError) {
        func bad(_ why: String) -> DataError { DataError("the saved pipeline is not valid: \(why)") }
        let names = saved.schema.featureNames
        if Set(names).count != names.count { throw bad("a feature is named twice") }
        if let t = saved.schema.target, names.contains(t) { throw bad("the target '\(t)' is also a feature") }
        if let classes = saved.schema.classes, Set(classes).count != classes.count { throw bad("a class is named twice") }
        for f in saved.profile.features {
            guard let d = f.distribution else { continue }
            let bins: Int
            switch (d.edges, d.keys) {
            case (let edges?, nil): bins = edges.count + 1
            case (nil, let keys?):
                if Set(keys).count != keys.count { throw bad("feature '\(f.name)' lists a category twice") }
                bins = keys.count + 1
            default: throw bad("feature '\(f.name)' has both or neither of edges and keys")
            }
            if d.fractions.count != bins || !d.fractions.allSatisfy({ $0.isFinite && $0 >= 0 }) {
                throw bad("feature '\(f.name)' has \(d.fractions.count) bin fractions for \(bins) bins (or one that is not a fraction)")
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let c): return "\(Self.path(c.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "\(Self.path(c.codingPath)): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String { keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined() }

    /// The JSON's shape: `{"format": 1, "schema": {...}, "steps": [{"kind": "Impute",
    /// "fitted": {...}}, ...], "profile": {...}}`.
    struct Saved: Codable {
        static let currentFormat = 1
        let format: Int
        let schema: FeatureSchema
        let steps: [Step]
        let profile: TrainingProfile

        /// A fitted transform under its kind, which says how to decode it.
        struct Step: Codable {
            let fitted: any FittedTransform
            init(_ fitted: any FittedTransform) { self.fitted = fitted }

            enum Key: String, CodingKey { case kind, fitted }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(type(of: fitted).kind, forKey: .kind)
                try c.encode(fitted, forKey: .fitted)
            }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: Key.self)
                let kind = try c.decode(String.self, forKey: .kind)
                guard let type = FittedTransforms.type(named: kind) else {
                    throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "'\(kind)' is not a transform this Tessera knows (" + FittedTransforms.all.map { $0.kind }.joined(separator: ", ") + ")")
                }
                fitted = try c.decode(type, forKey: .fitted)
            }
        }
    }
}
