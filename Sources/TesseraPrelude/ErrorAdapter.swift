import Foundation
import TesseraData
import TesseraMetrics
import TesseraNN
import TesseraScript
import TesseraTensor
import TesseraTune

// The one place each domain module's errors become language errors. A declared native
// function's body throws domain errors as they are; the call converts them through these.

extension TensorError: ScriptErrorConvertible {
    public var scriptError: ScriptError {
        switch kind {
        case .shape: return ScriptError(.shape, message)
        case .value: return ScriptError(.value, message)
        case .unavailable: return ScriptError(.value, message, suggestion: "devices() lists what this machine can run")
        case .memory: return ScriptError(.memory, message, suggestion: ScriptError.memorySuggestion)
        case .io: return ScriptError(.io, message, suggestion: "check the path (relative paths start at \(FileManager.default.currentDirectoryPath))")
        }
    }
}

extension DataError: ScriptErrorConvertible {
    public var scriptError: ScriptError { ScriptError(isIO ? .io : .data, message, suggestion: suggestion) }
}

extension TrainingError: ScriptErrorConvertible {
    public var scriptError: ScriptError { ScriptError(.training, message) }
}

extension MetricError: ScriptErrorConvertible {
    public var scriptError: ScriptError { ScriptError(.value, message) }
}

extension TuneError: ScriptErrorConvertible {
    public var scriptError: ScriptError { ScriptError(.tuning, message, suggestion: advice) }
}

extension ScriptError {
    /// Runs domain code outside a declared function's body (a member, a callback),
    /// converting its errors as a declared call does.
    static func converting<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as any ScriptErrorConvertible { throw e.scriptError }
    }
}
