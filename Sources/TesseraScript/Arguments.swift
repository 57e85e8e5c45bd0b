/// A call's arguments, matched to a `Declaration`'s parameters and checked against their
/// types, read by name: `args.int("units")`, never by position.
///
/// A wrong type is a TypeError naming the parameter as the signature writes it (`Dense(_
/// units:) needs an Int, got String`); a whole number out of an Int's exact range, NaN or
/// infinity is a ValueError. Ranges are the domain type's to check.
public struct Arguments {
    private let shape: CallShape
    /// One value per parameter, defaults filled in (nil for an omitted optional one).
    private let values: [Value]

    public var declaration: Declaration { shape.declaration }

    /// What matching a call needs of a declaration, worked out once per function rather
    /// than per call: a call then retains one object and builds no strings (building the
    /// signature and copying each parameter per call made `sqrt(x)` three times slower).
    final class CallShape: @unchecked Sendable {
        let declaration: Declaration
        let parameters: [(label: String?, hasDefault: Bool)]
        let names: [String]
        let types: [ParameterType]
        /// What a parameter's type checks, without copying the type (and its names) per call.
        let kinds: [Kind]
        /// Each parameter's value when a call leaves it out (nil for a required one, which
        /// matching never leaves out).
        let defaults: [Value]
        /// `Dense(_:activation:bias:)`, for errors.
        let signature: String
        /// The declaration's doc text, composed once.
        let doc: String

        enum Kind { case any, int, double, bool, string, array, dict, range, function, other }

        init(_ declaration: Declaration) {
            self.declaration = declaration
            doc = declaration.doc
            parameters = declaration.parameters.map { (label: $0.label, hasDefault: !$0.isRequired) }
            names = declaration.parameters.map(\.name)
            types = declaration.parameters.map(\.type)
            kinds = types.map {
                switch $0 {
                case .any: return .any
                case .int: return .int
                case .double: return .double
                case .bool: return .bool
                case .string: return .string
                case .array: return .array
                case .dict: return .dict
                case .range: return .range
                case .function: return .function
                default: return .other
                }
            }
            defaults = declaration.parameters.map { $0.defaultValue ?? .nil }
            signature = declaration.name + "(" + declaration.parameters.map { "\($0.label ?? "_"):" }.joined() + ")"
        }

        /// Whether parameter `i` takes `v` (`ParameterType.accepts`, without its copy for the
        /// common types).
        @inline(__always)
        func accepts(_ i: Int, _ v: Value) -> Bool {
            switch (kinds[i], v) {
            case (.any, _), (.int, .int), (.double, .int), (.double, .double), (.bool, .bool), (.string, .string),
                 (.array, .array), (.dict, .dict), (.range, .range), (.function, .function): return true
            case (.int, .double), (.other, _): return types[i].accepts(v)
            default: return false
            }
        }
    }

    /// Matches `arguments` to `declaration` as Swift does (in order, labels as declared,
    /// defaults filled in) and checks each value's type.
    public init(_ arguments: [ArgumentValue], _ declaration: Declaration) throws {
        try self.init(arguments, shape: CallShape(declaration))
    }

    init(_ arguments: [ArgumentValue], shape: CallShape) throws {
        self.shape = shape
        // Matched in one pass as bindArguments matches (in order, labels as declared); a call
        // that does not match goes to bindArguments for its error.
        let parameters = shape.parameters
        var values: [Value] = []
        values.reserveCapacity(parameters.count)
        var a = 0
        for i in parameters.indices {
            if a < arguments.count, arguments[a].label == parameters[i].label {
                values.append(arguments[a].value)
                a += 1
            } else if parameters[i].hasDefault {
                values.append(shape.defaults[i])
            } else {
                break
            }
        }
        if values.count < parameters.count || a < arguments.count {
            let bound = try bindArguments(arguments, to: parameters, function: shape.signature, anyLabelOrder: true)
            values = bound.indices.map { bound[$0] ?? shape.defaults[$0] }
        }
        for i in values.indices {
            let v = values[i]
            if shape.accepts(i, v) || (v.isNil && parameters[i].hasDefault) { continue }
            let type = shape.types[i]
            let p = shape.declaration.parameters[i]
            // A choice's name as a String, as Keras writes it (activation: "relu", loss:
            // "mse"), is the symbol it names; a name that is not among the choices, as a
            // String or a symbol, is a wrong value, not a wrong type.
            if let names = type.symbolNames {
                var given: (name: String, shown: String)?
                switch v {
                case .string(let s) where !names.isEmpty: given = (s, "\"\(s)\"")
                case .symbol(let s): given = (s, "." + s)
                default: break
                }
                if let given {
                    if names.contains(given.name) { values[i] = .symbol(given.name); continue }
                    throw ScriptError(.value, "\(Self.place(p, in: shape.declaration)) is one of \(names.map { "." + $0 }.joined(separator: ", ")), got \(given.shown)",
                                      suggestion: Suggest.closest(to: given.name, in: names).map { "did you mean .\($0)?" } ?? Self.hint(p))
                }
            }
            throw ScriptError(.type, "\(Self.place(p, in: shape.declaration)) needs \(Self.article(type)), got \(Self.shown(v))",
                              suggestion: Self.hint(p) ?? "\(p.label ?? p.name): \(p.doc)")
        }
        self.values = values
    }

