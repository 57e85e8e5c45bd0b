import Foundation

/// Writing a file so that a reader sees the old contents or the whole new ones, never a
/// part, and so that a writer killed half way (kill -9, the OOM killer, a power cut before
/// the rename) leaves nothing behind.
///
/// The bytes go to an unnamed file in the target's folder (Linux's O_TMPFILE: if the
/// process dies, the kernel frees it), which is flushed to disk, given a name and renamed
/// over the target. Where the file system has no unnamed files, a named temporary file
/// takes its place and is removed on any failure.
public enum AtomicFile {
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws(FileError) {
        try write(to: path) { (append: (UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) throws(FileError) in
            // An Array is passed as it is (no copy); another collection is copied once.
            let array = Array(bytes)
            var failure: FileError?
            array.withUnsafeBufferPointer { buffer in
                do throws(FileError) { try append(buffer) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Writes what `produce` hands to its `append`, in order, as one file that appears
    /// whole or not at all: a large file is written a part at a time, never held whole.
    public static func write(to path: String, _ produce: ((UnsafeBufferPointer<UInt8>) throws(FileError) -> Void) throws(FileError) -> Void) throws(FileError) {
        try RegularFile.checkPath(path)
        let (directory, name) = RegularFile.split(path)
        guard !name.isEmpty else { throw FileError(path: path, reason: "it names a folder, not a file", writing: true) }
        let temporary = directory + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var fd = open(directory, oTmpFile | O_WRONLY | O_CLOEXEC, 0o666)
        let unnamed = fd >= 0
        if !unnamed {
            fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw FileError(path: path, reason: "cannot create a file beside it: \(RegularFile.reason(errno))", writing: true) }
        }
        var named = !unnamed
        defer {
            if fd >= 0 { close(fd) }
            if named { unlink(temporary) }
        }
        var written: Int64 = 0
        try produce { (buffer: UnsafeBufferPointer<UInt8>) throws(FileError) in
            try writeAll(buffer, to: fd, path: path)
            // The disk starts on what is written while the rest is made, so that the flush
            // before the rename waits for the last part only.
            _ = startWriteback?(fd, written, Int64(buffer.count), 2 /* SYNC_FILE_RANGE_WRITE */)
            written += Int64(buffer.count)
        }
        guard fsync(fd) == 0 else { throw FileError(path: path, reason: RegularFile.reason(errno), writing: true) }
        if unnamed {
            // Named only now, and renamed at once: the one moment a kill could leave it.
            guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                throw FileError(path: path, reason: RegularFile.reason(errno), writing: true)
            }
            named = true
        }
        guard rename(temporary, path) == 0 else { throw FileError(path: path, reason: RegularFile.reason(errno), writing: true) }
        named = false
    }

    /// Linux's sync_file_range, which Swift's Glibc module does not export (it is a GNU
    /// extension); nil where the C library lacks it (then the flush does all the work).
    private static let startWriteback: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    }()

    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`), which Swift's Glibc module does not export.
    private static let oTmpFile: Int32 = 0o20000000 | O_DIRECTORY

    private static func writeAll(_ buffer: UnsafeBufferPointer<UInt8>, to fd: Int32, path: String) throws(FileError) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: errno == ENOSPC ? "the disk is full" : RegularFile.reason(errno), writing: true)
            }
            offset += n
        }
    }
}
