/// An insertion-ordered dictionary with copy-on-write storage, so that a Dict value is one
/// pointer wide and copies cost nothing until one side writes.
///
/// The entries sit in insertion order in three parallel arrays (keys, values, and each
/// key's hash); an open-addressed table of positions finds a key among them, as in
/// CPython's compact dict. A lookup compares stored hashes before keys, so a String key
/// is compared once, when it is found; a Dict of a few entries (a record, a task) has no
/// table and is searched along its hashes.
public struct ScriptDict: @unchecked Sendable {
    final class Storage {
        @exclusivity(unchecked) var keys: [Value] = []
        @exclusivity(unchecked) var values: [Value] = []
        @exclusivity(unchecked) var hashes: [Int] = []
        /// Each slot holds an entry's position + 1, or 0 when empty; a power of two long,
        /// at most half full. Nil while the Dict has `linearLimit` entries or fewer.
        @exclusivity(unchecked) var table: UnsafeMutablePointer<Int32>?
        @exclusivity(unchecked) var mask = 0

        /// Entries a Dict without a table holds: up to this many, comparing hashes along
        /// the array costs less than probing a table.
        static let linearLimit = 8

        init() {}

        deinit { table?.deallocate() }

        func copy() -> Storage {
            let s = Storage()
            s.keys = keys; s.values = values; s.hashes = hashes
            if let table {
                s.table = .allocate(capacity: mask + 1)
                s.table!.initialize(from: table, count: mask + 1)
                s.mask = mask
            }
            return s
        }

        /// The position of the key `key` whose hash is `hash`, if the Dict has it. (Called,
        /// not inlined: the dispatch loop inlines its callers, and grown by the probe loop
        /// it stopped inlining an Array's count.)
        @inline(never)
        func find(_ key: UnsafePointer<Value>, _ hash: Int) -> Int? {
            // (Elements read one by one: `withUnsafeBufferPointer` retained the array.)
            guard let table else {
                for i in hashes.indices where hashes[i] == hash && DictKey.same(keys[i], key.pointee) { return i }
                return nil
            }
            var slot = hash & mask
            while true {
                let e = Int(table[slot]) - 1
                if e < 0 { return nil }
                if hashes[e] == hash && DictKey.same(keys[e], key.pointee) { return e }
                slot = (slot + 1) & mask
            }
        }

        /// The position of `key` (see `find(_:_:)` above).
        @inline(__always)
        func find(_ key: Value, _ hash: Int) -> Int? {
            withUnsafePointer(to: key) { find($0, hash) }
        }

        /// The position of `key`, trying `hint` first (see `ScriptDict.position(of:hint:)`).
        @inline(__always)
        func position(of key: DictKey, hint: inout Int) -> Int? {
            if hint < hashes.count, hashes[hint] == key.hash, DictKey.same(keys[hint], key.value) {
                return hint
            }
            guard let i = find(key.value, key.hash) else { return nil }
            hint = i
            return i
        }

        /// The value at `key`, found by way of `hint`.
        @inline(__always)
        func value(at key: DictKey, hint: inout Int) -> Value? {
            guard let i = position(of: key, hint: &hint) else { return nil }
            return values[i]
        }

        /// The script function at `key` (found by way of `hint`), unretained, valid for as
        /// long as the Dict holds it; nil when the value there is anything else.
        @inline(__always)
        func scriptFunction(at key: DictKey, hint: inout Int) -> Unmanaged<ScriptFunction>? {
            guard let i = position(of: key, hint: &hint) else { return nil }
            return Value.scriptFunction(at: valueAddress(i))
        }

        /// The address of the value at position `i`, to read it where it is. (The buffer is
        /// the Storage's, which the caller keeps alive, and nothing changes the Dict while
        /// the caller reads: a `withUnsafeBufferPointer` around each read retained it.)
        @inline(__always)
        func valueAddress(_ i: Int) -> UnsafePointer<Value> {
            values.withUnsafeBufferPointer { $0.baseAddress.unsafelyUnwrapped + i }
        }

