/// A native function or method declared once: its name, its parameters (label, type,
/// default, range, doc), what it returns, what it is for and an example that runs.
///
/// Everything that describes a function reads this one value: the call's argument matching
/// and type checks (`Arguments`), the signature line that `%help`, inspection and
/// completion show, and the generated reference (docs/reference.md). It plays the part of
/// swift-argument-parser's `@Option` declarations for the language's prelude.
public struct Declaration: Sendable {
    /// The name callers write: `Dense`, `fit`.
    public var name: String
    public var parameters: [Parameter]
    /// Trailing text shown after the parameter list for a function that takes a trailing
    /// closure: `{ params, trial in ... }`.
    public var trailingClosure: String?
    /// The result type as users see it (`Layer`, `Frame or (Frame, Frame)`); nil for none.
    public var returns: String?
    /// Other ways to call it, each a signature line (`Array(repeating: x, count: n) -> Array`).
    public var otherForms: [String] = []
    /// One sentence: what it does.
    public var summary: String
    /// More, when a sentence is not enough: defaults, edge cases, how it relates to others.
    public var discussion: String?
    /// A cell that uses it and runs in a fresh session (a test runs every one).
    public var example: String?
    /// False for the few functions whose example needs a person at the front end (`input`):
    /// the test checks it is there, and does not run it.
    public var exampleRuns = true
    /// The error kinds a call can end with besides type errors in its arguments, each with
    /// when (`["ValueError": "units is below 1"]`), in order.
    public var errors: [(kind: ErrorKind, when: String)]

    public init(_ name: String, _ parameters: [Parameter] = [], trailingClosure: String? = nil, returns: String? = nil, otherForms: [String] = [],
                summary: String, discussion: String? = nil, example: String? = nil, errors: [(kind: ErrorKind, when: String)] = []) {
        self.name = name; self.parameters = parameters; self.trailingClosure = trailingClosure; self.returns = returns; self.otherForms = otherForms
        self.summary = summary; self.discussion = discussion; self.example = example; self.errors = errors
    }

    /// The Swift-style signature: `Dense(_ units: Int, activation: Activation? = nil, bias: Bool = true) -> Layer`.
    public var signature: String {
        var s = name + "(" + parameters.map(\.signatureText).joined(separator: ", ") + ")"
        if let c = trailingClosure { s += " " + c }
        if let r = returns { s += " -> " + r }
        return s
    }

