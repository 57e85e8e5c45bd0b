import TesseraTensor

/// Whole text files, as `readText` and `readLines` read them: UTF-8 (a byte-order mark
/// dropped), and a byte that is not UTF-8 read as the Latin-1 character it almost always
/// meant, as readCSV reads it, so nothing is lost and nothing becomes U+FFFD.
public enum TextFile {
    /// The file's text, and the bytes that were not UTF-8 (named, for a warning), or nil.
    public static func read(_ path: String) throws(DataError) -> (text: String, notUTF8: String?) {
        var bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch { throw DataError("\(error)", isIO: true) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes.withUnsafeBufferPointer { p in
            if let text = String(validating: p, as: UTF8.self) { return (text, nil) }
            return (TextDecoding.repairingUTF8(p), TextDecoding.invalidBytes(p))
        }
    }

    /// The file's lines, without their ends (`\n`, `\r\n` or `\r`); a last line's end is optional.
    public static func lines(_ path: String) throws(DataError) -> (lines: [String], notUTF8: String?) {
        let (text, notUTF8) = try read(path)
        // By bytes: Characters would group "\r\n" into one and cost a grapheme walk per line.
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {
                lines.append(String(decoding: bytes[start..<i], as: UTF8.self))
                if b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { lines.append(String(decoding: bytes[start...], as: UTF8.self)) }
        return (lines, notUTF8)
    }
}
