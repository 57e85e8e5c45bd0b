import Foundation

/// SIGINT interrupts the running cell instead of killing the process: the signal is
/// ignored at the process level and handled on a dispatch queue, where it may safely set
/// the interrupt flag (a signal handler proper could not take locks).
enum InterruptSignal {
    /// Calls `handler` on each SIGINT for as long as the returned source is kept.
    static func install(_ handler: @escaping @Sendable () -> Void) -> DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}
