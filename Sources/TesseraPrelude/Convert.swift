import TesseraData
import TesseraScript

/// Checked conversions between language values and the Swift types domain modules take,
/// with errors that name the parameter.
enum Convert {
    /// An Int from an Int or a whole Double (`5.0`). A whole number beyond what an Int holds
    /// exactly, or NaN or infinity, is a ValueError that says so; never a trap.
    static func int(_ v: Value, _ what: String) throws -> Int { try v.wholeNumber(what) }

    static func double(_ v: Value, _ what: String) throws -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw ScriptError(.type, "\(what) needs a number, got \(v.typeName)")
        }
    }

    static func bool(_ v: Value, _ what: String) throws -> Bool {
        if case .bool(let b) = v { return b }
        throw ScriptError(.type, "\(what) needs a Bool, got \(v.typeName)")
    }

    static func string(_ v: Value, _ what: String) throws -> String {
        if case .string(let s) = v { return s }
        throw ScriptError(.type, "\(what) needs a String, got \(v.typeName)")
    }

    static func optionalString(_ v: Value, _ what: String) throws -> String? {
        if v.isNil { return nil }
        return try string(v, what)
    }

    static func strings(_ v: Value, _ what: String) throws -> [String] {
        if case .string(let s) = v { return [s] }
        if case .object(let c as ColumnObject) = v {
            // A frame's text column (train["word"]), as pandas users pass a Series.
            guard c.column.dtype == .string else {
                throw ScriptError(.type, "\(what) needs texts; column '\(c.column.name)' holds \(c.column.dtype.rawValue) values")
            }
            return try (0..<c.column.count).map { i in
                guard let t = c.column.text(at: i) else {
                    throw ScriptError(.value, "\(what): row \(i) of column '\(c.column.name)' is missing", suggestion: "drop or fill missing texts first, e.g. frame.clean()")
                }
                return t
            }
        }
        guard case .array(let xs) = v else { throw ScriptError(.type, "\(what) needs an Array of Strings, got \(v.typeName)") }
        return try xs.map { try string($0, what) }
    }

    /// A Dict with String keys, in order.
    static func dict(_ pairs: [(String, Value)]) -> Value {
        var d = ScriptDict()
        for (k, v) in pairs { d.set(k, v) }
        return .dict(d)
    }

    /// A cell as a language value (missing is nil).
    static func value(_ c: CellValue) -> Value {
        switch c {
        case .missing: return .nil
        case .double(let d): return .double(d)
        case .int(let i): return .int(Int(i))
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        }
    }
}
