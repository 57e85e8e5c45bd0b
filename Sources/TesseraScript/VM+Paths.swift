/// How the register machine changes part of a variable in place (`bodies[i]["vx"] -= d`,
/// `d["k"].append(x)`): a short walk through Arrays and present Dict keys, and the general
/// walk through members and subscripts of any value, from a register, a Box, a session
/// variable or a temporary.
extension Interpreter {
    /// Changes register `register` of the window at `base` in place through `body`: the
    /// value is taken out first (so its storage is uniquely referenced and grows without a
    /// copy) and put back after, at the registers' current address, since `body` may run
    /// script code that moves them (a closure given to a method, calling compiled code).
    @inline(__always)
    func inPlace(_ register: Int, _ base: Int, _ body: (inout Value) throws -> Value) throws -> Value {
        var value = Value.nil
        swap(&value, &registers.base[base + register])
        defer { registers.base[base + register] = value }
        return try body(&value)
    }

    /// What a short walk does at the end of its path: a protocol, not an enum, so that each
    /// walk is specialized for its change (an enum's payload was copied, retained and
    /// switched on at every step).
    protocol PathChange {
        /// Makes the change to `target`; false, with nothing done, when the general walk
        /// must make it.
        func apply(to target: inout Value) throws -> Bool
        /// The value `d[k] = x` adds as a new entry when the Dict has not the key (nil for
        /// any other change).
        var newEntry: Value? { get }
    }

    /// `xs.append(x)` (false for anything but an Array).
    struct Appending: PathChange {
        let x: Value
        /// The argument copied before the walk: it may be the root's own register, which the
        /// walk takes out (`own[0].append(own)` on a local).
        @inline(__always)
        init(_ argument: UnsafePointer<Value>) { x = Value.copy(argument) }
        @inline(__always)
        func apply(to target: inout Value) -> Bool { Interpreter.append(x, to: &target) }
        var newEntry: Value? { nil }
    }

    /// `= v` (false for nil, which removes a Dict's key: the general walk does that), or
    /// `op= v`.
    struct Storing: PathChange {
        let v: Value
        let op: BinaryOperator?
        @inline(__always)
        func apply(to target: inout Value) throws -> Bool {
            if let op {
                try op.combine(&target, v)
                return true
            }
            if v.isNil { return false }
            target = v
            return true
        }
        var newEntry: Value? { op == nil && !v.isNil ? v : nil }
    }

    /// `xs.append(x)` on an Array, in place (the Array is taken out of `container`, so its
    /// storage is uniquely referenced, and put back); false, with nothing done, for anything
    /// else, which the method table handles.
    @inline(__always)
    static func append(_ x: Value, to container: inout Value) -> Bool {
        guard case .array(var xs) = container else { return false }
        // Growing a large Array goes the general way, which checks memory first (a loop that
        // appends forever ends in a MemoryError, not an abort).
        if _slowPath(xs.count == xs.capacity && xs.count >= ArrayMethods.growthCheckedFrom) { return false }
        container = .nil
        xs.append(x)
        container = .array(xs)
        return true
    }

