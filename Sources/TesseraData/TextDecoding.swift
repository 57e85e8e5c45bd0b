/// Bytes of text that may not all be UTF-8, decoded without losing what is.
///
/// A file that is UTF-8 except for a few bytes (a field pasted from a Latin-1 system)
/// keeps its UTF-8 text: each sequence that is valid UTF-8 is read as UTF-8, and each
/// byte that is not is read as the Latin-1 character it would be (0xE9 as é), which is
/// what such a byte almost always meant. Nothing becomes U+FFFD.
enum TextDecoding {
    /// Every byte as its Latin-1 (ISO 8859-1) character.
    static func latin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Valid UTF-8 sequences as UTF-8, every other byte as its Latin-1 character.
    static func repairingUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = sequence(bytes, at: i) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(bytes[i]))
                i += 1
            }
        }
        return String(scalars)
    }

    static func repairingUTF8(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { repairingUTF8($0) }
    }

    /// The bytes that are not UTF-8, as `\xE9 at byte 4` (at most three named), for reports.
    static func invalidBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var found: [String] = []
        var total = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            if let (_, length) = sequence(bytes, at: i) { i += length; continue }
            total += 1
            if found.count < 3 {
                let hex = String(bytes[i], radix: 16, uppercase: true)
                found.append("\\x\(hex.count == 1 ? "0" : "")\(hex) at byte \(i + 1)")
            }
            i += 1
        }
        return found.joined(separator: ", ") + (total > found.count ? " and \(total - found.count) more" : "")
    }

    /// The scalar a valid UTF-8 sequence at `i` encodes, and its length; nil when the
    /// bytes there are not one (a stray continuation byte, an overlong form, a surrogate).
    static func sequence(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int, minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
