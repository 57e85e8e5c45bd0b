import Synchronization

/// Set by a transport thread (an interrupt message, SIGINT) and checked by the interpreter
/// at every statement and loop iteration, and by long native work between units.
public final class InterruptFlag: Sendable {
    /// 0: clear; 1: an interrupt is pending; 2: the session is ending (stays set).
    private let state = Atomic<Int>(0)

    public init() {}

    /// A flag nothing sets, for work too short to need one (a short way's search).
    static let never = InterruptFlag()

    /// True once an interrupt has been requested and not yet cleared.
    @inline(__always)
    public var isSet: Bool { state.load(ordering: .relaxed) != 0 }

    public func set() { _ = state.compareExchange(expected: 0, desired: 1, ordering: .relaxed) }

    /// Clears a pending interrupt (a new cell starts); an ending session stays interrupted.
    public func clear() { _ = state.compareExchange(expected: 1, desired: 0, ordering: .relaxed) }

    /// Interrupts whatever runs now and everything after: the front end has gone, so no
    /// cell that starts from here on may run (clearing at a cell's start does not undo it).
    public func terminate() { state.store(2, ordering: .relaxed) }

    /// Throws `Interrupted` if an interrupt is pending: native loops call this between units.
    public func check() throws {
        if isSet { throw ScriptError.interrupted() }
    }
}

extension ScriptError {
    /// What an interrupt raises. (A call, not built in place: the register machine checks
    /// at several places, and each error built in its loop made the loop larger.)
    @inline(never)
    static func interrupted() -> ScriptError {
        ScriptError(.interrupted, "the cell was interrupted")
    }
}
