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
        // "\r\n" is one Character in Swift: the split is on newline Characters, not on "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return (lines, notUTF8)
    }
}
