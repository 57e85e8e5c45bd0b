import Foundation
import Synchronization

/// Whether a value the language is about to build fits in memory.
///
/// Sizes that come from user code (`Array(repeating: 0, count: n)`, `"ab" * n`, the
/// elements of `(0..<n).map { ... }`) are checked before anything is allocated: a size
/// that overflows, or that memory cannot hold, is a `MemoryError` naming it, where an
/// unchecked allocation would end the process and the whole session with it.
public enum MemoryBudget {
    /// Below this many bytes a request is only checked for overflow: the common small
    /// arrays and strings pay nothing more.
    static let checkedFrom = 1 << 20

    private static let check = Mutex<@Sendable (_ bytes: Int, _ what: String) throws -> Void>({ bytes, what in
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if bytes > physical {
            throw ScriptError(.memory, "\(what) needs \(bytes) bytes, more than this machine's \(physical)")
        }
    })

    /// Replaces the test a request must pass: the prelude installs the tensor module's,
    /// which knows the configured limit and what the system has available.
    public static func install(_ test: @escaping @Sendable (_ bytes: Int, _ what: String) throws -> Void) {
        check.withLock { $0 = test }
    }

    /// Throws a MemoryError unless `count` values of `bytesEach` bytes may be built.
    public static func reserve(_ count: Int, bytesEach: Int, _ what: @autoclosure () -> String) throws {
        let (bytes, overflow) = Swift.max(0, count).multipliedReportingOverflow(by: bytesEach)
        if overflow {
            throw ScriptError(.memory, "\(what()) needs more bytes than a 64-bit size can count",
                              suggestion: ScriptError.memorySuggestion)
        }
        guard bytes >= checkedFrom else { return }
        let test = check.withLock { $0 }
        do {
            try test(bytes, what())
        } catch var e as ScriptError {
            if e.suggestion == nil { e.suggestion = ScriptError.memorySuggestion }
            throw e
        }
    }

    /// Throws a MemoryError unless an Array of `count` values may be built.
    static func reserveValues(_ count: Int, _ what: @autoclosure () -> String) throws {
        try reserve(count, bytesEach: MemoryLayout<Value>.stride, what())
    }
}

extension ScriptError {
    /// What to do about a MemoryError.
    public static let memorySuggestion = "work in smaller pieces (a smaller shape, batch or range); TESSERA_MEMORY_LIMIT sets a cap below the machine's memory"
}
