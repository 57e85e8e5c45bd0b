/// A tuning error: a malformed space, a study that cannot go on, storage that cannot be
/// read. `advice` says what to do.
public struct TuneError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let advice: String?
    public init(_ message: String, advice: String? = nil) { self.message = message; self.advice = advice }
    public var description: String { advice.map { "\(message); \($0)" } ?? message }
}
