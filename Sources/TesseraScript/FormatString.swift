import Foundation

/// `String(format: "%.3f", x)`: printf-style formatting, as Swift's Foundation gives it,
/// checked before anything is formatted: each conversion must get a value of its kind,
/// there must be exactly as many values as conversions, and widths and precisions are
/// bounded, so a hostile format is an error, never a trap or a runaway allocation.
///
/// Conversions: `%d %i` (Int), `%u %x %X %o` (Int, negative ones as their 64-bit
/// pattern, as C writes them), `%f %F %e %E %g %G` (Int or Double), `%s %@` (any value, as
/// `String(x)` writes it), `%%`. Flags `- + 0 #` and space, a width and a `.precision`;
/// C's length modifiers (`l`, `ll`, `h`, `z`, `q`) are read and ignored.
enum FormatString {
    /// The widest field and the longest precision a conversion may ask for.
    static let maxField = 10_000

    static func format(_ format: String, _ values: [Value]) throws -> String {
        var out = ""
        var next = 0
        var chars = Array(format.unicodeScalars)[...]
        func fail(_ message: String) -> ScriptError {
            ScriptError(.value, "String(format:): \(message)", suggestion: "as in String(format: \"%.2f and %d\", 3.14159, 7)")
        }
        while let c = chars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var flags = ""
            while let f = chars.first, "-+ 0#".unicodeScalars.contains(f) { flags.unicodeScalars.append(f); chars.removeFirst() }
            let width = try number(&chars, fail)
            var precision: Int? = nil
            if chars.first == "." {
                chars.removeFirst()
                precision = try number(&chars, fail) ?? 0
            }
            while let m = chars.first, "lhzqjtL".unicodeScalars.contains(m) { chars.removeFirst() }
            guard let conversion = chars.popFirst() else { throw fail("the format ends in the middle of a conversion") }
            if conversion == "%" { out += "%"; continue }
            guard next < values.count else {
                throw fail("the format has more conversions than the \(values.count) value\(values.count == 1 ? "" : "s") given")
            }
            let v = values[next]
            next += 1
            let body: String
            switch conversion {
            case "d", "i":
                guard case .int(let i) = v else { throw fail("%\(conversion) needs an Int, got \(v.typeName)") }
                body = numeric(flags, width, precision, "lld") { String(format: $0, Int64(i)) }
            case "u", "x", "X", "o":
                guard case .int(let i) = v else { throw fail("%\(conversion) needs an Int, got \(v.typeName)") }
                body = numeric(flags, width, precision, "ll\(conversion)") { String(format: $0, UInt64(bitPattern: Int64(i))) }
            case "f", "F", "e", "E", "g", "G":
                guard let d = v.asDouble else { throw fail("%\(conversion) needs a number, got \(v.typeName)") }
                body = numeric(flags, width, precision, "\(conversion)") { String(format: $0, d) }
            case "s", "@":
                var text = v.description
                if let precision { text = String(text.prefix(precision)) }
                let pad = String(repeating: " ", count: max(0, (width ?? 0) - text.count))
                body = flags.contains("-") ? text + pad : pad + text
            default:
                throw fail("'%\(conversion)' is not a conversion it knows; use %d, %f, %e, %g, %x, %s or %%")
            }
            out += body
        }
        guard next == values.count else {
            throw fail("the format has \(next) conversion\(next == 1 ? "" : "s") but \(values.count) values were given")
        }
        return out
    }

    /// A width or precision: digits, bounded by `maxField`.
    private static func number(_ chars: inout ArraySlice<Unicode.Scalar>, _ fail: (String) -> ScriptError) throws -> Int? {
        var n: Int? = nil
        while let d = chars.first, let digit = Int(String(d)), d.isASCII {
            n = (n ?? 0) * 10 + digit
            guard n! <= maxField else { throw fail("a width or precision above \(maxField)") }
            chars.removeFirst()
        }
        return n
    }

    /// One numeric conversion through Foundation's formatter, with a format built here from
    /// checked parts: one conversion, of the type `make` passes.
    private static func numeric(_ flags: String, _ width: Int?, _ precision: Int?, _ conversion: String,
                                _ make: (String) -> String) -> String {
        var spec = "%" + flags
        if let width { spec += String(width) }
        if let precision { spec += "." + String(precision) }
        return make(spec + conversion)
    }
}
