/// A transform learns its parameters from one frame (`fit`, on training rows) and
/// applies them unchanged to any frame (`apply`, to train and test alike), so test rows
/// never shape what is done to them.
public protocol Transform: Sendable {
    associatedtype Fitted: FittedTransform
    func fit(_ frame: Frame) throws(DataError) -> Fitted
    /// How the transform is written in a session: `Impute(.median)`, `OneHot(["channel"])`.
    var description: String { get }
}

extension Transform {
    /// `fit`, for a list of transforms of different kinds (a pipeline's).
    public func fitted(_ frame: Frame) throws(DataError) -> any FittedTransform { try fit(frame) }
}

/// What a transform learned. It is Codable so a saved pipeline can hold it (as JSON in
/// the safetensors metadata), and names its kind so the reader knows which type to decode.
public protocol FittedTransform: Sendable, Codable {
    /// The kind a saved pipeline names it by: "Impute", "OneHot", "Standardize".
    static var kind: String { get }
    func apply(_ frame: Frame) throws(DataError) -> Frame
    /// The learned parameters, one line per column.
    var summary: [String] { get }
}

/// Every fitted transform a saved pipeline may hold, by kind: a new transform adds its
/// Fitted type here.
public enum FittedTransforms {
    public static let all: [any FittedTransform.Type] = [Impute.Fitted.self, OneHot.Fitted.self, Standardize.Fitted.self, Clip.Fitted.self, Log1p.Fitted.self,
                                                         TextVectorization.Fitted.self]

    public static func type(named kind: String) -> (any FittedTransform.Type)? { all.first { $0.kind == kind } }
}

extension Frame {
    /// The columns a transform works on: every column but the target.
    func featureColumns(excluding target: String?) -> [Column] {
        columns.filter { $0.name != (target ?? self.target) }
    }
}

extension CellValue: Codable {
    private enum Key: String, CodingKey { case double, int, bool, string }

    /// A cell as JSON: `null` when missing, else an object naming its type,
    /// `{"double": 12.5}`, `{"int": 3}`, `{"bool": true}`, `{"string": "web"}`.
    public func encode(to encoder: any Encoder) throws {
        if self == .missing {
            var c = encoder.singleValueContainer()
            try c.encodeNil()
            return
        }
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .double(let d): try c.encode(d, forKey: .double)
        case .int(let i): try c.encode(i, forKey: .int)
        case .bool(let b): try c.encode(b, forKey: .bool)
        case .string(let s): try c.encode(s, forKey: .string)
        case .missing: break
        }
    }

    public init(from decoder: any Decoder) throws {
        if try decoder.singleValueContainer().decodeNil() { self = .missing; return }
        let c = try decoder.container(keyedBy: Key.self)
        if c.contains(.double) { self = .double(try c.decode(Double.self, forKey: .double)) }
        else if c.contains(.int) { self = .int(try c.decode(Int64.self, forKey: .int)) }
        else if c.contains(.bool) { self = .bool(try c.decode(Bool.self, forKey: .bool)) }
        else if c.contains(.string) { self = .string(try c.decode(String.self, forKey: .string)) }
        else { throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a cell is null or one of {\"double\": x}, {\"int\": n}, {\"bool\": b}, {\"string\": s}")) }
    }
}
