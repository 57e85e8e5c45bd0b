/// The register machine: runs a `Chunk` over a window of the interpreter's register stack.
///
/// Calls between compiled functions stay inside one dispatch loop: the callee's window
/// starts at the caller's first argument register, so arguments are bound by being where
/// they are, and returning pops an activation record, not a Swift stack frame. Anything
/// else (native functions, methods, closure-tree functions) is called as before.

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
    func reserve(_ end: Int) {
        guard end > capacity else { return }
        let grown = Swift.max(end, capacity * 2)
        let fresh = UnsafeMutablePointer<Value>.allocate(capacity: grown)
        fresh.moveInitialize(from: base, count: capacity)
        (fresh + capacity).initialize(repeating: .nil, count: grown - capacity)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    /// Lets go of the values in registers `range` (a returned activation's).
    @inline(__always)
    func clear(_ from: Int, _ count: Int) {
        let p = base + from
        for i in 0..<count { p[i] = .nil }
    }

    deinit {
        base.deinitialize(count: capacity)
        base.deallocate()
    }
}

/// A compiled function's call in progress, below the running one.
private struct Activation {
    let chunk: Chunk
    let returnTo: Int
    let base: Int
    /// Where the caller wants the result (an absolute register).
    let result: Int
}

extension Interpreter {
    /// A call of a value that is not compiled code (a native function, a closure on the closure
    /// tree, a callable object): its result, or its error with this call as a traceback line.
    private func callValue(_ c: Value, _ site: UnsafeMutablePointer<BytecodeCall>, _ first: UnsafeMutablePointer<Value>, _ count: Int,
                           _ chunk: Chunk, _ pc: Int) throws -> Value {
        let args = Self.arguments(site, first, count)
        do {
            if case .function(let fn) = c { return try fn.call(args, self) }
            return try call(c, args)
        } catch var err as ScriptError {
            if err.location != nil {
                let name: String
                if case .function(let fn) = c { name = fn.name } else { name = c.typeName }
                err.passedThrough(name, at: chunk.locations[pc - 1], in: chunk.source)
            }
            throw err
        }
    }

    /// Enters compiled function `target` from the running one: an activation record for the
    /// caller, the callee's window starting at its first argument (register `first`).
    @inline(__always)
    private func enter(_ target: Chunk, result a: Int, first: Int, _ frames: inout [Activation], _ chunk: inout Chunk,
                       _ code: inout UnsafePointer<Instruction>, _ constants: inout UnsafePointer<Value>,
                       _ globals: inout UnsafePointer<Unmanaged<GlobalSlot>>, _ pc: inout Int, _ base: inout Int,
                       _ r: inout UnsafeMutablePointer<Value>) throws {
        callDepth += 1
        if callDepth > maxCallDepth {
            callDepth -= 1
            throw ScriptError(.recursion, "maximum recursion depth (\(maxCallDepth)) exceeded in '\(target.name)'",
                              suggestion: "a function that calls itself needs a case that stops the recursion")
        }
        let stack = registers
        frames.append(Activation(chunk: chunk, returnTo: pc, base: base, result: base + a))
        base += first
        stack.reserve(base + target.registerCount)
        stack.top = base + target.registerCount
        r = stack.base + base
        chunk = target
        code = UnsafePointer(target.codeBase!)
        constants = UnsafePointer(target.constantBase!)
        globals = Self.unretained(target.globalBase!)
        pc = 0
    }

    /// A call's arguments: `count` registers from `first`, labelled as the call site says.
    @inline(__always)
    static func arguments(_ site: UnsafeMutablePointer<BytecodeCall>, _ first: UnsafeMutablePointer<Value>, _ count: Int) -> [ArgumentValue] {
        var args: [ArgumentValue] = []
        args.reserveCapacity(count)
        for k in 0..<count { args.append(ArgumentValue(label: site.pointee.labels[k], first[k])) }
        return args
    }

