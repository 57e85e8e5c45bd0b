import Synchronization

/// Set by a transport thread (an interrupt message, SIGINT) and checked by the interpreter
/// at every statement and loop iteration, and by long native work between units.
public final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// True once an interrupt has been requested and not yet cleared.
    @inline(__always)
    public var isSet: Bool { flag.load(ordering: .relaxed) }

    public func set() { flag.store(true, ordering: .relaxed) }
    public func clear() { flag.store(false, ordering: .relaxed) }

    /// Throws `Interrupted` if an interrupt is pending: native loops call this between units.
    public func check() throws {
        if isSet { throw ScriptError(.interrupted, "the cell was interrupted") }
    }
}
