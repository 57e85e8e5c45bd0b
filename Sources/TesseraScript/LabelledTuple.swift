/// A tuple whose elements have labels, as Swift's `(name: "x", score: 0.9)`: each element is
/// read by its label (`best.score`) or its position (`best.1`), and the tuple takes apart
/// as any other (`let (name, score) = best`, `for (name, score) in results`).
///
/// It is a value: changing an element of a variable's tuple (`best.score = 1`) makes a new
/// tuple in that variable, so no other variable sees the change.
public final class LabelledTuple: NativeEquatable {
    /// The label of each element; nil where the element has none (`(1, b: 2)`).
    let labels: [String?]
    let values: [Value]

    init(labels: [String?], values: [Value]) {
        self.labels = labels
        self.values = values
    }

    public var typeName: String { "Tuple" }

    public var plainText: String {
        "(" + zip(labels, values).map { label, v in (label.map { "\($0): " } ?? "") + v.debugDescription }.joined(separator: ", ") + ")"
    }

    /// The labels, and the positions of the elements without one.
    public var memberNames: [String] { labels.indices.map { labels[$0] ?? String($0) } }

    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        if let i = index(of: name) { return values[i] }
        if name == "count" { return .int(values.count) }
        return nil
    }

    /// The position of the element `name` names: its label, or its position written out.
    func index(of name: String) -> Int? {
        if let i = labels.firstIndex(of: name) { return i }
        if let i = Int(name), i >= 0, i < values.count { return i }
        return nil
    }

    /// This tuple with element `i` replaced.
    func replacing(_ i: Int, with v: Value) -> LabelledTuple {
        var values = values
        values[i] = v
        return LabelledTuple(labels: labels, values: values)
    }

    /// As Swift's `==` on tuples: the same elements in order (labels, where both have them,
    /// the same).
    public func isEqual(to other: any NativeObject) -> Bool {
        guard let other = other as? LabelledTuple, other.values.count == values.count,
              zip(labels, other.labels).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else { return false }
        return zip(values, other.values).allSatisfy { Operators.equal($0, $1) }
    }

    /// The function a labelled tuple expression calls with its elements: it makes the tuple.
    static func maker(_ labels: [String?]) -> NativeFunction {
        NativeFunction("(" + labels.map { ($0 ?? "_") + ":" }.joined() + ")") { args, _ in
            .object(LabelledTuple(labels: labels, values: args.map(\.value)))
        }
    }
}

extension Value {
    /// The elements of a Tuple, labelled or not; nil for anything else.
    var tupleElements: [Value]? {
        switch self {
        case .tuple(let xs): return xs
        case .object(let t as LabelledTuple): return t.values
        default: return nil
        }
    }
}
