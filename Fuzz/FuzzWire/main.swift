import FuzzSupport
import TesseraKernel

// libFuzzer: any bytes as a Jupyter multipart message (frames separated by `|||`). The
// first byte chooses: odd, the frames are decoded as they are (the signature check is
// what they meet); even, the harness signs them with the key first, so the fuzzer reaches
// the JSON frames behind the signature.
FuzzDriver.run { input in
    guard let mode = input.first else { return }
    let key = "fuzz-key"
    var frames: [[UInt8]] = [[]]
    var i = 1
    while i < input.count {
        if i + 2 < input.count && input[i] == 0x7C && input[i + 1] == 0x7C && input[i + 2] == 0x7C {
            frames.append([])
            i += 3
        } else {
            frames[frames.count - 1].append(input[i])
            i += 1
        }
    }
    if mode & 1 == 0 {
        // <IDS|MSG>, signature, header, parent_header, metadata, content, buffers...
        let parts = Array(frames.prefix(4)) + Array(repeating: [UInt8](), count: max(0, 4 - frames.count))
        guard let signature = try? WireFormat.signature(parts, key: key) else { return }
        frames = [Array("<IDS|MSG>".utf8), signature] + parts + frames.dropFirst(4)
    }
    _ = try? WireFormat.request(from: frames, key: key)
}
