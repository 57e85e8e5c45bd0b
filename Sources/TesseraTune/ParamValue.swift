import Foundation

/// A parameter value handed to an objective: the domain-side twin of the language's
/// values (numbers, strings, symbols such as `.relu`, arrays and ordered dicts).
public indirect enum ParamValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case symbol(String)
    case list([ParamValue])
    /// Keys in insertion order.
    case dict(keys: [String], values: [ParamValue])

    public var description: String {
        switch self {
        case .null: return "nil"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return Self.format(d)
        case .string(let s): return "\"\(s)\""
        case .symbol(let s): return ".\(s)"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(let keys, let values):
            return keys.isEmpty ? "[:]" : "[" + zip(keys, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
        }
    }

    /// A number as a person reads it: 0.001234, 3.5e-05, 120.
    public static func format(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(format: "%.1f", d) }
        let a = abs(d)
        return (a >= 1e-3 && a < 1e6) ? String(format: "%.4g", d) : String(format: "%.3e", d)
    }

    /// The value as JSON (symbols as `".name"` strings, non-finite numbers as strings).
    public var json: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .int(let i): return "\(i)"
        case .double(let d): return d.isFinite ? "\(d)" : "\"\(d)\""
        case .string(let s): return Self.quote(s)
        case .symbol(let s): return Self.quote("." + s)
        case .list(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .dict(let keys, let values): return "{" + zip(keys, values).map { Self.quote($0) + ":" + $1.json }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }

    /// Leaves of a dict tree by dotted path (`layers.width1`), for a table of trials.
    public func flattened(prefix: String = "") -> [(path: String, value: ParamValue)] {
        switch self {
        case .dict(let keys, let values):
            return zip(keys, values).flatMap { k, v in v.flattened(prefix: prefix.isEmpty ? k : prefix + "." + k) }
        default: return [(prefix, self)]
        }
    }

    /// The number, for an Int or Double.
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
