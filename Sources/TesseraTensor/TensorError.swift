/// A tensor operation that cannot be done as asked: shapes that do not fit, an axis that
/// does not exist, a backend that is not available, a result larger than memory, a file
/// (a checkpoint) that cannot be read or written.
public struct TensorError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable { case shape, value, unavailable, memory, io }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }

    static func shape(_ message: String) -> TensorError { TensorError(.shape, message) }
}
