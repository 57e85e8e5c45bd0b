/// A Swift object exposed to Tessera code: a Tensor, a Frame, a Model, rich text.
///
/// The prelude conforms its wrappers to this protocol; the interpreter only needs a name,
/// members, and a way to show the object.
public protocol NativeObject: AnyObject {
    /// The type name users see: `Tensor`, `Frame`.
    var typeName: String { get }
    /// The text shown by `print` and as the `text/plain` of a result.
    var plainText: String { get }
    /// Names offered by completion after `object.`.
    var memberNames: [String] { get }
    /// The value of `object.name` (a method is returned as a function); nil when there is
    /// no such member, which the interpreter reports as a TypeError with a suggestion.
    func member(_ name: String, _ interpreter: Interpreter) throws -> Value?
    /// Rich representations by MIME type (`text/html`, `image/svg+xml`, ...), besides text.
    var richRepresentations: [(mime: String, data: String)] { get }
    /// The member a user coming from another library means by `name` (pandas' `to_csv` is
    /// `writeCSV`), for the error that says there is no such member; nil when none.
    func memberAlias(_ name: String) -> String?
    /// What to write instead of `object op other` (`other op object` where `objectFirst` is
    /// false), for a user who expected it to work (a pandas Series' `column * 2`), for the
    /// TypeError an operator it does not take raises; nil when there is nothing to say.
    func operatorAdvice(_ op: String, _ other: Value, objectFirst: Bool) -> String?
}

extension NativeObject {
    public var memberNames: [String] { [] }
    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? { nil }
    public var richRepresentations: [(mime: String, data: String)] { [] }
    public func memberAlias(_ name: String) -> String? { nil }
    public func operatorAdvice(_ op: String, _ other: Value, objectFirst: Bool) -> String? { nil }
}

/// A native object whose `==` compares contents, not identity (two frames with the same
/// columns and values are equal, as pandas' `equals`).
public protocol NativeEquatable: NativeObject {
    func isEqual(to other: any NativeObject) -> Bool
}

/// The value of `error("...")`, which `throw` raises as a ValueError, and of the error a
/// `catch` binds, which `throw` raises again as it was (its place and traceback kept).
public final class ErrorObject: DeclaredMembers {
    public let kind: ErrorKind
    public let message: String
    /// The error a `catch` caught, as raised.
    let caught: ScriptError?
    public init(kind: ErrorKind = .value, message: String) { self.kind = kind; self.message = message; caught = nil }
    init(_ caught: ScriptError) { kind = caught.kind; message = caught.message; self.caught = caught }
    public var typeName: String { "Error" }
    public var plainText: String { "\(kind.rawValue)(\"\(message)\")" }
    public static let nativeMembers = NativeMembers<ErrorObject>([
        .property(name: "message", doc: "What went wrong.") { o in .string(o.message) },
        .property(name: "localizedDescription", doc: "What went wrong (the message), as Swift's Error names it.") { o in .string(o.message) },
        .property(name: "kind", doc: "The error's kind: \"ValueError\" unless made otherwise, \"KeyError\", \"IndexError\", ...") { o in .string(o.kind.rawValue) },
        .property(name: "line", doc: "The line the error was raised on, for an error a catch caught (nil otherwise).") { o in
            o.caught?.location.map { .int($0.line) } ?? .nil
        },
    ])
}

/// A native object a for loop can walk (a Set's members, a dataset's batches).
public protocol NativeSequence: NativeObject {
    /// The elements, in order; long work checks `interrupt` between units.
    func elements(checking interrupt: InterruptFlag) throws -> [Value]
}

/// A native sequence whose elements are made one at a time, by position (a Frame's rows).
///
/// A for loop, `enumerated()` and `zip` walk it without building its elements first, so a
/// ten-million-row Frame costs one Row at a time, not ten million up front.
public protocol IndexedNativeSequence: NativeSequence {
    /// How many elements it has; fixed while a loop walks it.
    var elementCount: Int { get }
    /// The element at `position`, in `0..<elementCount`.
    func element(at position: Int) -> Value
}

extension IndexedNativeSequence {
    /// All the elements at once (where an Array of them is asked for), after checking that
    /// memory can hold them.
    public func elements(checking interrupt: InterruptFlag) throws -> [Value] {
        try MemoryBudget.reserve(elementCount, bytesEach: MemoryLayout<Value>.stride + 48,
                                 "the \(elementCount) elements of a \(typeName)")
        var out: [Value] = []
        out.reserveCapacity(elementCount)
        for i in 0..<elementCount {
            if i & 0xFFFF == 0 { try interrupt.check() }
            out.append(element(at: i))
        }
        return out
    }
}
