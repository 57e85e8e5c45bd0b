import TesseraTensor

/// Whole text files, as `readText` and `readLines` read them: UTF-8 (a byte-order mark
/// dropped), and a byte that is not UTF-8 read as the Latin-1 character it almost always
/// meant, as readCSV reads it, so nothing is lost and nothing becomes U+FFFD.
public enum TextFile {
    /// The file's text, and the bytes that were not UTF-8 (named, for a warning), or nil.
    public static func read(_ path: String) throws(DataError) -> (text: String, notUTF8: String?) {
        let bytes = try load(path)
        return bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// The file's lines, without their ends (`\n`, `\r\n` or `\r`); a last line's end is optional.
    public static func lines(_ path: String) throws(DataError) -> (lines: [String], notUTF8: String?) {
        let bytes = try load(path)
        // Split by bytes (the ends are ASCII, so no UTF-8 sequence is cut), then decode each
        // line: no second copy of the whole text, and no grapheme walk ("\r\n" is one Character).
        var lines: [String] = []
        var bad: [String] = []
        bytes.withUnsafeBufferPointer { p in
            var start = 0, i = 0
            func emit(_ end: Int) {
                let (line, notUTF8) = decode(UnsafeBufferPointer(rebasing: p[start..<end]))
                lines.append(line)
                if let notUTF8 { bad.append("line \(lines.count): \(notUTF8)") }
            }
            while i < p.count {
                if p[i] == 0x0A || p[i] == 0x0D {
                    emit(i)
                    if p[i] == 0x0D && i + 1 < p.count && p[i + 1] == 0x0A { i += 1 }
                    start = i + 1
                }
                i += 1
            }
            if start < p.count { emit(p.count) }
        }
        return (lines, bad.isEmpty ? nil : bad.prefix(3).joined(separator: "; ") + (bad.count > 3 ? "; \(bad.count - 3) more lines" : ""))
    }

    private static func load(_ path: String) throws(DataError) -> [UInt8] {
        var bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch { throw DataError("\(error)", isIO: true) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes
    }

    private static func decode(_ p: UnsafeBufferPointer<UInt8>) -> (String, String?) {
        if let text = String(validating: p, as: UTF8.self) { return (text, nil) }
        return (TextDecoding.repairingUTF8(p), TextDecoding.invalidBytes(p))
    }
}
