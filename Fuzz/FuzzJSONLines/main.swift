import FuzzSupport
import TesseraKernel

// libFuzzer: any bytes as a line of the stdio protocol: parsed as JSON and read as a
// request, as `tessera kernel --stdio` does before a message reaches the session.
FuzzDriver.run { input in
    guard let json = try? JSON.parse(Array(input)) else { return }
    _ = json.serialized
    if let request = try? KernelMessage(json: json) { _ = request.json.serialized }
}
