import Foundation

/// Writing to stdout and stderr with write(2): whole buffers, EINTR retried, and a closed
/// pipe (EPIPE, with SIGPIPE ignored) dropped rather than fatal, unlike FileHandle's
/// `write(_:)`, which traps on any error.
public enum Console {
    public static func out(_ text: String) { write(text, to: 1) }
    public static func err(_ text: String) { write(text, to: 2) }

    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
