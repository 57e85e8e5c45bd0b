import TesseraTensor

/// One setting of a layer, optimizer or schedule kind, declared once with its type,
/// default, range and doc.
///
/// A kind's `fields` are its whole configuration: checkpoints store the settings by these
/// names and read them back through the same checks, and the language's binding, `%help`
/// and the reference are made from them, so adding a layer touches its own file and the
/// list of kinds (`Architecture.kinds`).
public struct Setting: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A whole number (units, kernel sizes, counts).
        case count
        /// A real number (rates, momenta).
        case number
        case flag
        /// An activation, stored by name (`"relu"`).
        case activation
    }

    public let name: String
    /// Written without a label at a call (`Dense(128)`, as in Swift's `_ units`).
    public let positional: Bool
    public let kind: Kind
    /// The value when the setting is left out; nil when it is required. `.none` means "no
    /// value": a count that defaults to another setting (a pooling stride to its kernel).
    public let defaultValue: SettingValue?
    /// The values it may take; with `lowerOpen` or `upperOpen`, a bound itself is excluded.
    public let range: ClosedRange<Double>?
    public let lowerOpen: Bool
    public let upperOpen: Bool
    public let doc: String

    public init(_ name: String, _ kind: Kind, positional: Bool = false, default value: SettingValue? = nil,
                range: ClosedRange<Double>? = nil, lowerOpen: Bool = false, upperOpen: Bool = false, _ doc: String) {
        self.name = name; self.kind = kind; self.positional = positional; self.defaultValue = value; self.range = range
        self.lowerOpen = lowerOpen; self.upperOpen = upperOpen; self.doc = doc
    }

    /// Whether `d` lies in the range.
    func admits(_ d: Double) -> Bool {
        guard let r = range else { return true }
        return r.contains(d) && !(upperOpen && d == r.upperBound) && !(lowerOpen && d == r.lowerBound)
    }

    /// What a value must be, for messages: "above 0", "in [0, 1)", "a finite number".
    var requirement: String {
        guard let r = range else { return "a finite number" }
        if r.upperBound == .infinity { return (lowerOpen ? "above " : "at least ") + SettingValue.number(r.lowerBound).text }
        return "in " + rangeText!
    }

    /// The range as a reader writes it: `[0, 1)`, `(0, ∞)`.
    public var rangeText: String? {
        guard let r = range else { return nil }
        if r.upperBound == .infinity { return (lowerOpen ? "(" : "[") + SettingValue.number(r.lowerBound).text + ", ∞)" }
        return (lowerOpen ? "(" : "[") + SettingValue.number(r.lowerBound).text + ", " + SettingValue.number(r.upperBound).text + (upperOpen ? ")" : "]")
    }

    /// The largest count a layer may be given (units, filters, a vocabulary).
    public static let largestCount = Double(Int32.max)
}

/// A setting's value.
public enum SettingValue: Sendable, Equatable {
    case number(Double)
    case flag(Bool)
    case name(String)
    /// Left to the layer (a pooling stride that follows its kernel).
    case none
}

/// A layer's settings, each checked against its field's kind and range, with the defaults
/// filled in: what a layer is made from, by the language or by a checkpoint.
public struct Settings: Sendable {
    public let kind: String
    private var values: [String: SettingValue]

    /// Checks `given` against `fields`: every name known, every value of its kind and in
    /// range, every required one present. Errors name the kind ("a Dense layer", "an Adam
    /// optimizer": `noun`) and the setting.
    public init(_ kind: String, noun: String = "layer", fields: [Setting], _ given: [String: SettingValue]) throws(TensorError) {
        self.kind = kind
        let kind = kind + " " + noun
        if let unknown = given.keys.sorted().first(where: { k in !fields.contains { $0.name == k } }) {
            throw TensorError(.value, "\(Self.a(kind)) has no setting '\(unknown)'; its settings are \(fields.map(\.name).joined(separator: ", "))")
        }
        var values: [String: SettingValue] = [:]
        for f in fields {
            guard let v = given[f.name] ?? f.defaultValue else { throw TensorError(.value, "\(Self.a(kind)) needs \(f.name)") }
            try Self.check(v, f, kind)
            values[f.name] = v
        }
        self.values = values
    }

