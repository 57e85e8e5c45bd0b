/// A native object's members, declared once: the names completion offers and the
/// dispatch of `object.name` both come from this table, so they cannot disagree.
///
/// A property is a name, a doc line and a getter; a method is a `Declaration` and a body
/// that receives the object and its checked arguments, read by name.
///
/// A table is immutable once made, and its closures run on the thread that owns the
/// session, so it may be kept in a `static let`.
public struct NativeMembers<Object: AnyObject>: @unchecked Sendable {
    public enum Member {
        case property(name: String, doc: String, get: (Object) throws -> Value)
        case method(Declaration, (Object, Arguments, Interpreter) throws -> Value)

        public var name: String {
            switch self {
            case .property(let name, _, _): return name
            case .method(let d, _): return d.name
            }
        }
    }

    public let members: [Member]
    /// Other libraries' names for members (`to_csv` → `writeCSV`), for suggestions only.
    public let aliases: [String: String]
    /// Each member by name, with a method's call shape made once with the table. (Of a
    /// type that does not depend on `Object`: this table's methods run unspecialized, called
    /// from other modules, and a generic tuple in the Dictionary cost a metadata lookup and
    /// a generic probe, about 800 instructions, on every `row.amount`.)
    private let byName: [String: NativeMemberEntry]

    public init(_ members: [Member], aliases: [String: String] = [:]) {
        self.members = members
        self.aliases = aliases
        var byName: [String: NativeMemberEntry] = [:]
        for m in members {
            precondition(byName[m.name] == nil, "member '\(m.name)' is declared twice")
            switch m {
            case .property(_, _, let get):
                byName[m.name] = NativeMemberEntry(get: { try get(unsafeDowncast($0, to: Object.self)) }, method: nil, shape: nil)
            case .method(let d, let body):
                byName[m.name] = NativeMemberEntry(get: nil, method: { try body(unsafeDowncast($0, to: Object.self), $1, $2) },
                                                   shape: Arguments.CallShape(d))
            }
        }
        self.byName = byName
    }

    /// Every member's name, in declaration order.
    public var names: [String] { members.map(\.name) }

    /// `object.name`: a property's value, or a method bound to the object; nil when there
    /// is no such member (the interpreter then says so, with a suggestion).
    public func value(_ name: String, of object: Object) throws -> Value? {
        guard let entry = byName[name] else { return nil }
        if let get = entry.get { return try get(object) }
        let body = entry.method.unsafelyUnwrapped
        return .function(NativeFunction(shape: entry.shape.unsafelyUnwrapped) { args, interp in
            try body(object, args, interp)
        })
    }

    /// Each method's declaration, for the reference.
    public var declarations: [Declaration] {
        members.compactMap { if case .method(let d, _) = $0 { return d } else { return nil } }
    }

    /// Each property's name and doc, for the reference.
    public var properties: [(name: String, doc: String)] {
        members.compactMap { if case .property(let n, let d, _) = $0 { return (n, d) } else { return nil } }
    }

    /// The doc of a member, for %help and inspection.
    public func doc(_ name: String) -> String? {
        switch members.first(where: { $0.name == name }) {
        case .property(let name, let doc, _)?: return "\(name)\n\(doc)"
        case .method(let d, _)?: return d.doc
        case nil: return nil
        }
    }
}

/// A native object whose members are declared in a `NativeMembers`.
public protocol DeclaredMembers: NativeObject {
    static var nativeMembers: NativeMembers<Self> { get }
}

extension DeclaredMembers {
    public var memberNames: [String] { Self.nativeMembers.names }
    public func member(_ name: String, _ interpreter: Interpreter) throws -> Value? { try Self.nativeMembers.value(name, of: self) }
    public func memberAlias(_ name: String) -> String? { Self.nativeMembers.aliases[name] }
}

/// One member of a `NativeMembers` table, as its lookup by name finds it: a property's
/// getter, or a method's body and call shape, each taking the object as an `AnyObject` of
/// the table's type.
final class NativeMemberEntry: @unchecked Sendable {
    let get: ((AnyObject) throws -> Value)?
    let method: ((AnyObject, Arguments, Interpreter) throws -> Value)?
    let shape: Arguments.CallShape?

    init(get: ((AnyObject) throws -> Value)?, method: ((AnyObject, Arguments, Interpreter) throws -> Value)?, shape: Arguments.CallShape?) {
        self.get = get
        self.method = method
        self.shape = shape
    }
}