        /// The table's slots that `keys` land on, read (summed where the optimizer keeps the
        /// reads) so that the lookups which follow find them in the cache.
        func readAhead(_ keys: [DictKey]) {
            guard let table else { return }
            var sum: Int32 = 0
            for key in keys { sum &+= table[key.hash & mask] }
            readAheadSum = sum
        }
        @exclusivity(unchecked) private var readAheadSum: Int32 = 0

        /// Adds an entry the Dict has not got.
        func append(_ key: Value, _ hash: Int, _ value: Value) {
            keys.append(key)
            values.append(value)
            hashes.append(hash)
            if table != nil, 2 * hashes.count <= mask + 1 {
                place(hashes.count - 1)
            } else if hashes.count > Self.linearLimit {
                rebuild()
            }
        }

        /// Puts position `e` in the first free slot of its probe sequence.
        private func place(_ e: Int) {
            var slot = hashes[e] & mask
            while table![slot] != 0 { slot = (slot + 1) & mask }
            table![slot] = Int32(e + 1)
        }

        /// A new table for the entries there are (none for a few), at most a quarter full.
        func rebuild() {
            table?.deallocate()
            table = nil
            mask = 0
            guard hashes.count > Self.linearLimit else { return }
            var capacity = 32
            while capacity < 4 * hashes.count { capacity *= 2 }
            table = .allocate(capacity: capacity)
            table!.initialize(repeating: 0, count: capacity)
            mask = capacity - 1
            for e in hashes.indices { place(e) }
        }
    }
    private var storage = Storage()

    public init() {}

    public var count: Int { storage.keys.count }

    /// Readies the lookups of `keys` (see `Storage.readAhead`).
    func readAhead(_ keys: [DictKey]) { storage.readAhead(keys) }
    /// How many entries the Dict holds before its arrays must grow.
    var capacity: Int { storage.keys.capacity }
    /// What one entry takes: its key, value and hash, and two slots of the table.
    static let bytesPerEntry = 2 * MemoryLayout<Value>.stride + 8 + 8
    public var isEmpty: Bool { storage.keys.isEmpty }
    public var keys: [Value] { storage.keys }
    public var values: [Value] { storage.values }

    /// Pairs in insertion order.
    public var entries: Zip2Sequence<[Value], [Value]> { zip(storage.keys, storage.values) }

    public subscript(key: DictKey) -> Value? {
        guard let i = storage.find(key.value, key.hash) else { return nil }
        return storage.values[i]
    }

    public subscript(string key: String) -> Value? { self[.string(key)] }

    /// The value at the key in `key` (read where it is, not copied) of the Dict held by the
    /// Value at `container`, without copying the Dict out (a copy retained and released its
    /// storage around every `d[k]`): nil when the Value is not a Dict or `key` cannot be a
    /// key, `.some(nil)` when the Dict has not got it.
    @inline(__always)
    static func lookup(in container: UnsafePointer<Value>, _ key: UnsafePointer<Value>) -> Value?? {
        guard let storage = storage(at: container) else { return nil }
        return storage._withUnsafeGuaranteedRef { s in
            guard let h = DictKey.hash(at: key) else { return nil }
            guard let i = s.find(key, h) else { return .some(nil) }
            return Value.copy(s.valueAddress(i))
        }
    }

    /// The storage of the Dict held by the Value at `container`, unretained, valid for as long
    /// as the Value holds it; nil when the Value is not a Dict.
    @inline(__always)
    static func storage(at container: UnsafePointer<Value>) -> Unmanaged<Storage>? {
        guard case .dict = container.pointee else { return nil }
        // A Dict Value's payload is the ScriptDict, whose one stored property is the
        // reference to its storage.
        let storage = UnsafeRawPointer(container).load(as: Unmanaged<Storage>.self)
        assert({ if case .dict(let d) = container.pointee { return d.storage === storage.takeUnretainedValue() }; return false }())
        return storage
    }

