import Foundation
import Synchronization

/// How host memory for tensors is managed, and how much of it one request may take.
///
/// A size computed from user input (`zeros([2^62])`, `oneHot(labels, classes: Int.max)`,
/// a product of two long vectors) must never wrap around or reach the allocator unchecked:
/// Swift ends the process when an allocation fails, and a wrapped size allocates a small
/// buffer that code then writes far past. `check` turns such a request into an error that
/// names the size while the session lives on.
public enum HostMemory {
    /// Requests below this size are not compared with the memory the system reports
    /// (reading it costs a few microseconds); they are still checked against `limit`.
    static let probeThreshold = 64 << 20

    private static let configured = Atomic<Int>(0)

    /// A cap on one request in bytes, below what the system could give: set by
    /// `TESSERA_MEMORY_LIMIT` (`8G`, `512M`, a byte count) or `memoryLimit(_:)` in a cell;
    /// nil when none is set.
    public static var limit: Int? {
        get {
            let v = configured.load(ordering: .relaxed)
            if v > 0 { return v }
            if v < 0 { return nil }
            let fromEnvironment = ProcessInfo.processInfo.environment["TESSERA_MEMORY_LIMIT"].flatMap(parseSize)
            configured.store(fromEnvironment ?? -1, ordering: .relaxed)
            return fromEnvironment
        }
        set { configured.store(newValue.map { max(1, $0) } ?? -1, ordering: .relaxed) }
    }

    /// Bytes a new request may take now: the smallest of the configured limit, what the
    /// system has available (free and reclaimable memory plus free swap), what the
    /// container's cgroup still allows, and the address space `ulimit -v` leaves.
    public static func available() -> Int {
        var room = limit ?? .max
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            var fields: [Substring: Int] = [:]
            for line in meminfo.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count >= 2, let kb = Int(parts[1]) { fields[parts[0].dropLast()] = kb * 1024 }
            }
            if let free = fields["MemAvailable"] { room = min(room, free + (fields["SwapFree"] ?? 0)) }
        } else {
            room = min(room, Int(clamping: ProcessInfo.processInfo.physicalMemory))
        }
        if let max = cgroupNumber("memory.max"), let used = cgroupNumber("memory.current") {
            room = min(room, Swift.max(0, max - used))
        }
        var rl = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max,
           let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
           let pages = statm.split(separator: " ").first.flatMap({ Int($0) }) {
            let used = pages * Int(sysconf(Int32(_SC_PAGESIZE)))
            room = min(room, Swift.max(0, Int(clamping: rl.rlim_cur) - used))
        }
        return room
    }

    /// A number in the process's cgroup (v2) file, nil when there is none or it says `max`.
    private static func cgroupNumber(_ file: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/\(file)", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The byte count of `count` elements of `bytesEach`, after checking that it neither
    /// overflows nor exceeds what memory can hold now. `what` names the request for the
    /// error ("zeros([100000, 100000])", "a [60000, 1000000] product").
    @discardableResult
    public static func check(count: Int, bytesEach: Int, what: @autoclosure () -> String) throws(TensorError) -> Int {
        guard count >= 0 else { throw TensorError(.value, "\(what()) has a negative size (\(count) elements)") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesEach)
        if overflow {
            throw TensorError(.memory, "\(what()) needs \(count) values of \(bytesEach) bytes: more bytes than a 64-bit size can count")
        }
        try check(bytes: bytes, what: "\(what()) (\(count) values)")
        return bytes
    }

    /// Checks that a request of `bytes` fits the configured limit and what memory can
    /// hold now.
    public static func check(bytes: Int, what: @autoclosure () -> String) throws(TensorError) {
        if let cap = limit, bytes > cap {
            throw TensorError(.memory, "\(what()) needs \(format(bytes)), over the memory limit of \(format(cap))")
        }
        if bytes >= probeThreshold {
            let room = available()
            if bytes > room {
                throw TensorError(.memory, "\(what()) needs \(format(bytes)); only \(format(room)) of memory is available")
            }
        }
    }

    /// The element count of `shape` (every dimension at least 0), checked for overflow and
    /// against the memory available for values of `bytesEach` (Float32 by default).
    @discardableResult
    public static func check(shape: [Int], bytesEach: Int = MemoryLayout<Float>.stride, what: @autoclosure () -> String) throws(TensorError) -> Int {
        if let d = shape.first(where: { $0 < 0 }) {
            throw TensorError(.value, "\(what()): a dimension cannot be negative, got \(d) in \(shape)")
        }
        guard let count = Tensor.elementCount(shape) else {
            throw TensorError(.memory, "\(what()) has \(shape.map(String.init).joined(separator: " × ")) values: more than a 64-bit size can count")
        }
        try check(count: count, bytesEach: bytesEach, what: what())
        return count
    }

    /// `40.0 GB`, `512.0 MB`, `12 bytes`: sizes in binary units as `free -h` writes them.
    public static func format(_ bytes: Int) -> String {
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var v = Double(bytes) / 1024
        var i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return String(format: "%.1f %@", v, units[i])
    }

    /// `8G`, `512M`, `64k`, `1.5G`, `1048576`: a size with an optional binary unit
    /// (K, M, G, T, with or without a trailing `B` or `iB`); nil when it is not one.
    public static func parseSize(_ text: String) -> Int? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count {
            s.removeLast(suffix.count)
            break
        }
        var scale = 1.0
        if let last = s.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            s.removeLast()
        }
        guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite, v > 0 else { return nil }
        let bytes = v * scale
        guard bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }

    /// Tensors and CSV columns are large, short-lived buffers. By default glibc maps each one
    /// above 32 MB fresh from the kernel and unmaps it on free, so every training step or chunk
    /// pays page faults and zeroing again (a*b+c over 10^7 floats: 24 ms instead of 5). Raising
    /// glibc's mmap and trim thresholds keeps them in the heap, where freed buffers are reused.
    /// mallopt is looked up at run time: it is glibc's, and Swift's Glibc module omits malloc.h.
    public static func keepLargeBuffersInTheHeap() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD in malloc.h
        _ = mallopt(mmapThreshold, 512 << 20)
        _ = mallopt(trimThreshold, 1 << 30)
    }
}
