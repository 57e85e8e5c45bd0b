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

    /// Has the kernel put in (and zero) the pages of `bytes` bytes at `base` on another
    /// core, ahead of their first write. A column filled by one thread in order otherwise
    /// stops at each new page while the kernel zeroes it: in a virtual machine that was
    /// most of the time the thread that puts a CSV file's chunks together spent. Safe to
    /// race with writes (a page already there is left as it is) and with the memory being
    /// freed (the call then fails, harmlessly).
    static func populateAhead(_ base: UnsafeMutableRawPointer, bytes: Int) {
        guard bytes >= threshold else { return }
        let page = 4096
        let start = (Int(bitPattern: base) + page - 1) & ~(page - 1), end = Int(bitPattern: base) + bytes
        guard end > start else { return }
        DispatchQueue.global(qos: .utility).async {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 23 /* MADV_POPULATE_WRITE */)
        }
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
        fresh.withUnsafeMutableBufferPointer { all in
            // The part not yet written (a `fresh.count` prefix now is).
            let written = all.count * MemoryLayout<Element>.stride
            HugePages.populateAhead(UnsafeMutableRawPointer(all.baseAddress!) + written, bytes: n * MemoryLayout<Element>.stride - written)
        }
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
