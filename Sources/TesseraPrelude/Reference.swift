import Foundation
import TesseraScript

/// The prelude's reference (docs/reference.md), made from the functions' declarations: a
/// section per piece, an entry per name with its signature, summary, parameters (type,
/// default, range), errors and an example. A name whose binding has no declaration yet is
/// listed with the signature and text of its doc, and marked as such.
public enum Reference {
    /// The prelude's functions by section, in the order the reference shows them.
    public static var sections: [(title: String, functions: [NativeFunction])] {
        [("The language's built-ins", CoreLibrary.functions), ("Rich output", RichText.functions), ("1. Data", DataBindings.functions),
         ("2. Metrics and business value", MetricsBindings.functions), ("3. Tensors and backends", TensorBindings.functions),
         ("4. Networks", NNBindings.functions), ("5. Tuning", TuneBindings.functions), ("Beyond one machine", DistributedBindings.functions),
         ("Text", TextBindings.functions)]
    }

    /// Every prelude function, once (the first section that binds a name wins, as in a session).
    public static var functions: [NativeFunction] {
        var seen = Set<String>()
        return sections.flatMap(\.functions).filter { seen.insert($0.name).inserted }
    }

    /// The prelude's constants.
    public static let constants: [(name: String, doc: String)] = [
        ("pi", "π, the ratio of a circle's circumference to its diameter (a Double)."),
        ("inf", "Positive infinity (a Double); -inf is negative infinity."),
        ("nan", "Not a number (a Double): what 0.0 / 0.0 gives; nan != nan."),
    ]

    /// The native objects whose members are declared: type name, methods, properties.
    public static var memberSections: [(type: String, methods: [Declaration], properties: [(name: String, doc: String)])] {
        [("Tensor", TensorObject.nativeMembers.declarations, TensorObject.nativeMembers.properties),
         ("Tensor (int32: argmax's result, t.int())", IndexTensorObject.nativeMembers.declarations, IndexTensorObject.nativeMembers.properties),
         ("Frame", FrameObject.nativeMembers.declarations, FrameObject.nativeMembers.properties),
         ("Column (frame[name])", ColumnObject.nativeMembers.declarations, ColumnObject.nativeMembers.properties),
         ("GroupBy (frame.groupBy(keys))", GroupByObject.nativeMembers.declarations, GroupByObject.nativeMembers.properties),
         ("Model", ModelObject.nativeMembers.declarations, ModelObject.nativeMembers.properties),
         ("DriftReport (model.drift(frame))", DriftObject.nativeMembers.declarations, DriftObject.nativeMembers.properties),
         ("History", HistoryObject.nativeMembers.declarations, HistoryObject.nativeMembers.properties),
         ("Optimizer", OptimizerObject.nativeMembers.declarations, OptimizerObject.nativeMembers.properties),
         ("Confusion", ConfusionObject.nativeMembers.declarations, ConfusionObject.nativeMembers.properties),
         ("Sweep (thresholdSweep's chart)", SweepObject.nativeMembers.declarations, SweepObject.nativeMembers.properties),
         ("Importance", ImportanceObject.nativeMembers.declarations, ImportanceObject.nativeMembers.properties),
         ("Objective, Constraint, Stored", SpecObject.nativeMembers.declarations, SpecObject.nativeMembers.properties),
         ("Devices (devices()'s table)", DevicesObject.nativeMembers.declarations, DevicesObject.nativeMembers.properties),
         ("QualityReport (frame.check())", QualityReportObject.nativeMembers.declarations, QualityReportObject.nativeMembers.properties),
         ("Transform (Standardize(), OneHot(), Impute())", TransformObject.nativeMembers.declarations, TransformObject.nativeMembers.properties),
         ("FittedTransform", FittedObject.nativeMembers.declarations, FittedObject.nativeMembers.properties),
         ("Study", StudyObject.nativeMembers.declarations, StudyObject.nativeMembers.properties),
         ("Trial", TrialObject.nativeMembers.declarations, TrialObject.nativeMembers.properties),
         ("ParseReport (frame.report)", ParseReportObject.nativeMembers.declarations, ParseReportObject.nativeMembers.properties),
         ("Rich values (html, svg, markdown, tables, charts)", RichValue.nativeMembers.declarations, RichValue.nativeMembers.properties),
         ("Error (error(...))", ErrorObject.nativeMembers.declarations, ErrorObject.nativeMembers.properties),
         ("Row (a cost matrix closure's argument)", DecisionRow.nativeMembers.declarations, DecisionRow.nativeMembers.properties)]
    }

