import Foundation
import TesseraScript

/// A sample value of each type that the prelude's docs name as a result
/// (`dataset(_ name, ...) -> Frame`), so that completion after a call (`dataset("iris").`)
/// lists, and inspection describes, the members of what the call returns without running
/// the user's code.
///
/// Each sample is made once per process by a one-line program in a private interpreter,
/// through the same bindings users call: a new type needs one line here (the tests check
/// that every result type a prelude doc names has one).
public enum Prototypes {
    /// Type name → the program that makes a value of it.
    static let recipes: [String: String] = [
        "Frame": #"dataset("iris").head(0)"#,
        "Column": #"dataset("iris")["label"]"#,
        "Row": #"dataset("iris")[0]"#,
        "ParseReport": #"dataset("iris").report"#,
        "QualityReport": #"dataset("iris").head(20).check()"#,
        "Transform": "Standardize()",
        "FittedTransform": #"Standardize().fit(dataset("iris").head(5))"#,
        "Tensor": "tensor([0])",
        "Model": "Sequential([Dense(1)])",
        "DriftReport": #"{ let d = dataset("iris"); let m = Sequential([Dense(3)]); m.fit(d, target: "label", epochs: 1); return m.drift(d) }()"#,
        "GroupBy": #"dataset("iris").groupBy("label")"#,
        "History": "Sequential([Dense(1)]).fit(tensor([[0], [1]]), tensor([0, 1]), epochs: 1, loss: .mse)",
        "Layer": "Dense(1)",
        "Optimizer": "SGD()",
        "Schedule": "cosine(steps: 1)",
        "Confusion": "confusion([0, 1], [0, 1])",
        "Chart": #"thresholdSweep([0, 1], [0.2, 0.8], "f1")"#,
        "Metric": "costMatrix(tp: 1)",
        "Objective": #"Objective("y", .minimize)"#,
        "Constraint": #"Constraint("y", atMost: 1)"#,
        "Stored": #"Stored("y")"#,
        "Study": #"tune(["x": uniform(0, 1)], objective: Objective("y", .minimize), budget: 1, method: .random) { p, t in ["y": p.x] }"#,
        "Trial": #"tune(["x": uniform(0, 1)], objective: Objective("y", .minimize), budget: 1, method: .random) { p, t in ["y": p.x] }.best"#,
        "Distribution": "uniform(0, 1)",
        "Tokenizer": #"Tokenizer(.characters).fit(["ab"])"#,
        "Table": "valueReport([0, 1], [0, 1], amount: [1, 2])",
        "Error": #"error("sample")"#,
        "Set": "Set([1])",
        "HTML": #"html("")"#,
        "Markdown": #"markdown("")"#,
        "SVG": #"svg("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>")"#,
    ]

    /// The language's own types, which need no program.
    static let builtins: [String: Value] = [
        "String": .string(""), "Int": .int(0), "Double": .double(0), "Bool": .bool(false),
        "Array": .array([]), "Dict": .dict(ScriptDict()),
    ]

    private static let cache = Cache()

    /// A value of the type a doc names (`Frame`, `(Frame, Frame)`); nil for a type without
    /// a recipe or one whose recipe failed.
    public static func value(ofType type: String) -> Value? {
        let t = type.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("("), t.hasSuffix(")") {
            let parts = t.dropFirst().dropLast().split(separator: ",").map { value(ofType: String($0)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            return .tuple(parts.map { $0! })
        }
        if let v = builtins[t] { return v }
        guard let recipe = recipes[t] else { return nil }
        return cache.value(for: t) {
            let interpreter = Interpreter(host: SilentHost())
            Prelude.install(in: interpreter)
            return try? interpreter.run(Source(name: "prototype", text: recipe))
        }
    }

    /// Made prototypes, kept for the process (completion asks for them on every keystroke).
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: Value?] = [:]

        func value(for key: String, make: () -> Value?) -> Value? {
            lock.lock()
            defer { lock.unlock() }
            if let v = values[key] { return v }
            let v = make()
            values[key] = v
            return v
        }
    }

    /// Swallows what a recipe prints or displays (progress of the sample fit and study).
    private final class SilentHost: ScriptHost {
        func write(_ text: String, to stream: OutputStreamName) {}
        func display(_ value: Value, displayID: String?, update: Bool) throws {}
        func clearOutput(wait: Bool) {}
        func readInput(prompt: String, password: Bool) throws -> String { "" }
    }
}