    /// The position of the key in `key` (read where it is, not copied), nil when the Dict
    /// has not got it or the value cannot be a key.
    @inline(__always)
    func position(ofKeyAt key: UnsafePointer<Value>) -> Int? {
        guard let h = DictKey.hash(at: key) else { return nil }
        return storage.find(key, h)
    }

    /// The position of `key`, trying `hint` first: the position a lookup at the same place
    /// in the code found last. A site that reads one key of Dicts built alike (`body.x` over
    /// bodies made by one literal) then compares one hash and one key instead of searching.
    @inline(__always)
    func position(of key: DictKey, hint: inout Int) -> Int? {
        storage.position(of: key, hint: &hint)
    }

    /// Changes the value at position `i` (from `position(of:)`) in place, the storage made
    /// unique first.
    @inline(__always)
    mutating func modifyValue<T>(at i: Int, _ body: (inout Value) throws -> T) rethrows -> T {
        unique()
        return try body(&storage.values[i])
    }

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Sets `key` to `value`, keeping the key's first insertion position (and the key as
    /// first written: `d[1.0] = x` then `d[1] = y` leaves the key `1.0`).
    public mutating func set(_ key: Value, _ hashKey: DictKey, _ value: Value) {
        unique()
        if let i = storage.find(hashKey.value, hashKey.hash) {
            storage.values[i] = value
        } else {
            storage.append(key, hashKey.hash, value)
        }
    }

    /// Adds `key` with `value` when the Dict has not got it, with one lookup; false, with
    /// nothing changed, when it has.
    mutating func insertNew(_ key: Value, _ hashKey: DictKey, _ value: Value) -> Bool {
        if storage.find(hashKey.value, hashKey.hash) != nil { return false }
        unique()
        storage.append(key, hashKey.hash, value)
        return true
    }

    /// Sets `key` to `value` with one lookup, unless the key is new and the Dict must grow
    /// past `ArrayMethods.growthCheckedFrom` entries to take it: false then, with nothing
    /// changed (the general path checks the memory first).
    mutating func setWithoutGrowthCheck(_ key: Value, _ hashKey: DictKey, _ value: Value) -> Bool {
        if let i = storage.find(hashKey.value, hashKey.hash) {
            unique()
            storage.values[i] = value
            return true
        }
        guard count < ArrayMethods.growthCheckedFrom || count < capacity else { return false }
        unique()
        storage.append(key, hashKey.hash, value)
        return true
    }

    /// Sets a String key (the common case in the prelude).
    public mutating func set(_ key: String, _ value: Value) {
        let k = DictKey.string(key)
        set(k.value, k, value)
    }

    /// Updates the value at `key` in place (the storage, not a copy, so an Array held in a
    /// Dict grows without being copied); a missing key starts as `nil`, and a value left
    /// `nil` removes the key, as `d[k] = nil` does in Swift.
    public mutating func modify(_ key: Value, _ hashKey: DictKey, _ body: (inout Value) throws -> Void) rethrows {
        unique()
        if let i = storage.find(hashKey.value, hashKey.hash) {
            try body(&storage.values[i])
            if storage.values[i].isNil { remove(hashKey) }
        } else {
            var v: Value = .nil
            try body(&v)
            if !v.isNil { storage.append(key, hashKey.hash, v) }
        }
    }

    /// Removes `key` and returns its value (the entries after it move up one position).
    @discardableResult
    public mutating func remove(_ hashKey: DictKey) -> Value? {
        guard let i = storage.find(hashKey.value, hashKey.hash) else { return nil }
        unique()
        let old = storage.values[i]
        storage.keys.remove(at: i)
        storage.values.remove(at: i)
        storage.hashes.remove(at: i)
        storage.rebuild()
        return old
    }

    public mutating func removeAll() { storage = Storage() }
}