    private static func check(_ v: SettingValue, _ f: Setting, _ kind: String) throws(TensorError) {
        switch (f.kind, v) {
        case (_, .none) where f.defaultValue == SettingValue.none: return
        case (.count, .number(let d)):
            let r = f.range ?? 0...Setting.largestCount
            guard d.isFinite, d == d.rounded(), r.contains(d) else {
                throw TensorError(.value, "\(Self.a(kind)) has \(f.name) \(v.text); it must be a whole number from \(Int(r.lowerBound)) to \(Int(r.upperBound))")
            }
        case (.number, .number(let d)):
            guard d.isFinite, f.admits(d) else {
                throw TensorError(.value, "\(Self.a(kind)) has \(f.name) \(v.text); it must be \(f.requirement)")
            }
        case (.flag, .flag): return
        case (.activation, .name(let s)):
            guard Activation(rawValue: s) != nil else {
                throw TensorError(.value, "\(Self.a(kind)) has activation '\(s)'; it is one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        default:
            throw TensorError(.value, "\(Self.a(kind)) has \(f.name) \(v.text), not \(f.kind.article)")
        }
    }

    /// "a Dense", "an Embedding".
    static func a(_ kind: String) -> String { ("AEIOU".contains(kind.first ?? "x") ? "an " : "a ") + kind }

    public subscript(_ name: String) -> SettingValue { values[name] ?? .none }

    public func int(_ name: String) -> Int {
        guard case .number(let d) = self[name] else { preconditionFailure("\(kind).\(name) is not a count") }
        return Int(d)
    }

    /// A count that may be left to the layer (nil).
    public func optionalInt(_ name: String) -> Int? {
        if case .none = self[name] { return nil }
        return int(name)
    }

    public func double(_ name: String) -> Double {
        guard case .number(let d) = self[name] else { preconditionFailure("\(kind).\(name) is not a number") }
        return d
    }

    public func bool(_ name: String) -> Bool {
        guard case .flag(let b) = self[name] else { preconditionFailure("\(kind).\(name) is not a flag") }
        return b
    }

    public func activation(_ name: String = "activation") -> Activation {
        guard case .name(let s) = self[name], let a = Activation(rawValue: s) else { preconditionFailure("\(kind).\(name) is not an activation") }
        return a
    }
}

extension SettingValue {
    var text: String {
        switch self {
        // Whole numbers as whole numbers (units 0, not 0.0); others as Swift writes them.
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
        case .flag(let b): return "\(b)"
        case .name(let s): return "'\(s)'"
        case .none: return "nothing"
        }
    }
}

extension Setting.Kind {
    var article: String {
        switch self {
        case .count: return "a whole number"
        case .number: return "a number"
        case .flag: return "true or false"
        case .activation: return "an activation name"
        }
    }
}

/// A layer that is made from declared settings: by the language (`Dense(128, activation:
/// .relu)`) and by checkpoints, which store `settings` by field name.
public protocol ConfigurableLayer: Layer {
    /// The kind's name, as the language and checkpoints write it ("Dense").
    static var kind: String { get }
    /// What the layer does, in a sentence.
    static var summary: String { get }
    /// A use of it that reads the same in Tessera and Swift (`Dense(128, activation: .relu)`).
    static var example: String { get }
    /// Every setting, in call order.
    static var fields: [Setting] { get }
    /// The settings that make it again (not its weights).
    var settings: [String: SettingValue] { get }
    /// Makes the layer from checked settings.
    init(settings: Settings)
}

extension ConfigurableLayer {
    /// The layer made from `given`, checked against the kind's fields.
    public static func make(_ given: [String: SettingValue]) throws(TensorError) -> Self {
        Self(settings: try Settings(kind, fields: fields, given))
    }
}
