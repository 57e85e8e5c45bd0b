import Foundation

/// Writing to stdout and stderr with write(2): whole buffers, EINTR retried, and a closed
/// pipe (EPIPE, with SIGPIPE ignored) dropped rather than fatal, unlike FileHandle's
/// `write(_:)`, which traps on any error.
public enum Console {
    public static func out(_ text: String) { write(text, to: 1) }
    public static func err(_ text: String) { write(text, to: 2) }

    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { write($0, to: fd) }
    }

    static func write(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBufferPointer { write($0, to: fd) }
    }

    private static func write(_ buf: UnsafeBufferPointer<UInt8>, to fd: Int32) {
        guard let base = buf.baseAddress else { return }
        var offset = 0
        while offset < buf.count {
            let n = Foundation.write(fd, base + offset, buf.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
