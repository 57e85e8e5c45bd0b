/// What a Swift type annotation asks of a value in a dynamically typed language.
///
/// Annotations are read, not checked, except where reading them wrongly would change an
/// answer: in Swift `let x: Double = 1` is 1.0, `x / 2` is then 0.5, and `f(3)` binds 3.0 to
/// `func f(_ x: Double)`. Here an Int where a Double is declared (alone, as an Array's
/// elements or a Dict's values, and optionally) becomes that Double; anything else is left
/// as it is, so annotations copied from Swift code never make it fail.
indirect enum DeclaredType: Equatable {
    /// `Double` (also `Float`, `CGFloat`, and these optional: `Double?`).
    case double
    /// `[Double]`, `[[Double]]`.
    case array(DeclaredType)
    /// `[String: Double]`: the values.
    case dictionary(DeclaredType)

    /// The Swift type names that declare a Double here.
    static let doubleNames: Set<String> = ["Double", "Float", "CGFloat", "Float32", "Float64"]

    /// `v` as the declared type has it: Ints in Double places made Doubles.
    func convert(_ v: Value) -> Value {
        switch (self, v) {
        case (.double, .int(let i)): return .double(Double(i))
        case (.array(let element), .array(let xs)):
            guard xs.contains(where: element.changes) else { return v }
            return .array(xs.map(element.convert))
        case (.dictionary(let element), .dict(var d)):
            guard d.values.contains(where: element.changes) else { return v }
            // The values changed where they are: the keys and their hashes stay as they were.
            for i in 0..<d.count { d.modifyValue(at: i) { $0 = element.convert($0) } }
            return .dict(d)
        default: return v
        }
    }

    /// Whether `convert` would make something else of `v`.
    private func changes(_ v: Value) -> Bool {
        switch (self, v) {
        case (.double, .int): return true
        case (.array(let element), .array(let xs)): return xs.contains(where: element.changes)
        case (.dictionary(let element), .dict(let d)): return d.values.contains(where: element.changes)
        default: return false
        }
    }

    /// How deeply a type nests at most (`[[Double]]` is 2): what `code`'s bits hold.
    static let deepest = 12

    /// The type as one Operand, for the `convert` instruction: two bits a level, innermost
    /// last (1 Double, 2 an Array of, 3 a Dict of).
    var code: Int32 {
        switch self {
        case .double: return 1
        case .array(let e): return 2 | e.code << 2
        case .dictionary(let e): return 3 | e.code << 2
        }
    }

    init?(code: Int32) {
        switch code & 3 {
        case 1: self = .double
        case 2: guard let e = DeclaredType(code: code >> 2) else { return nil }; self = .array(e)
        case 3: guard let e = DeclaredType(code: code >> 2) else { return nil }; self = .dictionary(e)
        default: return nil
        }
    }
}