    /// Makes `change` at the end of `path`, in place, walking Arrays (an index in range)
    /// and Dicts (a key they have, by subscript or member name) the short way:
    /// `bodies[i]["vx"] -= d`, `d["k"].append(x)`. False, with nothing changed, when the
    /// path meets anything else (a missing key, a native object, a constant or undefined
    /// root) or the change is not a plain one: the general walk handles those. (`r` is the
    /// window's registers, where the root and the keys are; `globals` the chunk's slots.)
    @inline(__always)
    static func fastPath(_ path: AssignmentPath, _ r: UnsafeMutablePointer<Value>, _ constants: UnsafePointer<Value>,
                         _ globals: UnsafePointer<Unmanaged<GlobalSlot>>, _ change: some PathChange) throws -> Bool {
        guard path.constantError == nil else { return false }
        switch path.root {
        case .register(let a):
            return try walkAll(&r[Int(a)], path, r, constants, change)
        case .box(let a):
            return try walkAll(&box(r[Int(a)]).value, path, r, constants, change)
        case .global(let g):
            return try globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                try slot.isAssignable && walkAll(&slot.stored, path, r, constants, change)
            }
        case .temporary:
            return false
        }
    }

    /// The short walk of all of `path` from its root `v`. One step (`d["k"].append(x)`,
    /// `xs[i] += 1`) and two (`bodies[i]["vx"] -= d`), the common ones, go without a call
    /// to the recursive walk, which does not inline: the steps, the change and the put-backs
    /// in one body.
    @inline(__always)
    private static func walkAll(_ v: inout Value, _ path: AssignmentPath, _ r: UnsafeMutablePointer<Value>,
                                _ constants: UnsafePointer<Value>, _ change: some PathChange) throws -> Bool {
        switch path.count {
        case 1:
            return try last(&v, path.steps, r, constants, change)
        case 2:
            return try step(&v, path.steps, r, constants) { try last(&$0, path.steps + 1, r, constants, change) }
        default:
            return try walk(&v, path, 0, r, constants, change)
        }
    }

    /// The short walk from step `at` of `path` on. Each container is taken out of `v` (so
    /// its storage is uniquely referenced), changed and put back; `if case` binds, then `v`
    /// lets go: a `switch` on it kept a second reference for its duration, and every change
    /// copied.
    private static func walk(_ v: inout Value, _ path: AssignmentPath, _ at: Int, _ r: UnsafeMutablePointer<Value>,
                             _ constants: UnsafePointer<Value>, _ change: some PathChange) throws -> Bool {
        if at == path.count { return try change.apply(to: &v) }
        // The last step changes the element it finds itself, without a call more.
        if at + 1 == path.count { return try last(&v, path.steps + at, r, constants, change) }
        return try step(&v, path.steps + at, r, constants) { try walk(&$0, path, at + 1, r, constants, change) }
    }

    /// The last step of the short walk: `change` made to the element of `v` that `step`
    /// names, or (`d[k] = x` for a key the Dict has not) a new entry.
    @inline(__always)
    private static func last(_ v: inout Value, _ step: UnsafeMutablePointer<PathStep>, _ r: UnsafeMutablePointer<Value>,
                             _ constants: UnsafePointer<Value>, _ change: some PathChange) throws -> Bool {
        if try Self.step(&v, step, r, constants, { try change.apply(to: &$0) }) { return true }
        if let x = change.newEntry { return insert(x, into: &v, step, r, constants) }
        return false
    }

    /// One step of the short walk: `body` on the element of `v` that `step` names, in place;
    /// false when there is none (or `v` is neither an Array nor a Dict).
    @inline(__always)
    private static func step(_ v: inout Value, _ step: UnsafeMutablePointer<PathStep>, _ r: UnsafeMutablePointer<Value>,
                             _ constants: UnsafePointer<Value>, _ body: (inout Value) throws -> Bool) throws -> Bool {
        if !step.pointee.member, case .array(var xs) = v {
            guard let i = step.pointee.key.int(r, constants), i >= 0, i < xs.count else { return false }
            v = .nil
            defer { v = .array(xs) }
            return try body(&xs[i])
        }
        guard case .dict(var d) = v else { return false }
        let found: Int?
        if let constant = step.pointee.dictKey {
            found = d.position(of: constant, hint: &step.pointee.hint)
        } else if case .register(let a) = step.pointee.key {
            found = d.position(ofKeyAt: r + Int(a))
        } else {
            return false
        }
        guard let i = found else { return false }
        v = .nil
        defer { v = .dict(d) }
        return try d.modifyValue(at: i, body)
    }

    /// `v[key] = x` where `v` is a Dict without that key: the entry added in place; false,
    /// with nothing changed, for anything else (a key that cannot be one, a Dict that must
    /// grow past `growthCheckedFrom`, whose memory the general walk checks first).
    @inline(never)
    private static func insert(_ x: Value, into v: inout Value, _ step: UnsafeMutablePointer<PathStep>, _ r: UnsafeMutablePointer<Value>,
                               _ constants: UnsafePointer<Value>) -> Bool {
        guard !step.pointee.member, case .dict(var d) = v else { return false }
        let keyValue = step.pointee.key.value(r, constants)
        guard let key = step.pointee.dictKey ?? DictKey(keyValue),
              d.count < ArrayMethods.growthCheckedFrom || d.count < d.capacity else { return false }
        v = .nil
        defer { v = .dict(d) }
        return d.insertNew(keyValue, key, x)
    }

    /// A mutating method on the part of a variable at the end of `path` that the short walk
    /// did not take: through the general walk (the call site's arguments in the registers
    /// from `first` of the window at `base`).
    @inline(never)
    func callMethodOnPath(_ path: AssignmentPath, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, base: Int,
                          _ constants: UnsafePointer<Value>, _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> Value {
        let r = registers.base + base
        let args = Self.arguments(site, r + first, site.pointee.labels.count)
        let method = site.pointee.method!
        let result = try withKeys(path, r, constants) { keys in
            try callOnPath(path, keys, method, args, chunk.takeUnretainedValue(), base, pc)
        }
        return site.pointee.discardsResult ? .nil : result
    }

    /// `= value` or `op= value` at the end of `path` through the general walk, for what the
    /// short one did not take (a missing key, a member of a native object, `d[k] = nil`).
    @inline(never)
    func modifyPathGenerally(_ path: AssignmentPath, _ value: Input, base: Int, _ constants: UnsafePointer<Value>, _ chunk: Unmanaged<Chunk>) throws {
        let r = registers.base + base
        let v = value.value(r, constants)
        try withKeys(path, r, constants) { keys in
            try modifyRoot(path, chunk.takeUnretainedValue(), base) { root in
                try walk(&root, keys, 0, path) { try path.store(v, into: &$0) }
            }
        }
    }

    /// `r[a][index] = value` for what `setElement` did not take, in place through the
    /// general subscript path.
    @inline(never)
    func setSubscript(_ a: Int, base: Int, _ index: Value, _ value: Value) throws {
        let container = registers.base + base + a
        if case .dict = container.pointee, !value.isNil, let key = DictKey(index), Self.setEntry(container, index, key, value) { return }
        _ = try inPlace(a, base) { try Subscripts.modify(&$0, index, self) { $0 = value }; return .nil }
    }

    /// `d[key] = value` on the Dict in `container`, in place with one lookup (`c[x] = x`
    /// building a Dict in a function); false, with nothing changed, for anything else and
    /// for a new key the Dict must grow past `growthCheckedFrom` entries to take.
    private static func setEntry(_ container: UnsafeMutablePointer<Value>, _ key: Value, _ hashKey: DictKey, _ value: Value) -> Bool {
        guard case .dict(var d) = container.pointee else { return false }
        container.pointee = .nil
        defer { container.pointee = .dict(d) }
        return d.setWithoutGrowthCheck(key, hashKey, value)
    }

    /// The keys of `path`, copied out of the registers and the constant pool (onto the
    /// stack, not the heap) for `body`: walking them may run script code that moves the
    /// registers.
    @inline(__always)
    func withKeys<T>(_ path: AssignmentPath, _ r: UnsafeMutablePointer<Value>, _ constants: UnsafePointer<Value>,
                     _ body: (UnsafeBufferPointer<Value>) throws -> T) throws -> T {
        let count = path.count
        return try withUnsafeTemporaryAllocation(of: Value.self, capacity: count) { keys in
            for k in 0..<count { (keys.baseAddress! + k).initialize(to: path.steps[k].key.value(r, constants)) }
            defer { keys.baseAddress!.deinitialize(count: count) }
            return try body(UnsafeBufferPointer(keys))
        }
    }

    /// Changes the root of `path` in place through `body`: a register's value, a Box's, a
    /// session variable's (an error when it may not be assigned), or a temporary's (an
    /// error unless it is a native object, which changes where it lives).
    func modifyRoot(_ path: AssignmentPath, _ chunk: Chunk, _ base: Int, _ body: (inout Value) throws -> Void) throws {
        if let e = path.constantError { throw e }
        switch path.root {
        case .register(let a):
            _ = try inPlace(Int(a), base) { try body(&$0); return .nil }
        case .box(let a):
            try body(&Self.box(registers.base[base + Int(a)]).value)
        case .global(let g):
            let slot = chunk.globals[Int(g)]
            guard slot.isAssignable else { throw assignmentError(slot, at: path.rootLocation, in: chunk.source) }
            try body(&slot.stored)
        case .temporary(let a):
            var v = registers.base[base + Int(a)]
            try body(&v)
            if case .object = v { return }
            throw ScriptError(.type, "cannot change part of a temporary \(v.typeName); store it in a var first", at: path.rootLocation, in: chunk.source)
        }
    }

    /// The value at the end of `path` (its root, then each key), as reading it would give.
    func read(_ path: AssignmentPath, _ keys: UnsafeBufferPointer<Value>, _ chunk: Chunk, _ base: Int) throws -> Value {
        var v: Value
        switch path.root {
        case .register(let a), .temporary(let a): v = registers.base[base + Int(a)]
        case .box(let a): v = Self.box(registers.base[base + Int(a)]).value
        case .global(let g):
            let slot = chunk.globals[Int(g)]
            guard let value = slot.value else { throw undefinedError(slot.name, at: path.rootLocation, in: chunk.source) }
            v = value
        }
        for (k, key) in keys.enumerated() {
            if path.steps[k].member, case .string(let name) = key { v = try Members.get(v, name, self) } else { v = try Subscripts.get(v, key, self) }
        }
        return v
    }

    /// A mutating method called on part of a variable: on the part in place when the method
    /// changes a value of its kind (`append` on an Array), else on its value.
    func callOnPath(_ path: AssignmentPath, _ keys: UnsafeBufferPointer<Value>, _ method: MethodSite,
                    _ args: [ArgumentValue], _ chunk: Chunk, _ base: Int, _ pc: Int) throws -> Value {
        var current = try read(path, keys, chunk, base)
        guard Members.mutates(current, method) else { return try passing(method, chunk, pc) { try Members.call(current, method, args, self) } }
        // Let go of this copy first: the part must be uniquely referenced to grow in place.
        current = .nil
        var result = Value.nil
        try modifyRoot(path, chunk, base) { root in
            try walk(&root, keys, 0, path) { v in result = try passing(method, chunk, pc) { try Members.callMutating(&v, method, args, self) } }
        }
        return result
    }

    /// Walks `keys[at...]` into `container` in place (members or subscripts as the path
    /// says), then changes what is there through `body`.
    func walk(_ container: inout Value, _ keys: UnsafeBufferPointer<Value>, _ at: Int, _ path: AssignmentPath,
              _ body: (inout Value) throws -> Void) throws {
        guard at < keys.count else { return try body(&container) }
        let key = keys[at]
        if path.steps[at].member, case .string(let name) = key {
            try Members.modify(&container, name, self) { try walk(&$0, keys, at + 1, path, body) }
        } else if case .int(let i) = key, case .array(var xs) = container, i >= 0, i < xs.count {
            // An Array element: taken out, changed and put back, so its storage is uniquely referenced.
            container = .nil
            defer { container = .array(xs) }
            try walk(&xs[i], keys, at + 1, path, body)
        } else {
            try Subscripts.modify(&container, key, self) { try walk(&$0, keys, at + 1, path, body) }
        }
    }

    /// `container[index] = value` for an Array and an Int index in range, in place without
    /// the general subscript path (the Array is taken out, set and put back, so its storage
    /// is uniquely referenced); false for anything else, which that path handles. (Read
    /// where they are: copies of the index and the value cost an outlined copy and destroy
    /// each.)
    @inline(__always)
    static func setElement(_ container: UnsafeMutablePointer<Value>, _ index: UnsafePointer<Value>, _ value: UnsafePointer<Value>) -> Bool {
        guard case .int(let i) = index.pointee, case .array(var xs) = container.pointee, i >= 0, i < xs.count else { return false }
        // (The value copied first: it may be the container itself, `xs[1] = xs`.)
        let v = Value.copy(value)
        container.pointee = .nil
        xs.withUnsafeMutableBufferPointer { Value.store($0.baseAddress.unsafelyUnwrapped + i, v) }
        container.initialize(to: .array(xs))
        return true
    }
}
