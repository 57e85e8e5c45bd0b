/// A tuning error: a malformed space, a study that cannot go on, storage that cannot be
/// read. `advice` says what to do.
public struct TuneError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let advice: String?
    /// A finite space has no untried point left: a study ends there, as a grid does.
    public var isExhausted = false
    /// The database connection broke (a server restart, a network cut): the statement may
    /// be run again once it is back.
    public var isConnectionLost = false
    public init(_ message: String, advice: String? = nil) { self.message = message; self.advice = advice }

    static func exhausted(_ tried: Int) -> TuneError {
        var e = TuneError("every point of this discrete space has been tried (\(tried) trials)")
        e.isExhausted = true
        return e
    }
    public var description: String { advice.map { "\(message); \($0)" } ?? message }
}
