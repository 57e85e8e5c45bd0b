/// What a model was fitted on: its feature columns (names, order, types, and the
/// categories of text columns) and its target (name, and classes when they are text), so
/// new rows can be matched to it by name and checked before a number reaches the network.
/// scikit-learn keeps `feature_names_in_`; this also keeps types and categories.
public struct FeatureSchema: Sendable, Codable, Equatable {
    public struct Feature: Sendable, Codable, Equatable {
        public let name: String
        public let dtype: Column.DType
        /// Every category of a text column at fit, sorted; nil for other columns, and for
        /// text columns with more than `FeatureSchema.mostCategories` (an id, a free text).
        public let categories: [String]?
    }

    public let features: [Feature]
    /// The label column; nil for a model fitted on features alone.
    public let target: String?
    /// A text target's classes in the order of the model's outputs (sorted); nil for a
    /// numeric target.
    public let classes: [String]?

    /// Text columns with more categories than this keep none (the file stays small).
    public static let mostCategories = 10_000

    public var featureNames: [String] { features.map(\.name) }

    /// The schema of `frame`'s columns: the target (named, or the frame's own) and every
    /// other column as a feature, in order. The `freeText` columns (a TextVectorization's)
    /// keep no categories: every text is new there, and that is no news.
    public init(_ frame: Frame, target: String?, freeText: Set<String> = []) throws(DataError) {
        let targetName = target ?? frame.target
        if let targetName, !frame.hasColumn(targetName) { throw DataError.noColumn(targetName, in: frame.columnNames) }
        features = frame.columns.filter { $0.name != targetName }.map { c in
            var categories: [String]?
            if c.dtype == .string, !freeText.contains(c.name) {
                let all = c.uniqueTexts
                categories = all.count <= Self.mostCategories ? all.sorted() : nil
            }
            return Feature(name: c.name, dtype: c.dtype, categories: categories)
        }
        self.target = targetName
        // The classes the rows hold (a filtered frame keeps the categories of rows it dropped).
        if let targetName, case let y = try frame.column(targetName), y.dtype == .string {
            classes = y.uniqueTexts.sorted()
        } else {
            classes = nil
        }
    }

    /// Whether values of `now` can stand where `fitted` was: the same type, or both numbers
    /// (a column of whole numbers reads as int64 in one file and float64 in another; a Bool
    /// is 0 or 1).
    static func compatible(_ fitted: Column.DType, _ now: Column.DType) -> Bool {
        fitted == now || (fitted != .string && now != .string)
    }

    /// `frame`'s feature columns (and its target column, when it has one) in the fitted
    /// order, matched by name. A missing feature or a type that changed is a DataError that
    /// names the columns; so is an extra column unless `strict` is false, when it is dropped
    /// and named in `dropped`.
    public func conform(_ frame: Frame, strict: Bool = true) throws(DataError) -> (frame: Frame, dropped: [String]) {
        let names = Set(frame.columnNames)
        let missing = features.map(\.name).filter { !names.contains($0) }
        if !missing.isEmpty {
            let close = missing.compactMap { m in DataError.closest(m, in: frame.columnNames.filter { !featureNames.contains($0) }).map { "'\(m)' may be '\($0)'" } }
            throw DataError("the model was fitted with \(missing.count == 1 ? "a column" : "\(missing.count) columns") that this frame lacks: \(Self.quoted(missing))",
                            suggestion: close.isEmpty ? "give every column the model was fitted on (model.features lists them)" : close.joined(separator: ", ") + ": rename it")
        }
        let known = Set(featureNames + (target.map { [$0] } ?? []))
        let extra = frame.columnNames.filter { !known.contains($0) }
        if !extra.isEmpty && strict {
            throw DataError("this frame has \(extra.count == 1 ? "a column" : "\(extra.count) columns") the model was not fitted with: \(Self.quoted(extra))",
                            suggestion: "drop \(extra.count == 1 ? "it" : "them") (frame.drop([...])), or pass strict: false to ignore \(extra.count == 1 ? "it" : "them")")
        }
        var retyped: [(name: String, fitted: Column.DType, now: Column.DType)] = []
        var columns: [Column] = []
        for f in features {
            let c = try frame.column(f.name)
            if !Self.compatible(f.dtype, c.dtype) { retyped.append((f.name, f.dtype, c.dtype)) }
            columns.append(c)
        }
        if let first = retyped.first {
            throw DataError("column types changed since fit: " + retyped.map { "'\($0.name)' was \($0.fitted.rawValue) at fit and is \($0.now.rawValue) here" }.joined(separator: "; "),
                            suggestion: "read the file with the fit's types, e.g. readCSV(path, types: [\"\(first.name)\": \"\(first.fitted.rawValue)\"])")
        }
        if let target, frame.hasColumn(target) { columns.append(try frame.column(target)) }
        var out = try Frame(columns: columns, target: target.flatMap { frame.hasColumn($0) ? $0 : nil }, parseReport: frame.parseReport)
        out.log = frame.log
        return (out, extra)
    }

    /// Per text feature, the rows whose category was not seen at fit, with the commonest
    /// such values; only columns that have any.
    public func unseen(in frame: Frame) -> [(column: String, rows: Int, values: [(String, Int)])] {
        var out: [(String, Int, [(String, Int)])] = []
        for f in features {
            guard let categories = f.categories, let c = try? frame.column(f.name) else { continue }
            let known = Set(categories)
            var counts: [String: Int] = [:]
            for i in 0..<c.count { if let t = c.text(at: i), !known.contains(t) { counts[t, default: 0] += 1 } }
            guard !counts.isEmpty else { continue }
            let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            out.append((f.name, top.reduce(0) { $0 + $1.value }, top.map { ($0.key, $0.value) }))
        }
        return out
    }

    static func quoted(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
}
