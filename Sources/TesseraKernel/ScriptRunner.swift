import Foundation
import TesseraScript

/// `tessera run FILE.tsr` (and a script piped to `tessera`): runs the whole script as one
/// cell of one session through the kernel core, printing its outputs as a terminal
/// would. Exit status 0 when it ran, 1 when it ended with an error.
public enum ScriptRunner {
    public static func run(code: String, name: String) -> Int32 {
        let kernel = Kernel()
        let flag = kernel.interruptFlag
        let sigint = InterruptSignal.install { flag.set() }
        defer { sigint.cancel() }
        var failed = false
        let request = KernelMessage("execute_request", parent: nil, content: .obj([
            "code": .string(code), "source_name": .string(name), "allow_stdin": .bool(true),
        ]))
        let out = FileHandle.standardOutput, err = FileHandle.standardError
        _ = try? LargeStack.run {
            kernel.handle(request) { m in
                let c = m.content
                switch m.msgType {
                case "stream":
                    let text = c["text"]?.stringValue ?? ""
                    (c["name"]?.stringValue == "stderr" ? err : out).write(Data(text.utf8))
                case "execute_result", "display_data", "update_display_data":
                    out.write(Data(((c["data"]?["text/plain"]?.stringValue ?? "") + "\n").utf8))
                case "error":
                    let lines = c["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    err.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                case "input_request":
                    out.write(Data((c["prompt"]?.stringValue ?? "").utf8))
                    kernel.provideInput(readLine() ?? "")
                case "execute_reply":
                    failed = c["status"]?.stringValue != "ok"
                default: break
                }
            }
        }
        return failed ? 1 : 0
    }
}
