import Foundation

/// How host memory for tensors is managed.
public enum HostMemory {
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
