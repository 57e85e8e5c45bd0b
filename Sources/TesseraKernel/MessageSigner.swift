import Crypto
import Foundation

/// Signs and verifies Jupyter wire messages: HMAC-SHA256 over the header, parent header,
/// metadata and content frames, written as lowercase hex. An empty key means the front
/// end asked for no signing (the signature frame is empty and not checked).
struct MessageSigner {
    private let key: SymmetricKey?

    init(key: String, scheme: String) throws {
        guard key.isEmpty || scheme == "hmac-sha256" else {
            throw ConnectionFile.Error("signature_scheme '\(scheme)' is not supported; use \"hmac-sha256\"")
        }
        self.key = key.isEmpty ? nil : SymmetricKey(data: Array(key.utf8))
    }

    var isSigning: Bool { key != nil }

    /// The hex signature of the four frames.
    func signature(_ parts: [[UInt8]]) -> [UInt8] {
        guard let key else { return [] }
        var mac = HMAC<SHA256>(key: key)
        for p in parts { mac.update(data: p) }
        return Self.hex(Array(mac.finalize()))
    }

    /// Whether `signature` is the frames' signature, compared in constant time.
    func verify(_ signature: [UInt8], _ parts: [[UInt8]]) -> Bool {
        guard key != nil else { return true }
        let expected = self.signature(parts)
        guard signature.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(signature, expected) { difference |= a ^ b }
        return difference == 0
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }
}
