/// How values read: `description` is what `print` writes, `debugDescription` is a cell
/// result's `text/plain`. Both follow Swift: strings are quoted inside collections and in
/// results, Doubles always show a fraction (`6.0`), Dicts read `["a": 1]`. Past the limits
/// of `DisplayOptions`, Arrays and Dicts show their first and last elements and quoted
/// Strings their head and tail, with what was left out counted, as numpy prints arrays.
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
        write(to: &out, quoted: quoted, depth: depth, limits: DisplayOptions.current)
    }

    private func write(to out: inout String, quoted: Bool, depth: Int, limits: DisplayOptions) {
        if depth > Value.maxPrintDepth { out += "..."; return }
        switch self {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.format(d)
        case .string(let s):
            guard quoted else { out += s; return }
            let count = s.count
            if count > limits.maxCharacters {
                let half = limits.maxCharacters / 2
                out += Value.quote(String(s.prefix(half))) + " " + DisplayOptions.elided(count - 2 * half, "character")
                    + " " + Value.quote(String(s.suffix(half)))
            } else {
                out += Value.quote(s)
            }
        case .array(let xs):
            out += "["
            let edge = DisplayOptions.edgeItems
            let elide = xs.count > limits.maxItems && xs.count > 2 * edge
            for (i, x) in xs.enumerated() {
                if elide && i >= edge && i < xs.count - edge {
                    if i == edge { out += ", " + DisplayOptions.elided(xs.count - 2 * edge, "element") }
                    continue
                }
                if i > 0 { out += ", " }
                x.write(to: &out, quoted: true, depth: depth + 1, limits: limits)
            }
            out += "]"
        case .tuple(let xs):
            out += "("
            for (i, x) in xs.enumerated() {
                if i > 0 { out += ", " }
                x.write(to: &out, quoted: true, depth: depth + 1, limits: limits)
            }
            out += ")"
        case .dict(let d):
            if d.isEmpty { out += "[:]"; return }
            out += "["
            let edge = DisplayOptions.edgeItems, count = d.count
            let elide = count > limits.maxItems && count > 2 * edge
            for (i, (k, v)) in d.entries.enumerated() {
                if elide && i >= edge && i < count - edge {
                    if i == edge { out += ", " + DisplayOptions.elided(count - 2 * edge, "entry") }
                    continue
                }
                if i > 0 { out += ", " }
                k.write(to: &out, quoted: true, depth: depth + 1, limits: limits)
                out += ": "
                v.write(to: &out, quoted: true, depth: depth + 1, limits: limits)
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
