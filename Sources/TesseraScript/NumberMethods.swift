import Foundation

/// Members of Ints and Doubles, as Swift's: `x.rounded()`, `x.squareRoot()`, `x.isNaN`,
/// `x.magnitude`, `i.isMultiple(of: 2)`, `i.quotientAndRemainder(dividingBy: 5)`,
/// `x.truncatingRemainder(dividingBy: 1)`.
/// (Arithmetic is operators and the math functions; these are what Swift code writes as
/// members.)
enum NumberMethods {
    /// A Double for the Double members, an Int promoted.
    static func double(_ v: Value) -> Double { v.asDouble ?? .nan }

    static let table: MemberTable = {
        var t = MemberTable()
        t.properties["isNaN"] = { v in .bool(double(v).isNaN) }
        t.properties["isFinite"] = { v in .bool(double(v).isFinite) }
        t.properties["isInfinite"] = { v in .bool(double(v).isInfinite) }
        t.properties["magnitude"] = { v in
            if case .int(let i) = v {
                guard i != .min else { throw ScriptError(.value, "Int.min's magnitude does not fit in an Int") }
                return .int(Swift.abs(i))
            }
            return .double(double(v).magnitude)
        }
        t.methods["rounded"] = { v, args, _ in
            let rule = try bind(args, "rounded(_:)", [.positional(default: .symbol("toNearestOrAwayFromZero"), required: false)])[0]
            let mode: FloatingPointRoundingRule
            switch rule {
            case .symbol("toNearestOrAwayFromZero"): mode = .toNearestOrAwayFromZero
            case .symbol("toNearestOrEven"): mode = .toNearestOrEven
            case .symbol("up"): mode = .up
            case .symbol("down"): mode = .down
            case .symbol("towardZero"): mode = .towardZero
            case .symbol("awayFromZero"): mode = .awayFromZero
            default:
                throw ScriptError(.type, "rounded(_:) takes .toNearestOrAwayFromZero, .toNearestOrEven, .up, .down, .towardZero or .awayFromZero, got \(rule.debugDescription)")
            }
            if case .int = v { return v }
            return .double(double(v).rounded(mode))
        }
        t.short["rounded"] = ([], { v, _ in
            switch v {
            case .int: return v
            case .double(let d): return .double(d.rounded(.toNearestOrAwayFromZero))
            default: return nil
            }
        })
        t.short["squareRoot"] = ([], { v, _ in v.asDouble.map { .double($0.squareRoot()) } })
        t.short["isMultiple"] = (["of"], { v, a in
            guard case .int(let i) = v, case .int(let n) = a[0] else { return nil }
            return .bool(i.isMultiple(of: n))
        })
        t.short["truncatingRemainder"] = (["dividingBy"], { v, a in
            guard let x = v.asDouble, let d = a[0].asDouble else { return nil }
            return .double(x.truncatingRemainder(dividingBy: d))
        })
        t.methods["squareRoot"] = { v, args, _ in
            _ = try bind(args, "squareRoot()", [])
            return .double(double(v).squareRoot())
        }
        t.methods["isMultiple"] = { v, args, _ in
            let other = try bind(args, "isMultiple(of:)", [.labelled("of", required: true)])[0]
            guard case .int(let i) = v, case .int(let n) = other else {
                throw ScriptError(.type, "isMultiple(of:) is an Int's, of an Int: got \(v.typeName) and \(other.typeName)")
            }
            return .bool(i.isMultiple(of: n))
        }
        // Swift's (quotient:remainder:) of two Ints, truncating toward zero as `/` and `%` do.
        t.methods["quotientAndRemainder"] = { v, args, _ in
            let other = try bind(args, "quotientAndRemainder(dividingBy:)", [.labelled("dividingBy", required: true)])[0]
            guard case .int(let i) = v, case .int(let n) = other else {
                throw ScriptError(.type, "quotientAndRemainder(dividingBy:) is an Int's, by an Int: got \(v.typeName) and \(other.typeName)")
            }
            guard n != 0 else { throw ScriptError(.value, "division by zero in quotientAndRemainder(dividingBy:)") }
            guard !(i == .min && n == -1) else { throw ScriptError(.value, "Int.min divided by -1 does not fit in an Int") }
            let (q, r) = i.quotientAndRemainder(dividingBy: n)
            return .object(LabelledTuple(labels: ["quotient", "remainder"], values: [.int(q), .int(r)]))
        }
        t.methods["signum"] = { v, args, _ in
            _ = try bind(args, "signum()", [])
            if case .int(let i) = v { return .int(i.signum()) }
            let d = double(v)
            return .double(d.isNaN ? d : d > 0 ? 1 : d < 0 ? -1 : 0)
        }
        // A Double's remainders, as Swift spells them (`%` takes Ints).
        t.methods["truncatingRemainder"] = { v, args, _ in
            let by = try bind(args, "truncatingRemainder(dividingBy:)", [.labelled("dividingBy", required: true)])[0]
            guard let d = by.asDouble else { throw ScriptError(.type, "truncatingRemainder(dividingBy:) needs a number, got \(by.typeName)") }
            return .double(double(v).truncatingRemainder(dividingBy: d))
        }
        t.methods["remainder"] = { v, args, _ in
            let by = try bind(args, "remainder(dividingBy:)", [.labelled("dividingBy", required: true)])[0]
            guard let d = by.asDouble else { throw ScriptError(.type, "remainder(dividingBy:) needs a number, got \(by.typeName)") }
            return .double(double(v).remainder(dividingBy: d))
        }
        return t
    }()
}
