import Foundation

/// Why a file could not be opened, read or written, in words a user can act on.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public let writing: Bool
    public init(path: String, reason: String, writing: Bool = false) { self.path = path; self.reason = reason; self.writing = writing }
    public var description: String { "cannot \(writing ? "write" : "read") '\(path)': \(reason)" }
}

/// Opening files that users name, safely: paths are checked before they reach the system
/// (a NUL byte would silently cut the path short), only regular files are opened (a FIFO
/// or a terminal would block the session forever, /dev/zero would never end), the open
/// itself cannot block, and a file larger than the memory available is refused before it
/// is read. Every module that reads a user's file goes through here, so they all report
/// the same causes the same way.
public enum RegularFile {
    /// A file descriptor open for reading a regular file, and its size.
    public struct Handle {
        public let descriptor: Int32
        public let size: Int
        public func close() { _ = Glibc.close(descriptor) }
    }

    /// Checks that `path` can name a file at all: not empty, no NUL byte.
    public static func checkPath(_ path: String) throws(FileError) {
        guard !path.isEmpty else { throw FileError(path: path, reason: "the path is empty") }
        if let i = path.utf8.firstIndex(of: 0) {
            let at = path.utf8.distance(from: path.utf8.startIndex, to: i)
            throw FileError(path: path.replacingOccurrences(of: "\0", with: "\\0"),
                            reason: "the path holds a NUL character (at byte \(at)), which no file name can contain")
        }
    }

    /// Opens `path` for reading; it must be a regular file (or a symbolic link to one).
    public static func open(_ path: String) throws(FileError) -> Handle {
        try checkPath(path)
        // O_NONBLOCK: opening a FIFO with no writer must not hang; checked to be regular below.
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, reason: reason(errno)) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw FileError(path: path, reason: reason(e))
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            _ = Glibc.close(fd)
            throw FileError(path: path, reason: "it is \(kind(st.st_mode)), not a regular file")
        }
        // Back to blocking reads for a regular file (they never block for long).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return Handle(descriptor: fd, size: Int(st.st_size))
    }

    /// The whole file's bytes, refused when they would not fit in memory.
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        let h = try open(path)
        defer { h.close() }
        do {
            try HostMemory.check(bytes: h.size, what: "reading '\(path)'")
        } catch {
            throw FileError(path: path, reason: "it is \(HostMemory.format(h.size)), more than the memory available (\(error.message))")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(h.size)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var nextCheck = Swift.max(h.size, 1 << 26)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(h.descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: reason(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            // A file that grows while it is read (or reports no size, as /proc files do).
            if bytes.count > nextCheck {
                nextCheck = bytes.count &* 2
                do { try HostMemory.check(bytes: nextCheck, what: "reading '\(path)'") } catch {
                    throw FileError(path: path, reason: "it keeps growing past the memory available")
                }
            }
        }
        return bytes
    }

    /// A path's folder ("." for a bare name) and last component. Split by hand: on Linux,
    /// Foundation's `NSString.deletingLastPathComponent` traps on a relative path.
    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (slash == path.startIndex ? "/" : String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// What went wrong, for the errno of an open, stat or read.
    public static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case ELOOP: return "a loop of symbolic links: followed, they lead back to themselves"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "it is a folder, not a file"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case ENAMETOOLONG: return "the path is too long"
        case EMFILE, ENFILE: return "too many files are open"
        case EIO: return "an input/output error on the device"
        default: return String(cString: strerror(code))
        }
    }

    /// What went wrong, for an error Foundation threw: the POSIX cause it wraps, in words,
    /// instead of "The operation could not be completed (NSCocoaErrorDomain error 513)".
    public static func reason(_ error: Error) -> String {
        let e = error as NSError
        if e.domain == NSPOSIXErrorDomain { return reason(Int32(e.code)) }
        if let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return reason(Int32(underlying.code))
        }
        switch (e.domain, e.code) {
        case (NSCocoaErrorDomain, NSFileNoSuchFileError), (NSCocoaErrorDomain, NSFileReadNoSuchFileError): return reason(ENOENT)
        case (NSCocoaErrorDomain, NSFileWriteNoPermissionError), (NSCocoaErrorDomain, NSFileReadNoPermissionError): return reason(EACCES)
        case (NSCocoaErrorDomain, NSFileWriteOutOfSpaceError): return "the disk is full"
        case (NSCocoaErrorDomain, NSFileWriteFileExistsError): return "a file of that name is in the way"
        default: return e.localizedFailureReason ?? e.localizedDescription
        }
    }

    /// "a folder", "a FIFO (named pipe)", ... for a file's mode.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }
}
