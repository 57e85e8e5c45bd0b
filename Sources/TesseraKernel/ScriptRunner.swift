import Foundation
import TesseraScript

/// `tessera run FILE.tsr` (and a script piped to `tessera`): runs the whole script as one
/// cell of one session through the kernel core, printing its outputs as a terminal
/// would. Exit status 0 when it ran, 1 when it ended with an error, 130 after SIGINT and
/// 143 after SIGTERM (which interrupt it, as in a notebook run; after SIGTERM a cell that
/// does not stop within 5 s ends the process).
public enum ScriptRunner {
    ///
    /// With `showsOutputs` false (the ranks other than 0 of an MPI job) only errors are
    /// shown, on standard error. SIGTERM interrupts as SIGINT does: mpirun sends it to
    /// every rank when it is interrupted itself.
    public static func run(code: String, name: String, showsOutputs: Bool = true) -> Int32 {
        let client = LocalClient()
        let stop = StopSignal()
        let sigint = InterruptSignal.install { stop.record(SIGINT); client.interrupt() }
        let sigterm = InterruptSignal.install(signal: SIGTERM) {
            stop.record(SIGTERM)
            client.interrupt()
            // Terminate means terminate: a cell that does not stop within 5 s ends the process.
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { exit(NotebookRunner.terminatedStatus) }
        }
        defer { sigint.cancel(); sigterm.cancel() }
        let renderer = TerminalRenderer(showsOutputs: showsOutputs)
        let result = client.execute(code, sourceName: name) { m in
            if m.msgType == "input_request" {
                TerminalInput.answer(m, client: client)
            } else {
                renderer.render(m)
            }
        }
        renderer.finishCell()
        renderer.renderPages(result.reply)
        if result.ok { return 0 }
        switch stop.signal {
        case SIGINT: return NotebookRunner.interruptedStatus
        case SIGTERM: return NotebookRunner.terminatedStatus
        default: return 1
        }
    }
}

/// Answers a cell's `input(...)` from the terminal's standard input.
enum TerminalInput {
    static func answer(_ request: KernelMessage, client: LocalClient) {
        Console.out(request.content["prompt"]?.stringValue ?? "")
        client.provideInput(readLine() ?? "")
    }
}
