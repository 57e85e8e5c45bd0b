import Foundation

/// Storage of megabytes in 2 MB pages. A million-row column filled once takes thousands
/// of page faults in 4 KB pages (each a trip into the kernel, dearer still in a virtual
/// machine) and a table read at random misses the TLB on nearly every read; in huge pages
/// it takes a few faults and TLB entries. The kernel decides (transparent huge pages in
/// `madvise` mode, the common default): where it declines, nothing changes.
enum HugePages {
    /// Below this, an allocation stays as malloc makes it.
    static let threshold = 4 << 20

    /// Asks for huge pages over the 2 MB-aligned part of `bytes` bytes at `base`. Call it
    /// before the memory is first written: pages already there stay small.
    static func advise(_ base: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= threshold else { return }
        let huge = 2 << 20
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + bytes) & ~(huge - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
    }
}

extension Array {
    /// `reserveCapacity(n)`, with new storage of megabytes advised into huge pages before
    /// its first write.
    mutating func reserveCapacityInHugePages(_ n: Int) {
        guard n > capacity else { return }
        guard n * MemoryLayout<Element>.stride >= HugePages.threshold else { reserveCapacity(n); return }
        var fresh = [Element](unsafeUninitializedCapacity: n) { buffer, count in
            HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: buffer.count * MemoryLayout<Element>.stride)
            count = 0
        }
        fresh.append(contentsOf: self)
        self = fresh
    }

    /// `count` copies of `value`, in huge pages when that is megabytes.
    init(hugePagesRepeating value: Element, count: Int) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { HugePages.advise(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Element>.stride) }
            buffer.initialize(repeating: value)
            initialized = count
        }
    }
}
