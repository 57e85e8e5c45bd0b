import Foundation

/// SIGINT interrupts the running cell instead of killing the process: the signal is
/// ignored at the process level and handled on a dispatch queue, where it may safely set
/// the interrupt flag (a signal handler proper could not take locks).
enum InterruptSignal {
    /// Calls `handler` on each SIGINT (or `signal`, SIGTERM say) for as long as the returned
    /// source is kept.
    static func install(signal number: Int32 = SIGINT, _ handler: @escaping @Sendable () -> Void) -> DispatchSourceSignal {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}