    /// `Dense(_ units:)`, `fit(epochs:)`: how errors name a parameter.
    static func place(_ p: Declaration.Parameter, in d: Declaration) -> String { "\(d.name)(\(p.label ?? "_ \(p.name)"):)" }

    /// `what` for a parameter, for errors raised by a body: `Dense(_ units:)`.
    public func place(_ name: String) -> String { Self.place(parameter(name), in: declaration) }

    private static func article(_ t: ParameterType) -> String {
        switch t {
        case .int: return "an Int"
        case .double: return "a number"
        case .any: return "a value"
        case .symbol(_, let names) where !names.isEmpty: return "one of " + names.map { "." + $0 }.joined(separator: ", ")
        case .either(_, let types):
            let each = types.map(article)
            return each.count < 2 ? (each.first ?? "a value") : each.dropLast().joined(separator: ", ") + " or " + each.last!
        default:
            let n = t.name
            return ("AEIOU".contains(n.first ?? "x") ? "an " : "a ") + n
        }
    }

    /// A wrong argument as an error names it: a symbol by name (`.foo`), others by type.
    private static func shown(_ v: Value) -> String {
        switch v {
        case .symbol(let s): return "." + s
        case .nil: return "nil"
        default: return v.typeName
        }
    }

    private static func hint(_ p: Declaration.Parameter) -> String? {
        if case .symbol(_, let names) = p.type, !names.isEmpty { return "write e.g. \(p.label.map { "\($0): " } ?? "").\(names[0])" }
        return nil
    }

    private func index(_ name: String) -> Int {
        guard let i = shape.names.firstIndex(of: name) else {
            preconditionFailure("\(declaration.name) declares no parameter '\(name)'")
        }
        return i
    }

    private func parameter(_ name: String) -> Declaration.Parameter { declaration.parameters[index(name)] }

    /// The value as given (or its default; nil for an omitted optional one).
    public subscript(_ name: String) -> Value { values[index(name)] }

    /// Whether the argument is nil (left out, or given as nil).
    public func isNil(_ name: String) -> Bool { self[name].isNil }

    public func int(_ name: String) throws -> Int { try self[name].wholeNumber(place(name)) }

    public func optionalInt(_ name: String) throws -> Int? { isNil(name) ? nil : try int(name) }

    public func double(_ name: String) throws -> Double {
        switch self[name] {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case let v: throw ScriptError(.type, "\(place(name)) needs a number, got \(v.typeName)")
        }
    }

    public func optionalDouble(_ name: String) throws -> Double? { isNil(name) ? nil : try double(name) }

    public func float(_ name: String) throws -> Float { Float(try double(name)) }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = self[name] else { throw ScriptError(.type, "\(place(name)) needs a Bool, got \(self[name].typeName)") }
        return b
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = self[name] else { throw ScriptError(.type, "\(place(name)) needs a String, got \(self[name].typeName)") }
        return s
    }

    public func optionalString(_ name: String) throws -> String? { isNil(name) ? nil : try string(name) }

    /// A symbol's name (`.relu` → "relu"); nil when the argument is nil.
    public func symbol(_ name: String) throws -> String? {
        switch self[name] {
        case .nil: return nil
        case .symbol(let s): return s
        case let v: throw ScriptError(.type, "\(place(name)) needs a symbol such as .relu, got \(v.typeName)")
        }
    }

    public func array(_ name: String) throws -> [Value] {
        guard case .array(let xs) = self[name] else { throw ScriptError(.type, "\(place(name)) needs an Array, got \(self[name].typeName)") }
        return xs
    }

    /// A native object of type `T`; nil when the argument is nil.
    public func object<T>(_ name: String, as type: T.Type) throws -> T? {
        switch self[name] {
        case .nil: return nil
        case .object(let o as T): return o
        case let v: throw ScriptError(.type, "\(place(name)) needs \(Self.article(parameter(name).type)), got \(v.typeName)")
        }
    }
}

extension Value {
    /// An Int from an Int or a whole Double (`5.0`). A whole number beyond what an Int holds
    /// exactly, NaN or infinity is a ValueError that says so; never a trap.
    public func wholeNumber(_ what: String) throws -> Int {
        if case .int(let i) = self { return i }
        if case .double(let d) = self {
            guard d.isFinite else { throw ScriptError(.value, "\(what) needs an Int, got \(d)") }
            if d == d.rounded() {
                guard abs(d) < 9e15 else {
                    throw ScriptError(.value, "\(what) needs an Int; \(d) is out of range (a whole number below 9e15 in magnitude)")
                }
                return Int(d)
            }
        }
        throw ScriptError(.type, "\(what) needs an Int, got \(typeName)")
    }
}

/// An error of a domain module (a tensor's shape, a frame's data, a study) that knows the
/// language error it stands for. A native function's body may throw it as it is: the call
/// turns it into that ScriptError, so bindings need no wrapper per module.
public protocol ScriptErrorConvertible: Error {
    var scriptError: ScriptError { get }
}
