import Foundation

/// Members of Ints and Doubles, as Swift's: `x.rounded()`, `x.squareRoot()`, `x.isNaN`,
/// `x.magnitude`. (Arithmetic is operators and the math functions; these are what Swift
/// code writes as members.)
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
        t.methods["squareRoot"] = { v, args, _ in
            _ = try bind(args, "squareRoot()", [])
            return .double(double(v).squareRoot())
        }
        return t
    }()
}
