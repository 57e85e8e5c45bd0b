import Foundation

/// What a Swift type annotation asks of a value in a dynamically typed language.
///
/// Annotations are read, not checked, except where reading them wrongly would change an
/// answer: in Swift `let x: Double = 1` is 1.0, `x / 2` is then 0.5, and `f(3)` binds 3.0 to
/// `func f(_ x: Double)`. Here an Int where a Double is declared (alone, as an Array's
/// elements or a Dict's values, and optionally) becomes that Double; anything else is left
/// as it is, so annotations copied from Swift code never make it fail. A tuple type with
/// labels labels the tuples stored as it (`var sweep: [(threshold: Double, cost: Double)]`,
/// then `sweep.append((t, c))` and `sweep.min { $0.cost < $1.cost }!.threshold`).
indirect enum DeclaredType: Equatable {
    /// `Double` (also `Float`, `CGFloat`, and these optional: `Double?`).
    case double
    /// `[Double]`, `[[Double]]`.
    case array(DeclaredType)
    /// `[String: Double]`: the values.
    case dictionary(DeclaredType)
    /// `(name: String, score: Double)`: the labels (nil where an element has none) and what
    /// each element asks (nil: nothing).
    case tuple(labels: [String?], elements: [DeclaredType?])

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
        case (.tuple(let labels, let elements), _):
            guard var xs = v.tupleElements, xs.count == labels.count else { return v }
            for i in xs.indices { if let e = elements[i] { xs[i] = e.convert(xs[i]) } }
            return labels.contains { $0 != nil } ? .object(LabelledTuple(labels: labels, values: xs)) : .tuple(xs)
        default: return v
        }
    }

    /// Whether `convert` would make something else of `v`.
    private func changes(_ v: Value) -> Bool {
        switch (self, v) {
        case (.double, .int): return true
        case (.array(let element), .array(let xs)): return xs.contains(where: element.changes)
        case (.dictionary(let element), .dict(let d)): return d.values.contains(where: element.changes)
        case (.tuple(let labels, let elements), _):
            guard let xs = v.tupleElements, xs.count == labels.count else { return false }
            let held: [String?] = if case .object(let t as LabelledTuple) = v { t.labels } else { Array(repeating: nil, count: xs.count) }
            return held != labels || zip(elements, xs).contains { $0?.changes($1) == true }
        default: return false
        }
    }

    /// Whether the type coded `code` leaves `v` as it is, told from the code's low bits
    /// without decoding the type (an indirect enum, allocated at every call of `func f(_ row:
    /// [Double])`): a Double changes only an Int, an Array only an Array, a Dict only a Dict,
    /// and a `[Double]` only an Array with an Int in it. False where only the decoded type
    /// can tell.
    static func leaves(_ v: Value, code: Int32) -> Bool {
        switch (code & 3, v) {
        case (1, .int): return false
        case (1, _): return true
        case (2, .array(let xs)) where code == arrayOfDoublesCode:
            return !xs.contains { if case .int = $0 { true } else { false } }
        case (2, .array), (3, .dict), (0, _): return false
        default: return true
        }
    }

    private static let arrayOfDoublesCode = DeclaredType.array(.double).code

    /// How deeply a type nests at most (`[[Double]]` is 2): what `code`'s bits hold.
    static let deepest = 12

    /// The type as one Operand, for the `convert` instruction: two bits a level, innermost
    /// last (1 Double, 2 an Array of, 3 a Dict of); a type with a tuple in it (which labels
    /// do not fit in bits) is its place in `DeclaredTypeTable` times four (low bits 0).
    var code: Int32 {
        if hasTuple { return DeclaredTypeTable.shared.code(of: self) }
        switch self {
        case .double: return 1
        case .array(let e): return 2 | e.code << 2
        case .dictionary(let e): return 3 | e.code << 2
        case .tuple: return 0
        }
    }

    init?(code: Int32) {
        switch code & 3 {
        case 0:
            guard code != 0, let t = DeclaredTypeTable.shared.type(code) else { return nil }
            self = t
        case 1: self = .double
        case 2: guard let e = DeclaredType(code: code >> 2) else { return nil }; self = .array(e)
        default: guard let e = DeclaredType(code: code >> 2) else { return nil }; self = .dictionary(e)
        }
    }

    private var hasTuple: Bool {
        switch self {
        case .double: return false
        case .array(let e), .dictionary(let e): return e.hasTuple
        case .tuple: return true
        }
    }
}

/// The declared types with a tuple in them, each kept once for the session's process, so
/// that an Operand can name one. Types are few (one per distinct annotation written), and
/// a conversion reads its type under the lock only where a tuple type was declared.
final class DeclaredTypeTable: @unchecked Sendable {
    static let shared = DeclaredTypeTable()
    private let lock = NSLock()
    private var types: [DeclaredType] = []

    /// `type`'s code: its place (from 1) times four, which no bit-coded type has.
    func code(of type: DeclaredType) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let i = types.firstIndex(of: type) { return Int32(i + 1) << 2 }
        // (Past what an Operand holds, the type is read and not converted, as a type nested
        // too deeply is.)
        guard types.count < 1 << 26 else { return 0 }
        types.append(type)
        return Int32(types.count) << 2
    }

    func type(_ code: Int32) -> DeclaredType? {
        lock.lock()
        defer { lock.unlock() }
        let i = Int(code >> 2) - 1
        return types.indices.contains(i) ? types[i] : nil
    }
}