    /// The text `%help` prints and inspection shows: the signature, the summary and
    /// discussion, each parameter with its default and range, the errors and the example.
    /// Its first line is what `Signature(doc:)` reads for completion.
    public var doc: String {
        var lines = [signature] + otherForms.map { "or " + $0 } + [summary]
        if let d = discussion { lines.append(d) }
        if !parameters.isEmpty {
            lines.append("\nParameters:")
            for p in parameters {
                var line = "  \(p.label ?? p.name): \(p.type.name)" + (p.variadic ? "..." : "")
                if !p.variadic, let text = p.defaultText ?? p.defaultValue.map(\.debugDescription) { line += " = " + text }
                if let r = p.range { line += ", \(r)" }
                line += p.isRequired ? " (required)" : ""
                lines.append(line + " — " + p.doc)
            }
        }
        if !errors.isEmpty {
            lines.append("\nErrors:")
            for e in errors { lines.append("  \(e.kind.rawValue) when \(e.when)") }
        }
        if let e = example { lines.append("\nExample:\n" + e.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")) }
        return lines.joined(separator: "\n")
    }
}

extension Declaration {
    /// One parameter of a `Declaration`.
    public struct Parameter: Sendable {
        /// The call-site label; nil when the argument is positional (`_ units`).
        public var label: String?
        /// The name a body reads the argument by (the label, or the positional name).
        public var name: String
        public var type: ParameterType
        /// The value used when the call leaves it out; nil when it is required.
        public var defaultValue: Value?
        /// How the reference writes the default when it is not a plain value (`Adam()`).
        public var defaultText: String?
        /// The values it may take, as the domain type checks them (documentation: the check
        /// itself lives in the domain type, so Swift callers get it too).
        public var range: ValueRange?
        /// Takes any number of values (`print(_ items: Any...)`).
        public var variadic = false
        public var doc: String

        /// A positional parameter: `_ units`.
        public static func positional(_ name: String, _ type: ParameterType, default value: Value? = nil, defaultText: String? = nil,
                                      range: ValueRange? = nil, _ doc: String) -> Parameter {
            Parameter(label: nil, name: name, type: type, defaultValue: value, defaultText: defaultText, range: range, doc: doc)
        }

        /// Any number of positional values: `_ items: Any...`.
        public static func variadic(_ name: String, _ type: ParameterType, _ doc: String) -> Parameter {
            Parameter(label: nil, name: name, type: type, defaultValue: .array([]), defaultText: "", range: nil, variadic: true, doc: doc)
        }

        /// A labelled parameter: `seed: 0`. `default: .nil` makes it optional.
        public static func labelled(_ label: String, _ type: ParameterType, default value: Value? = nil, defaultText: String? = nil,
                                    range: ValueRange? = nil, _ doc: String) -> Parameter {
            Parameter(label: label, name: label, type: type, defaultValue: value, defaultText: defaultText, range: range, doc: doc)
        }

        public var isRequired: Bool { defaultValue == nil }

        /// `_ units: Int`, `activation: Activation? = nil`, `bias: Bool = true`.
        var signatureText: String {
            var s = (label ?? "_ \(name)") + ": "
            if variadic { return s + type.name + "..." }
            if defaultValue?.isNil == true {
                if case .either = type { s += "(\(type.name))?" } else { s += type.name + "?" }
            } else {
                s += type.name
            }
            if let text = defaultText ?? defaultValue.map(\.debugDescription) { s += " = " + text }
            return s
        }
    }
}

/// What a parameter takes; `Arguments` checks it before a body runs.
public enum ParameterType: Sendable, Equatable {
    case int, double, bool, string, array, dict, range, function, any
    /// A symbol among these names (`.relu`); the type's name is the first argument.
    case symbol(String, [String])
    /// A native object by its type name: `Tensor`, `Frame`, `Layer`.
    case object(String)
    /// Any of several (`Int` or `Array`), named as given.
    case either(String, [ParameterType])

    /// The name the signature shows.
    public var name: String {
        switch self {
        case .int: return "Int"
        case .double: return "Double"
        case .bool: return "Bool"
        case .string: return "String"
        case .array: return "Array"
        case .dict: return "Dict"
        case .range: return "Range"
        case .function: return "Function"
        case .any: return "Any"
        case .symbol(let name, _), .object(let name), .either(let name, _): return name
        }
    }

    /// The symbol names this type takes, directly or as one of its alternatives; nil when none.
    var symbolNames: [String]? {
        switch self {
        case .symbol(_, let names): return names.isEmpty ? nil : names
        case .either(_, let types): return types.lazy.compactMap(\.symbolNames).first
        default: return nil
        }
    }

    /// Whether `v` is of this type (an Int is a Double; nil is checked by the caller).
    func accepts(_ v: Value) -> Bool {
        switch (self, v) {
        case (.any, _), (.int, .int), (.double, .int), (.double, .double), (.bool, .bool), (.string, .string),
             (.array, .array), (.dict, .dict), (.range, .range), (.function, .function): return true
        // A whole Double is an Int (`units: 1e3`); the conversion says when it is out of range.
        case (.int, .double(let d)): return !d.isFinite || d == d.rounded()
        case (.symbol(_, let names), .symbol(let s)): return names.isEmpty || names.contains(s)
        case (.object(let name), .object(let o)): return o.typeName == name
        case (.either(_, let types), _): return types.contains { $0.accepts(v) }
        default: return false
        }
    }
}

/// The values a number may take, for documentation: `1...`, `[0, 1)`.
public struct ValueRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Double?, upper: Double?
    public var lowerOpen = false, upperOpen = false

    public init(lower: Double? = nil, upper: Double? = nil, lowerOpen: Bool = false, upperOpen: Bool = false) {
        self.lower = lower; self.upper = upper; self.lowerOpen = lowerOpen; self.upperOpen = upperOpen
    }

    /// At least `n`.
    public static func atLeast(_ n: Double) -> ValueRange { ValueRange(lower: n) }
    /// Above `n`.
    public static func above(_ n: Double) -> ValueRange { ValueRange(lower: n, lowerOpen: true) }
    /// From `a` up to but not including `b`.
    public static func from(_ a: Double, below b: Double) -> ValueRange { ValueRange(lower: a, upper: b, upperOpen: true) }
    /// From `a` to `b`, both included.
    public static func from(_ a: Double, through b: Double) -> ValueRange { ValueRange(lower: a, upper: b) }

    public var description: String {
        func n(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch (lower, upper) {
        case let (l?, u?): return (lowerOpen ? "(" : "[") + n(l) + ", " + n(u) + (upperOpen ? ")" : "]")
        case let (l?, nil): return (lowerOpen ? "> " : "≥ ") + n(l)
        case let (nil, u?): return (upperOpen ? "< " : "≤ ") + n(u)
        case (nil, nil): return "any"
        }
    }
}