    /// A chunk's global slots, which it holds strongly, as references to use without retaining.
    @inline(__always)
    static func unretained(_ p: UnsafeMutablePointer<GlobalSlot>) -> UnsafePointer<Unmanaged<GlobalSlot>> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Unmanaged<GlobalSlot>.self)
    }

    /// Runs `chunk` with its parameters already in registers `base ..< base + parameters`.
    func execute(_ entry: Chunk, base entryBase: Int) throws -> Value {
        let stack = registers
        var frames: [Activation] = []
        // (Held strongly: unowned(unsafe) measured slower, 0.026 s against 0.021 for fib(25).)
        var chunk = entry
        var code = UnsafePointer(chunk.codeBase!)
        var constants = UnsafePointer(chunk.constantBase!)
        // Held by the chunk: read here without a retain and release per use (`unowned(unsafe)`
        // still made them, a quarter of a loop over a session variable).
        var globals = Self.unretained(chunk.globalBase!)
        var pc = 0
        var base = entryBase
        stack.reserve(base + chunk.registerCount)
        var r = stack.base + base
        let savedTop = stack.top
        stack.top = base + chunk.registerCount
        let flag = interrupt
        defer { stack.top = savedTop }

        while true {
            let instruction = code[pc]
            pc += 1
            do {
                switch instruction {
                case .constant(let a, let k):
                    r[Int(a)] = constants[Int(k)]
                case .move(let a, let b):
                    r[Int(a)] = r[Int(b)]
                case .global(let a, let g):
                    try globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        guard let v = slot.value else { throw undefinedError(slot.name, at: chunk.locations[pc - 1], in: chunk.source) }
                        r[Int(a)] = v
                    }
                case .setGlobal(let g, let b):
                    try globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        guard slot.isAssignable else { throw assignmentError(slot, at: chunk.locations[pc - 1], in: chunk.source) }
                        slot.value = r[Int(b)]
                    }
                case .defineGlobal(let g, let b, let constant):
                    globals[Int(g)]._withUnsafeGuaranteedRef { $0.bind(r[Int(b)], constant: constant != 0) }
                case .updateGlobal(let op, let g, let b):
                    try globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        guard slot.isAssignable else { throw assignmentError(slot, at: chunk.locations[pc - 1], in: chunk.source) }
                        if op == .add { try Operators.addInPlace(&slot.value!, r[Int(b)]) } else { slot.value = try op.evaluate(slot.value!, r[Int(b)]) }
                    }
                case .binary(let op, let a, let b, let c):
                    r[Int(a)] = try op.evaluate(r[Int(b)], r[Int(c)])
                case .binaryConstant(let op, let a, let b, let k):
                    r[Int(a)] = try op.evaluate(r[Int(b)], constants[Int(k)])
                case .addInPlace(let a, let b):
                    try Operators.addInPlace(&r[Int(a)], r[Int(b)])
                case .negate(let a, let b):
                    r[Int(a)] = try Operators.negate(r[Int(b)])
                case .not(let a, let b):
                    r[Int(a)] = try Operators.not(r[Int(b)])
                case .jump(let to):
                    pc = Int(to)
                case .loop(let to):
                    if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted") }
                    pc = Int(to)
                case .jumpIfFalse(let a, let to, let what):
                    guard case .bool(let b) = r[Int(a)] else { throw conditionError(r[Int(a)], constants[Int(what)]) }
                    if !b { pc = Int(to) }
                case .jumpIfTrue(let a, let to, let what):
                    guard case .bool(let b) = r[Int(a)] else { throw conditionError(r[Int(a)], constants[Int(what)]) }
                    if b { pc = Int(to) }
                case .jumpIfNotNil(let a, let to):
                    if !r[Int(a)].isNil { pc = Int(to) }
                case .forStart(let a):
                    let i = Int(a)
                    switch r[i] {
                    case .range(let range): r[i + 1] = .int(range.lower)
                    case .array: r[i + 1] = .int(0)
                    case .dict(let d): r[i] = .array(d.entries.map { Value.tuple([$0.0, $0.1]) }); r[i + 1] = .int(0)
                    case .string(let s): r[i] = .array(s.map { Value.string(String($0)) }); r[i + 1] = .int(0)
                    case .object(let o as NativeSequence): r[i] = .array(try o.elements(checking: flag)); r[i + 1] = .int(0)
                    default:
                        throw ScriptError(.type, "cannot iterate over a value of type \(r[i].typeName)",
                                          suggestion: "a for loop takes a Range, an Array, a Dict or a String")
                    }
                case .forNext(let a, let b, let to):
                    let i = Int(a)
                    guard case .int(let k) = r[i + 1] else { pc = Int(to); continue }
                    switch r[i] {
                    case .range(let range):
                        if k < range.upperExclusive { r[Int(b)] = .int(k); r[i + 1] = .int(k + 1) } else { pc = Int(to) }
                    case .array(let xs):
                        if k < xs.count { r[Int(b)] = xs[k]; r[i + 1] = .int(k + 1) } else { pc = Int(to) }
                    default:
                        pc = Int(to)
                    }
                case .call(let a, let callee, let first, let count, let s):
                    if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted") }
                    let site = chunk.siteBase! + Int(s)
                    if case .function(let fn) = r[Int(callee)], let sf = fn as? ScriptFunction, let target = site.pointee.compiledTarget(sf, count: Int(count)) {
                        try enter(target, result: Int(a), first: Int(first), &frames, &chunk, &code, &constants, &globals, &pc, &base, &r)
                        continue
                    }
                    let result = try callValue(r[Int(callee)], site, r + Int(first), Int(count), chunk, pc)
                    r = stack.base + base
                    r[Int(a)] = result
                case .callGlobal(let a, let g, let first, let count, let s):
                    if flag.isSet { throw ScriptError(.interrupted, "the cell was interrupted") }
                    let site = chunk.siteBase! + Int(s)
                    // A compiled function in the slot: its chunk, found without copying the value out.
                    let compiled = globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Chunk? in
                        guard case .function(let fn)? = slot.value, let sf = fn as? ScriptFunction else { return nil }
                        return site.pointee.compiledTarget(sf, count: Int(count))
                    }
                    if let target = compiled {
                        try enter(target, result: Int(a), first: Int(first), &frames, &chunk, &code, &constants, &globals, &pc, &base, &r)
                        continue
                    }
                    let c = try globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Value in
                        guard let v = slot.value else { throw undefinedError(slot.name, at: site.pointee.receiverLocation!, in: chunk.source) }
                        return v
                    }
                    let result = try callValue(c, site, r + Int(first), Int(count), chunk, pc)
                    r = stack.base + base
                    r[Int(a)] = result
                case .method(let a, let receiver, let first, let count, let s):
                    let site = chunk.siteBase! + Int(s)
                    let args = Self.arguments(site, r + Int(first), Int(count))
                    let method = site.pointee.method!
                    let result: Value
                    if site.pointee.mutatesReceiver, Members.mutates(r[Int(receiver)], method) {
                        result = try inPlace(Int(receiver), base) { try Members.callMutating(&$0, method, args, self) }
                    } else {
                        result = try Members.call(r[Int(receiver)], method, args, self)
                    }
                    r = stack.base + base
                    r[Int(a)] = result
                case .methodGlobal(let a, let g, let first, let count, let s):
                    let site = chunk.siteBase! + Int(s)
                    let args = Self.arguments(site, r + Int(first), Int(count))
                    let method = site.pointee.method!
                    let result = try globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Value in
                        // No copy of the value is held while it changes: it grows in place.
                        let mutates: Bool
                        switch slot.value {
                        case nil: throw undefinedError(slot.name, at: site.pointee.receiverLocation!, in: chunk.source)
                        case .array?: mutates = method.array.mutating != nil
                        case .dict?: mutates = Members.mutates(slot.value!, method)
                        default: mutates = false
                        }
                        guard mutates else { return try Members.call(slot.value!, method, args, self) }
                        guard slot.isAssignable else { throw assignmentError(slot, at: site.pointee.receiverLocation!, in: chunk.source) }
                        return try Members.callMutating(&slot.value!, method, args, self)
                    }
                    r = stack.base + base
                    r[Int(a)] = result
                case .member(let a, let b, let k):
                    guard case .string(let name) = constants[Int(k)] else { continue }
                    let v = try Members.get(r[Int(b)], name, self)
                    r = stack.base + base
                    r[Int(a)] = v
                case .subscriptGet(let a, let b, let c):
                    if case .array(let xs) = r[Int(b)], case .int(let i) = r[Int(c)], i >= 0, i < xs.count {
                        r[Int(a)] = xs[i]
                        continue
                    }
                    let v = try Subscripts.get(r[Int(b)], r[Int(c)], self)
                    r = stack.base + base
                    r[Int(a)] = v
                case .subscriptSet(let a, let b, let c):
                    let (index, v) = (r[Int(b)], r[Int(c)])
                    if Self.setElement(&r[Int(a)], index, v) { continue }
                    _ = try inPlace(Int(a), base) { try Subscripts.modify(&$0, index, self) { $0 = v }; return .nil }
                    r = stack.base + base
                case .modifyPath(let a, let first, let count, let value, let p):
                    let path = chunk.paths[Int(p)]
                    let v = r[Int(value)]
                    // The keys copied out of the registers (on the stack, not the heap): the
                    // walk may run script code that moves the registers.
                    try withUnsafeTemporaryAllocation(of: Value.self, capacity: Int(count)) { keys in
                        _ = keys.initialize(from: UnsafeBufferPointer(start: r + Int(first), count: Int(count)))
                        defer { keys.baseAddress!.deinitialize(count: Int(count)) }
                        let walk = UnsafeBufferPointer(keys)
                        _ = try inPlace(Int(a), base) { try modify(&$0, walk, 0, path, v); return .nil }
                    }
                    r = stack.base + base
                case .clear(let first, let count):
                    stack.clear(base + Int(first), Int(count))
                case .array(let a, let first, let count):
                    r[Int(a)] = .array(Array(UnsafeBufferPointer(start: r + Int(first), count: Int(count))))
                case .tuple(let a, let first, let count):
                    r[Int(a)] = .tuple(Array(UnsafeBufferPointer(start: r + Int(first), count: Int(count))))
                case .dict(let a, let first, let count):
                    var d = ScriptDict()
                    for k in 0..<Int(count) {
                        let key = r[Int(first) + 2 * k]
                        guard let hk = DictKey(key) else {
                            throw ScriptError(.type, "a \(key.typeName) cannot be a Dict key; use a String, number, Bool or Symbol")
                        }
                        d.set(key, hk, r[Int(first) + 2 * k + 1])
                    }
                    r[Int(a)] = .dict(d)
                case .interpolate(let a, let first, let count):
                    var out = ""
                    for k in 0..<Int(count) { r[Int(first) + k].write(to: &out, quoted: false, depth: 0) }
                    r[Int(a)] = .string(out)
                case .unpack(let a, let first, let count):
                    let value = r[Int(a)]
                    let parts: [Value]
                    switch value {
                    case .tuple(let xs), .array(let xs): parts = xs
                    default: throw ScriptError(.type, "cannot destructure a value of type \(value.typeName) into \(count) names")
                    }
                    guard parts.count == Int(count) else {
                        throw ScriptError(.value, "cannot destructure \(parts.count) values into \(count) names")
                    }
                    for k in 0..<Int(count) { r[Int(first) + k] = parts[k] }
                case .ret, .retNil:
                    var v = Value.nil
                    if case .ret(let a) = instruction { v = r[Int(a)] }
                    stack.clear(base, chunk.registerCount)
                    guard let caller = frames.popLast() else { return v }
                    callDepth -= 1
                    chunk = caller.chunk
                    code = UnsafePointer(chunk.codeBase!)
                    constants = UnsafePointer(chunk.constantBase!)
                    globals = Self.unretained(chunk.globalBase!)
                    pc = caller.returnTo
                    base = caller.base
                    stack.top = base + chunk.registerCount
                    r = stack.base + base
                    stack.base[caller.result] = v
                }
            } catch {
                // The error takes the place of the instruction that raised it, then passes
                // out through each compiled caller, as a traceback line each.
                var err = error as? ScriptError
                if var e = err, e.location == nil { e = e.located(chunk.locations[pc - 1], in: chunk.source); err = e }
                stack.clear(base, chunk.registerCount)
                while let caller = frames.popLast() {
                    callDepth -= 1
                    let calleeName = chunk.name
                    chunk = caller.chunk
                    err?.passedThrough(calleeName, at: chunk.locations[caller.returnTo - 1], in: chunk.source)
                    base = caller.base
                    stack.clear(base, chunk.registerCount)
                }
                throw err ?? error
            }
        }
    }

    /// Changes register `register` of the window at `base` in place through `body`: the
    /// value is taken out first (so its storage is uniquely referenced and grows without a
    /// copy) and put back after, at the registers' current address, since `body` may run
    /// script code that moves them (a closure given to a method, calling compiled code).
    @inline(__always)
    private func inPlace(_ register: Int, _ base: Int, _ body: (inout Value) throws -> Value) throws -> Value {
        var value = Value.nil
        swap(&value, &registers.base[base + register])
        defer { registers.base[base + register] = value }
        return try body(&value)
    }

    /// Walks `keys[at...]` into `container` in place (members or subscripts as the path
    /// says), then stores `value` at the end or combines it with what is there.
    private func modify(_ container: inout Value, _ keys: UnsafeBufferPointer<Value>, _ at: Int, _ path: AssignmentPath, _ value: Value) throws {
        guard at < keys.count else {
            container = try path.combine.map { try $0.evaluate(container, value) } ?? value
            return
        }
        let key = keys[at]
        if at + 1 == keys.count, path.combine == nil, !path.members[at], Self.setElement(&container, key, value) { return }
        if path.members[at], case .string(let name) = key {
            try Members.modify(&container, name, self) { try modify(&$0, keys, at + 1, path, value) }
        } else {
            try Subscripts.modify(&container, key, self) { try modify(&$0, keys, at + 1, path, value) }
        }
    }

    /// `container[index] = value` for an Array and an Int index in range, in place without
    /// the general subscript path (the Array is taken out, set and put back, so its storage
    /// is uniquely referenced); false for anything else, which that path handles.
    @inline(__always)
    private static func setElement(_ container: inout Value, _ index: Value, _ value: Value) -> Bool {
        guard case .int(let i) = index, case .array(var xs) = container, i >= 0, i < xs.count else { return false }
        container = .nil
        xs[i] = value
        container = .array(xs)
        return true
    }

    private func conditionError(_ v: Value, _ what: Value) -> ScriptError {
        let name: String
        if case .string(let s) = what { name = s } else { name = "if" }
        if name == "&&" || name == "||" { return ScriptError(.type, "'\(name)' needs Bool operands, got \(v.typeName)") }
        return ScriptError(.type, "the condition of '\(name)' must be a Bool, got \(v.typeName)",
                           suggestion: v.isNil ? "compare explicitly: x != nil" : "compare explicitly, e.g. x > 0")
    }
}