    /// Per type, other libraries' member names and the members they are here (pandas'
    /// `to_csv` is a Frame's `writeCSV`): errors suggest them and the reference lists them.
    public static var memberAliases: [String: [String: String]] {
        ["Frame": FrameObject.nativeMembers.aliases, "Column (frame[name])": ColumnObject.nativeMembers.aliases, "Model": ModelObject.nativeMembers.aliases,
         "Tensor": TensorObject.nativeMembers.aliases, "Study": StudyObject.nativeMembers.aliases, "Trial": TrialObject.nativeMembers.aliases]
    }

    /// docs/reference.md.
    public static var markdown: String {
        var out = """
            # Prelude reference

            Every name a Tessera session defines, generated from the declarations in the source
            (`tessera reference > docs/reference.md`; a test checks that this file is current).
            `%help name` in a session prints the same entry.

            """
        out += "\n## Constants\n\n" + constants.map { "- `\($0.name)`: \($0.doc)" }.joined(separator: "\n") + "\n"
        var seen = Set<String>()
        for (title, functions) in sections {
            let fresh = functions.filter { seen.insert($0.name).inserted }.sorted { $0.name.lowercased() < $1.name.lowercased() }
            guard !fresh.isEmpty else { continue }
            out += "\n## \(title)\n\n" + fresh.map(\.name).map { "[`\($0)`](#\(anchor($0)))" }.joined(separator: " · ") + "\n"
            for f in fresh { out += "\n" + entry(f) }
        }
        for (type, methods, properties) in memberSections {
            out += "\n## \(type) members\n\n" + properties.map { "- `.\($0.name)`: \($0.doc)" }.joined(separator: "\n") + "\n"
            if let aliases = memberAliases[type], !aliases.isEmpty {
                out += "\nOther libraries' names: " + aliases.sorted { $0.key < $1.key }.map { "`\($0.key)` is `\($0.value)`" }.joined(separator: ", ") + ".\n"
            }
            for d in methods { out += "\n" + entry(d, title: "\(type).\(d.name)") }
        }
        return out
    }

    static func anchor(_ name: String) -> String { name.lowercased() }

    /// One function's entry.
    /// One function's entry. Every prelude function is declared (DeclarationTests); one
    /// that is not shows its doc text, so the gap is visible rather than hidden.
    static func entry(_ f: NativeFunction) -> String {
        f.declaration.map { entry($0, title: $0.name) } ?? "### \(f.name)\n\n```\n\(f.doc)\n```\n"
    }

    /// A declaration's entry under `title` (`Model.fit` for a member).
    static func entry(_ d: Declaration, title: String) -> String {
        var s = "### \(title)\n\n`\(d.signature)`\n\n" + d.otherForms.map { "or `\($0)`\n\n" }.joined() + "\(d.summary)\n"
        if let more = d.discussion { s += "\n\(more)\n" }
        if !d.parameters.isEmpty {
            s += "\n| parameter | type | default | range | |\n| --- | --- | --- | --- | --- |\n"
            for p in d.parameters {
                let dflt = p.variadic ? "any number" : p.isRequired ? "required" : "`" + (p.defaultText ?? p.defaultValue!.debugDescription) + "`"
                let cells = ["`\(p.label ?? "_ " + p.name)`", p.type.name, dflt, p.range.map { "\($0)" } ?? "", p.doc]
                // A bar inside a cell (Array | Tensor) would end it.
                s += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
        }
        if !d.errors.isEmpty {
            s += "\n" + d.errors.map { "- `\($0.kind.rawValue)` when \($0.when)" }.joined(separator: "\n") + "\n"
        }
        if let e = d.example { s += "\n```swift\n\(e)\n```\n" }
        return s
    }
}
