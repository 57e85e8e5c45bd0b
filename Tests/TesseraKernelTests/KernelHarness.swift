import Foundation
import TesseraKernel
import TesseraScript

/// Drives an in-process Kernel the way a front end would, collecting what each request
/// produced.
final class KernelHarness {
    let kernel = Kernel()

    struct Outcome {
        var messages: [KernelMessage] = []
        var stdout: String { messages.filter { $0.msgType == "stream" && $0.content["name"]?.stringValue == "stdout" }
            .compactMap { $0.content["text"]?.stringValue }.joined() }
        var stderr: String { messages.filter { $0.msgType == "stream" && $0.content["name"]?.stringValue == "stderr" }
            .compactMap { $0.content["text"]?.stringValue }.joined() }
        var result: String? { messages.first { $0.msgType == "execute_result" }?.content["data"]?["text/plain"]?.stringValue }
        var error: KernelMessage? { messages.first { $0.msgType == "error" } }
        var errorText: String {
            guard let e = error else { return "" }
            let tb = e.content["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return (e.content["ename"]?.stringValue ?? "") + ": " + (e.content["evalue"]?.stringValue ?? "") + "\n" + tb.joined(separator: "\n")
        }
        var reply: JSON? { messages.first { $0.msgType.hasSuffix("_reply") }?.content }
    }

    func request(_ type: String, _ content: JSON) -> Outcome {
        let lock = NSLock()
        var out = Outcome()
        let req = KernelMessage(type, parent: nil, content: content)
        _ = try? LargeStack.run {
            kernel.handle(req) { m in lock.lock(); out.messages.append(m); lock.unlock() }
        }
        return out
    }

    func execute(_ code: String, silent: Bool = false) -> Outcome {
        request("execute_request", .obj(["code": .string(code), "silent": .bool(silent)]))
    }
}
