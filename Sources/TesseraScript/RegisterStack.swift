/// The registers of every running compiled function, one window per activation.
final class RegisterStack {
    @exclusivity(unchecked) var base: UnsafeMutablePointer<Value>
    @exclusivity(unchecked) var capacity: Int
    /// The first register no activation uses: where a new entry into the machine starts.
    @exclusivity(unchecked) var top = 0

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
        base.initialize(repeating: .nil, count: capacity)
    }

    /// Makes room for registers up to `end` (moving them: callers hold indices, not pointers).
    @inline(__always)
    func reserve(_ end: Int) {
        if end > capacity { grow(end) }
    }

    @inline(never)
    private func grow(_ end: Int) {
        let grown = Swift.max(end, capacity * 2)
        let fresh = UnsafeMutablePointer<Value>.allocate(capacity: grown)
        fresh.moveInitialize(from: base, count: capacity)
        (fresh + capacity).initialize(repeating: .nil, count: grown - capacity)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    /// Lets go of the values in registers `from ..< from + count` (a returned activation's).
    @inline(__always)
    func clear(_ from: Int, _ count: Int) {
        let p = base + from
        for i in 0..<count { Value.store(p + i, .nil) }
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }
}
