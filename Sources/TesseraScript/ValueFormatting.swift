/// How values read: `description` is what `print` writes, `debugDescription` is a cell
/// result's `text/plain`. Both follow Swift: strings are quoted inside collections and in
/// results, Doubles always show a fraction (`6.0`), Dicts read `["a": 1]`.
extension Value: CustomStringConvertible, CustomDebugStringConvertible {
    /// Deeper nesting than this prints as `...`, so a self-nested structure cannot overflow the stack.
    static let maxPrintDepth = 200

    public var description: String {
        var out = ""
        write(to: &out, quoted: false, depth: 0)
        return out
    }

    public var debugDescription: String {
        var out = ""
        write(to: &out, quoted: true, depth: 0)
        return out
    }

    func write(to out: inout String, quoted: Bool, depth: Int) {
        if depth > Value.maxPrintDepth { out += "..."; return }
        switch self {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.format(d)
        case .string(let s): out += quoted ? Value.quote(s) : s
        case .array(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += ", " }
                x.write(to: &out, quoted: true, depth: depth + 1)
            }
            out += "]"
        case .tuple(let xs):
            out += "("
            for (i, x) in xs.enumerated() {
                if i > 0 { out += ", " }
                x.write(to: &out, quoted: true, depth: depth + 1)
            }
            out += ")"
        case .dict(let d):
            if d.isEmpty { out += "[:]"; return }
            out += "["
            var first = true
            for (k, v) in d.entries {
                if !first { out += ", " }
                first = false
                k.write(to: &out, quoted: true, depth: depth + 1)
                out += ": "
                v.write(to: &out, quoted: true, depth: depth + 1)
            }
            out += "]"
        case .range(let r): out += "\(r.lower)\(r.closed ? "..." : "..<")\(r.upper)"
        case .symbol(let s): out += "." + s
        case .function(let f):
            if let sf = f as? ScriptFunction { out += "<func \(sf.decl.isClosure ? "closure" : sf.decl.signatureName)>" }
            else { out += "<func \(f.name)>" }
        case .object(let o): out += o.plainText
        }
    }

    /// Swift's shortest round-tripping form: `0.1`, `6.0`, `1e-05`, `inf`, `nan`.
    public static func format(_ d: Double) -> String { d.description }

    /// A string literal as Swift's debugDescription writes it.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
