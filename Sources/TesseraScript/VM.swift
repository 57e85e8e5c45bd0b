/// The register machine: runs a `Chunk` over a window of the interpreter's register stack.
///
/// Calls between compiled functions stay inside one dispatch loop: the callee's window
/// starts at the caller's first argument register, so arguments are bound by being where
/// they are, and returning pops an activation record, not a Swift stack frame. Native
/// functions and methods are called through their Swift entry points; a closure they are
/// given comes back in through `Interpreter.invoke`, a new run of the loop.
///
/// The dispatch loop is here; how it calls is VM+Calls.swift, how it changes part of a
/// variable in place VM+Paths.swift, and the registers themselves RegisterStack.swift.

/// A compiled function's call in progress, below the running one.
private struct Activation {
    /// The caller's chunk, unretained: every chunk lives as long as the session (see
    /// `Interpreter.cellChunks`).
    let chunk: Unmanaged<Chunk>
    let returnTo: Int
    let base: Int
    /// Where the caller wants the result (an absolute register).
    let result: Int
}

/// What the dispatch loop reads of the running chunk and its window of registers, kept in
/// locals: the code, constants, session slots and call sites as raw pointers, the window's
/// first register.
private struct Window {
    var code: UnsafePointer<Instruction>
    var constants: UnsafePointer<Value>
    var globals: UnsafePointer<Unmanaged<GlobalSlot>>
    var sites: UnsafeMutablePointer<BytecodeCall>
    var registerCount: Int
    var base: Int
    var r: UnsafeMutablePointer<Value>

    @inline(__always)
    init(_ chunk: Chunk, at base: Int, _ stack: RegisterStack) {
        code = UnsafePointer(chunk.codeBase.unsafelyUnwrapped)
        constants = UnsafePointer(chunk.constantBase.unsafelyUnwrapped)
        globals = Interpreter.unretained(chunk.globalBase.unsafelyUnwrapped)
        sites = chunk.siteBase.unsafelyUnwrapped
        registerCount = chunk.registerCount
        self.base = base
        stack.reserve(base + registerCount)
        stack.top = base + registerCount
        r = stack.base + base
    }

    /// The window of `chunk` at `base`, read without retaining the chunk.
    @inline(__always)
    mutating func enter(_ chunk: Unmanaged<Chunk>, at base: Int, _ stack: RegisterStack) {
        // (`seal` made them all: unwrapped without a check, at every call and return.)
        let parts = chunk._withUnsafeGuaranteedRef { c in
            (UnsafePointer(c.codeBase.unsafelyUnwrapped), UnsafePointer(c.constantBase.unsafelyUnwrapped),
             Interpreter.unretained(c.globalBase.unsafelyUnwrapped), c.siteBase.unsafelyUnwrapped, c.registerCount)
        }
        (code, constants, globals, sites, registerCount) = parts
        self.base = base
        stack.reserve(base + registerCount)
        stack.top = base + registerCount
        r = stack.base + base
    }
}

/// The activation records of one run of the dispatch loop, in a buffer of its own: pushed
/// and popped without an Array's uniqueness and capacity checks on every call.
private struct Activations {
    // Allocated at the first call: a closure that native code calls (a sort's comparison)
    // runs a loop of its own, and most make no call.
    private var records: UnsafeMutablePointer<Activation>?
    private var capacity = 0
    private var count = 0

    @inline(__always)
    mutating func push(_ a: Activation) {
        if count == capacity { grow() }
        (records.unsafelyUnwrapped + count).initialize(to: a)
        count += 1
    }

    /// The caller of the running function, left in place.
    @inline(__always)
    var last: Activation? {
        count > 0 ? records.unsafelyUnwrapped[count - 1] : nil
    }

    /// The record `k` below the top (0: the running function's caller), left in place.
    func below(_ k: Int) -> Activation? {
        k < count ? records.unsafelyUnwrapped[count - 1 - k] : nil
    }

    @inline(__always)
    mutating func pop() -> Activation? {
        guard count > 0 else { return nil }
        count -= 1
        return (records.unsafelyUnwrapped + count).move()
    }

    @inline(never)
    private mutating func grow() {
        let grown = Swift.max(64, capacity * 2)
        let fresh = UnsafeMutablePointer<Activation>.allocate(capacity: grown)
        if let records {
            fresh.moveInitialize(from: records, count: count)
            records.deallocate()
        }
        records = fresh
        capacity = grown
    }

    /// Lets go of the records left (an error unwound past them) and of the buffer.
    func free() {
        guard let records else { return }
        records.deinitialize(count: count)
        records.deallocate()
    }
}

extension Interpreter {

    /// Enters compiled function `target` from the running one: an activation record for the
    /// caller, the callee's window starting at its first argument (register `first`).
    @inline(__always)
    private func enter(_ callee: Unmanaged<Chunk>, _ fn: Unmanaged<ScriptFunction>, at entry: Int, result a: Int, first: Int,
                       _ frames: inout Activations, _ current: inout Unmanaged<Chunk>, _ window: inout Window, _ pc: inout Int,
                       _ stack: RegisterStack) throws {
        callDepth += 1
        if callDepth > maxCallDepth {
            callDepth -= 1
            throw recursionError(callee)
        }
        frames.push(Activation(chunk: current, returnTo: pc, base: window.base, result: window.base + a))
        current = callee
        window.enter(callee, at: window.base + first, stack)
        if callee._withUnsafeGuaranteedRef({ $0.upvalueCount }) > 0 { Self.placeUpvalues(fn, window.r) }
        pc = entry
    }

    /// Finishes a call the site's cache did not answer: enters the script function it found,
    /// or stores the native call's result in register `a`. (Out of the loop: inlined, it
    /// cost every cached call 16 machine instructions, the loop's registers spilling.)
    @inline(never)
    private func finish(_ outcome: CallOutcome, result a: Int, first: Int, _ frames: inout Activations, _ current: inout Unmanaged<Chunk>,
                        _ window: inout Window, _ pc: inout Int, _ stack: RegisterStack) throws {
        switch outcome {
        case .enter(let sf, let entry):
            try enter(Unmanaged.passUnretained(sf.code.chunk), Unmanaged.passUnretained(sf), at: entry,
                      result: a, first: first, &frames, &current, &window, &pc, stack)
        case .value(let result):
            window.r = stack.base + window.base
            Value.store(window.r + a, result)
        }
    }

    /// The Box a captured variable's register holds (the compiler puts one there before
    /// any instruction reads it).
    @inline(__always)
    static func box(_ v: Value) -> Box {
        guard case .object(let o) = v else { preconditionFailure("a captured variable's register holds its Box") }
        return unsafeDowncast(o, to: Box.self)
    }

    /// A chunk's global slots, which it holds strongly, as references to use without retaining.
    @inline(__always)
    static func unretained(_ p: UnsafeMutablePointer<GlobalSlot>) -> UnsafePointer<Unmanaged<GlobalSlot>> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Unmanaged<GlobalSlot>.self)
    }

    /// Runs `chunk` from instruction `start` with its parameters (and a closure's upvalues)
    /// already in registers from `base`.
    func execute(_ entry: Chunk, base entryBase: Int, at start: Int = 0) throws -> Value {
        let stack = registers
        var frames = Activations()
        defer { frames.free() }
        // The running chunk, unretained: every chunk lives as long as the session (see
        // `cellChunks`), so a function that drops the last reference to itself while it
        // runs (`g = nil` inside g) keeps its code. (A strong local cost four retains and
        // releases a call; a reference taken at each entry, one.)
        var current = Unmanaged.passUnretained(entry)
        var pc = start
        let savedTop = stack.top
        var w = Window(entry, at: entryBase, stack)
        let flag = interrupt
        defer { stack.top = savedTop }

        while true {
            let instruction = w.code[pc]
            pc += 1
            do {
                switch instruction {
                case .constant(let a, let k):
                    Value.store(w.r + Int(a), Value.copy(w.constants + Int(k)))
                case .move(let a, let b):
                    Value.store(w.r + Int(a), Value.copy(w.r + Int(b)))
                case .global(let a, let g):
                    try w.globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        guard slot.isDefined else { throw undefinedError(slot.name, at: current.takeUnretainedValue().locations[pc - 1], in: current.takeUnretainedValue().source) }
                        Value.store(w.r + Int(a), slot.stored)
                    }
                case .setGlobal(let g, let b):
                    try w.globals[Int(g)]._withUnsafeGuaranteedRef { try setGlobal($0, w.r[Int(b)], current, pc) }
                case .defineGlobal(let g, let b, let constant):
                    w.globals[Int(g)]._withUnsafeGuaranteedRef { $0.bind(w.r[Int(b)], constant: constant & 1 != 0, declaredType: constant >> 1) }
                case .updateGlobal(let op, let g, let b):
                    try w.globals[Int(g)]._withUnsafeGuaranteedRef { try updateGlobal($0, op, b.value(w.r, w.constants), current, pc) }
                case .binary(let op, let a, let b, let c):
                    Value.store(w.r + Int(a), try op.evaluate(w.r[Int(b)], w.r[Int(c)]))
                case .binaryConstant(let op, let a, let b, let k):
                    Value.store(w.r + Int(a), try op.evaluate(w.r[Int(b)], w.constants[Int(k)]))
                case .addInPlace(let a, let b):
                    // Numbers add as `binary` does (the old value holds no reference: stored over);
                    // Strings and Arrays grow in place.
                    if case .int(let x) = w.r[Int(a)], case .int(let y) = w.r[Int(b)], case (let sum, false) = x.addingReportingOverflow(y) {
                        (w.r + Int(a)).initialize(to: .int(sum))
                    } else if case .double(let x) = w.r[Int(a)], case .double(let y) = w.r[Int(b)] {
                        (w.r + Int(a)).initialize(to: .double(x + y))
                    } else {
                        try Operators.addInPlace(&w.r[Int(a)], w.r[Int(b)])
                    }
                case .negate(let a, let b):
                    Value.store(w.r + Int(a), try Operators.negate(w.r[Int(b)]))
                case .not(let a, let b):
                    Value.store(w.r + Int(a), try Operators.not(w.r[Int(b)]))
                case .convert(let a, let type):
                    Self.convert(w.r + Int(a), type)
                case .jump(let to):
                    pc = Int(to)
                case .loop(let to):
                    if flag.isSet { throw ScriptError.interrupted() }
                    pc = Int(to)
                case .jumpIfFalse(let a, let to, let what):
                    guard case .bool(let b) = w.r[Int(a)] else { throw conditionError(w.r[Int(a)], w.constants[Int(what)]) }
                    if !b { try Self.jump(to, &pc, flag) }
                case .jumpIfTrue(let a, let to, let what):
                    guard case .bool(let b) = w.r[Int(a)] else { throw conditionError(w.r[Int(a)], w.constants[Int(what)]) }
                    if b { try Self.jump(to, &pc, flag) }
                case .branch(let op, let b, let c, let to, let when):
                    if try op.test(w.r[Int(b)], w.r[Int(c)]) == when { try Self.jump(to, &pc, flag) }
                case .branchConstant(let op, let b, let k, let to, let when):
                    if try op.test(w.r[Int(b)], w.constants[Int(k)]) == when { try Self.jump(to, &pc, flag) }
                case .jumpIfNotNil(let a, let to):
                    if !w.r[Int(a)].isNil { pc = Int(to) }
                case .forStart(let a):
                    try Self.forStart(w.r, Int(a), flag)
                case .forNext(let a, let b, let to):
                    let i = Int(a)
                    guard case .int(let k) = w.r[i + 1] else { continue }
                    switch w.r[i] {
                    case .range(let range):
                        guard k < range.upperExclusive else { continue }
                        Value.store(w.r + Int(b), .int(k))
                    case .array(let xs):
                        guard k < xs.count else { continue }
                        Value.store(w.r + Int(b), xs[k])
                    default:
                        guard Self.nextNative(w.r, i, Int(b), k) else { continue }
                    }
                    (w.r + i + 1).initialize(to: .int(k + 1))
                    if flag.isSet { throw ScriptError.interrupted() }
                    pc = Int(to)
                case .forPairs(let a, let from):
                    try forPairs(base: w.base, Int(a), from: from)
                    w.r = stack.base + w.base
                case .forNextPair(let a, let first, let to):
                    guard try Self.nextPair(w.r, Int(a), Int(first)) else { continue }
                    if flag.isSet { throw ScriptError.interrupted() }
                    pc = Int(to)
                case .call(let a, let callee, let first, let count, let s):
                    if flag.isSet { throw ScriptError.interrupted() }
                    let site = w.sites + Int(s)
                    if case .function(let fn) = w.r[Int(callee)] {
                        if ObjectIdentifier(fn) == site.pointee.cachedIdentity {
                            let target = site.pointee.cachedChunk.unsafelyUnwrapped
                            try enter(target, site.pointee.cachedCallee.unsafelyUnwrapped, at: site.pointee.cachedEntry,
                                      result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                            continue
                        }
                    }
                    let outcome = try callUncached(w.r[Int(callee)], site, first: Int(first), count: Int(count), base: w.base, current, pc)
                    try finish(outcome, result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                case .callGlobal(let a, let g, let first, let count, let s):
                    if flag.isSet { throw ScriptError.interrupted() }
                    let site = w.sites + Int(s)
                    // A script function in the slot: entered without copying the value out.
                    let cached = w.globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Bool in
                        guard slot.isDefined, case .function(let fn) = slot.stored else { return false }
                        return ObjectIdentifier(fn) == site.pointee.cachedIdentity
                    }
                    if cached {
                        let target = site.pointee.cachedChunk.unsafelyUnwrapped
                        try enter(target, site.pointee.cachedCallee.unsafelyUnwrapped, at: site.pointee.cachedEntry,
                                  result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                        continue
                    }
                    // A native function of one or two numbers (`Double(i)`, `sqrt(x)`, `max(a, b)`):
                    // its short way, without the general call and its outcome.
                    if count <= 2, site.pointee.positional,
                       let v = w.globals[Int(g)]._withUnsafeGuaranteedRef({ Self.shortWay($0, w.r + Int(first), Int(count)) }) {
                        Value.store(w.r + Int(a), v)
                        continue
                    }
                    let outcome = try w.globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        try callGlobalUncached(slot, site, first: Int(first), count: Int(count), base: w.base, current, pc)
                    }
                    try finish(outcome, result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                case .method(let a, let receiver, let first, let count, let s):
                    let site = w.sites + Int(s)
                    // A script function a Dict holds under the method's name (`task.run(p)`):
                    // entered as a call, in this loop.
                    // (The Dict and the function read where they are, unretained: entering
                    // needs only the function's chunk, which lives as long as the session,
                    // and its captured Boxes, which the callee's registers then hold.)
                    if let storage = ScriptDict.storage(at: w.r + Int(receiver)),
                       let fn = storage._withUnsafeGuaranteedRef({ $0.scriptFunction(at: site.pointee.method.unsafelyUnwrapped.key, hint: &site.pointee.dictHint) }) {
                        if flag.isSet { throw ScriptError.interrupted() }
                        // (Bound where they are without `prepare`, which would fill the site's
                        // call cache: a method site never reads it, and each write of another
                        // function retained it.)
                        var entry = fn._withUnsafeGuaranteedRef { site.pointee.compiledTarget($0, count: Int(count))?.fullEntry }
                        if entry == nil {
                            // Default arguments may run code that changes the Dict: held strongly.
                            let sf = fn.takeUnretainedValue()
                            entry = try bindMethodCall(sf, site, first: Int(first), count: Int(count), base: w.base)
                            try enter(Unmanaged.passUnretained(sf.code.chunk), Unmanaged.passUnretained(sf), at: entry.unsafelyUnwrapped,
                                      result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                            continue
                        }
                        try enter(fn._withUnsafeGuaranteedRef { Unmanaged.passUnretained($0.code.chunk) }, fn, at: entry.unsafelyUnwrapped,
                                  result: Int(a), first: Int(first), &frames, &current, &w, &pc, stack)
                        continue
                    }
                    if site.pointee.appendsOne, site.pointee.mutatesReceiver, Self.append(w.r[Int(first)], to: &w.r[Int(receiver)]) {
                        Value.store(w.r + Int(a), .nil)
                        continue
                    }
                    let result = try callMethod(site, receiver: Int(receiver), first: Int(first), count: Int(count), base: w.base, current, pc)
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), result)
                case .methodGlobal(let a, let g, let first, let count, let s):
                    let site = w.sites + Int(s)
                    if site.pointee.appendsOne, w.globals[Int(g)]._withUnsafeGuaranteedRef({ slot in
                        slot.isAssignable && Self.append(w.r[Int(first)], to: &slot.stored)
                    }) {
                        Value.store(w.r + Int(a), .nil)
                        continue
                    }
                    let result = try w.globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                        try callMethodGlobal(slot, site, first: Int(first), count: Int(count), base: w.base, current, pc)
                    }
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), result)
                case .methodPath(let a, let first, let p, let s):
                    let site = w.sites + Int(s)
                    if site.pointee.appendsOne, try current._withUnsafeGuaranteedRef({ $0.pathBase.unsafelyUnwrapped })[Int(p)]._withUnsafeGuaranteedRef({ path in
                        try Self.fastPath(path, w.r, w.constants, w.globals, Appending(w.r + Int(first)))
                    }) {
                        Value.store(w.r + Int(a), .nil)
                        continue
                    }
                    let result = try current._withUnsafeGuaranteedRef({ $0.pathBase.unsafelyUnwrapped })[Int(p)]._withUnsafeGuaranteedRef { path in
                        try callMethodOnPath(path, site, first: Int(first), base: w.base, w.constants, current, pc)
                    }
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), result)
                case .member(let a, let b, let k, let h):
                    if let storage = ScriptDict.storage(at: w.r + Int(b)) {
                        let cache = current._withUnsafeGuaranteedRef { $0.memberKeys.unsafelyUnwrapped } + Int(h)
                        if let v = storage._withUnsafeGuaranteedRef({ $0.value(at: cache.pointee.key, hint: &cache.pointee.hint) }) {
                            Value.store(w.r + Int(a), v)
                            continue
                        }
                    }
                    guard case .string(let name) = w.constants[Int(k)] else { continue }
                    let v = try Members.get(w.r[Int(b)], name, self)
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), v)
                case .subscriptGet(let a, let b, let c):
                    if case .array(let xs) = w.r[Int(b)], let i = c.int(w.r, w.constants), i >= 0, i < xs.count {
                        // (Copied by the switch of `Value.copy`: `xs[i]` called the outlined
                        // copy, a fifth of fannkuch with the stores.)
                        Value.store(w.r + Int(a), xs.withUnsafeBufferPointer { Value.copy($0.baseAddress.unsafelyUnwrapped + i) })
                        continue
                    }
                    if let v = ScriptDict.lookup(in: w.r + Int(b), c.address(w.r, w.constants)) {
                        Value.store(w.r + Int(a), v ?? .nil)
                        continue
                    }
                    let v = try Subscripts.get(w.r[Int(b)], c.value(w.r, w.constants), self)
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), v)
                case .subscriptGlobal(let a, let g, let c, let at):
                    let v = try w.globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Value in
                        // (Matched in the slot: `guard let` copied the Optional out, and
                        // retained the container, for every element read.)
                        if case .array(let xs) = slot.stored {
                            if case .int(let i) = w.r[Int(c)], i >= 0, i < xs.count { return xs[i] }
                        } else if let v = withUnsafePointer(to: &slot.stored, { ScriptDict.lookup(in: $0, w.r + Int(c)) }) {
                            return v ?? .nil
                        }
                        return try globalSubscript(slot, w.r[Int(c)], at: Int(at), current)
                    }
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), v)
                case .globalElementMember(let a, let g, let c, let h, let at):
                    let cache = current._withUnsafeGuaranteedRef { $0.memberKeys.unsafelyUnwrapped } + Int(h)
                    let found = w.globals[Int(g)]._withUnsafeGuaranteedRef { slot -> Value? in
                        guard case .array(let xs) = slot.stored, case .int(let i) = w.r[Int(c)], i >= 0, i < xs.count else { return nil }
                        return xs.withUnsafeBufferPointer { p in
                            ScriptDict.storage(at: p.baseAddress.unsafelyUnwrapped + i)?._withUnsafeGuaranteedRef {
                                $0.value(at: cache.pointee.key, hint: &cache.pointee.hint)
                            }
                        }
                    }
                    if let v = found {
                        Value.store(w.r + Int(a), v)
                        continue
                    }
                    let element: Value
                    do {
                        element = try w.globals[Int(g)]._withUnsafeGuaranteedRef { slot in
                            try globalSubscript(slot, w.r[Int(c)], at: Int(at), current)
                        }
                    } catch let e as ScriptError {
                        // The subscript's error is the subscript's: at its place (places[at + 1]).
                        throw current._withUnsafeGuaranteedRef { e.located($0.places[Int(at) + 1], in: $0.source) }
                    }
                    let v = try Members.get(element, current._withUnsafeGuaranteedRef { $0.memberNames[Int(h)] }, self)
                    w.r = stack.base + w.base
                    Value.store(w.r + Int(a), v)
                case .subscriptSet(let a, let b, let c):
                    if Self.setElement(w.r + Int(a), w.r + Int(b), w.r + Int(c)) { continue }
                    try setSubscript(Int(a), base: w.base, w.r[Int(b)], w.r[Int(c)])
                    w.r = stack.base + w.base
                case .modifyPath(let value, let p):
                    if try current._withUnsafeGuaranteedRef({ $0.pathBase.unsafelyUnwrapped })[Int(p)]._withUnsafeGuaranteedRef({ path in
                        try Self.fastPath(path, w.r, w.constants, w.globals, Storing(v: value.value(w.r, w.constants), op: path.combine))
                    }) {
                        continue
                    }
                    try current._withUnsafeGuaranteedRef({ $0.pathBase.unsafelyUnwrapped })[Int(p)]._withUnsafeGuaranteedRef { path in
                        try modifyPathGenerally(path, value, base: w.base, w.constants, current)
                    }
                    w.r = stack.base + w.base
                case .newBox(let a, let b):
                    Value.store(w.r + Int(a), .object(Box(w.r[Int(b)])))
                case .getBox(let a, let b):
                    let box = Self.box(w.r[Int(b)])
                    Value.store(w.r + Int(a), withUnsafePointer(to: &box.value) { Value.copy($0) })
                case .setBox(let a, let b):
                    Self.box(w.r[Int(a)]).value = w.r[Int(b)]
                case .updateBox(let op, let a, let b):
                    let box = Self.box(w.r[Int(a)])
                    try op.combine(&box.value, b.value(w.r, w.constants))
                case .closure(let a, let p):
                    Value.store(w.r + Int(a), Self.closure(current.takeUnretainedValue().prototypes[Int(p)], w.r))
                case .jumpIfNil(let a, let to):
                    if w.r[Int(a)].isNil { pc = Int(to) }
                case .throwValue(let a):
                    throw Self.thrown(w.r[Int(a)])
                case .fail(let e):
                    throw current.takeUnretainedValue().errors[Int(e)]
                case .clear(let first, let count):
                    stack.clear(w.base + Int(first), Int(count))
                case .array(let a, let first, let count):
                    Value.store(w.r + Int(a), .array(Array(UnsafeBufferPointer(start: w.r + Int(first), count: Int(count)))))
                case .tuple(let a, let first, let count):
                    Value.store(w.r + Int(a), .tuple(Array(UnsafeBufferPointer(start: w.r + Int(first), count: Int(count)))))
                case .dict(let a, let first, let count, let at):
                    Value.store(w.r + Int(a), try Self.dict(w.r + Int(first), Int(count), current, at: Int(at)))
                case .interpolate(let a, let first, let count):
                    Value.store(w.r + Int(a), Self.interpolate(w.r + Int(first), Int(count)))
                case .unpack(let a, let first, let count):
                    try Self.unpack(w.r[Int(a)], into: w.r + Int(first), Int(count))
                case .ret, .retNil:
                    var v = Value.nil
                    if case .ret(let a) = instruction { v = Value.copy(w.r + Int(a)) }
                    stack.clear(w.base, w.registerCount)
                    guard let caller = frames.pop() else { return v }
                    callDepth -= 1
                    current = caller.chunk
                    pc = caller.returnTo
                    w.enter(caller.chunk, at: caller.base, stack)
                    Value.store(stack.base + caller.result, v)
                case .retTuple(let first, let count):
                    // nil: the values went straight to the caller's registers.
                    let v = Self.returnTuple(w.r + Int(first), Int(count), frames.last, below: w.base, stack)
                    stack.clear(w.base, w.registerCount)
                    guard let caller = frames.pop() else { return v.unsafelyUnwrapped }
                    callDepth -= 1
                    current = caller.chunk
                    w.enter(caller.chunk, at: caller.base, stack)
                    if let v {
                        pc = caller.returnTo
                        Value.store(stack.base + caller.result, v)
                    } else {
                        pc = caller.returnTo + 1
                    }
                }
            } catch {
                guard let handler = catching(error, &frames, &current, pc, &w, stack) else {
                    throw unwind(error, &frames, current, pc, w, stack)
                }
                pc = handler
            }
        }
    }

    /// An error raised at instruction `pc - 1` of `current`: it takes that instruction's
    /// place, then passes out through each compiled caller, a traceback line each, their
    /// registers let go. Returns the error to throw.
    @inline(never)
    private func unwind(_ error: Error, _ frames: inout Activations, _ current: Unmanaged<Chunk>, _ pc: Int, _ w: Window,
                        _ stack: RegisterStack) -> Error {
        var current = current
        var err = Self.located(error, at: pc - 1, of: current)
        stack.clear(w.base, w.registerCount)
        while let caller = frames.pop() {
            leave(to: caller, &current, &err)
            stack.clear(caller.base, current.takeUnretainedValue().registerCount)
        }
        return err ?? error
    }

    /// The error raised at instruction `pc - 1` of `current`, when it is an error that a
    /// `do`'s catch or a `try?` there or in a caller handles: the running functions above
    /// that one end (their registers let go, a traceback line each, kept should the error
    /// be thrown again), the error goes to the handler's register, and the handler's first
    /// instruction is returned. Nil when none handles it. Only the language's errors are
    /// handled: an interrupt, and a signal of the machinery that passes through script code
    /// (a trial the pruner stops, raised by `trial.report`), always go on, or a `catch` in an
    /// objective would turn a pruned trial into a complete one.
    @inline(never)
    private func catching(_ error: Error, _ frames: inout Activations, _ current: inout Unmanaged<Chunk>, _ pc: Int,
                          _ w: inout Window, _ stack: RegisterStack) -> Int? {
        let raised: ScriptError
        switch error {
        case let e as ScriptError where e.kind != .interrupted: raised = e
        case let e as any ScriptErrorConvertible: raised = e.scriptError
        default: return nil
        }
        // The innermost handler of the running function, else of the nearest caller that has
        // one over its call; `depth` the functions above that one.
        func handler(of chunk: Unmanaged<Chunk>, at instruction: Int) -> ErrorHandler? {
            chunk._withUnsafeGuaranteedRef { c in c.handlers.first { $0.covers(instruction) } }
        }
        var depth = 0
        var found = handler(of: current, at: pc - 1)
        while found == nil {
            guard let caller = frames.below(depth) else { return nil }
            found = handler(of: caller.chunk, at: caller.returnTo - 1)
            depth += 1
        }
        let target = found.unsafelyUnwrapped
        var err = Self.located(raised, at: pc - 1, of: current)
        if depth > 0 {
            stack.clear(w.base, w.registerCount)
            for k in 0..<depth {
                let caller = frames.pop().unsafelyUnwrapped
                leave(to: caller, &current, &err)
                if k < depth - 1 { stack.clear(caller.base, current.takeUnretainedValue().registerCount) }
                else { w.enter(caller.chunk, at: caller.base, stack) }
            }
        }
        // A native call that ran a closure may have moved the registers.
        w.r = stack.base + w.base
        if let r = target.register, let err { Value.store(w.r + Int(r), .object(ErrorObject(err))) }
        return Int(target.target)
    }

    /// `error` as a ScriptError placed at `instruction` of `chunk` (nil for another error).
    private static func located(_ error: Error, at instruction: Int, of chunk: Unmanaged<Chunk>) -> ScriptError? {
        guard var e = error as? ScriptError else { return nil }
        if e.location == nil {
            e = chunk._withUnsafeGuaranteedRef { c in e.located(c.locations[instruction], in: c.source) }
        }
        return e
    }

    /// Returns from the running function to `caller` as an error passes out of it: one call
    /// fewer deep, and a traceback line for the call it passed through.
    private func leave(to caller: Activation, _ current: inout Unmanaged<Chunk>, _ err: inout ScriptError?) {
        callDepth -= 1
        var calleeName = current.takeUnretainedValue().name
        current = caller.chunk
        // A function a Dict held, called as a method, goes by the method's name.
        if case .method(_, _, _, _, let s) = current.takeUnretainedValue().code[caller.returnTo - 1],
           let method = current.takeUnretainedValue().sites[Int(s)].method {
            calleeName = method.name
        }
        err?.passedThrough(calleeName, at: current.takeUnretainedValue().locations[caller.returnTo - 1], in: current.takeUnretainedValue().source)
    }

    /// What `retTuple` returns: the Tuple of the `count` values from `values`, or nil when
    /// the instruction `caller` returns to unpacks the result into as many registers below
    /// `base` (the returning function's window) and the values have gone there instead, the
    /// register for the result cleared. (Out of the loop: inlined, it cost a loop over Arrays
    /// a tenth more, the loop's Array code no longer inlined.)
    @inline(never)
    private static func returnTuple(_ values: UnsafeMutablePointer<Value>, _ count: Int, _ caller: Activation?, below base: Int,
                                    _ stack: RegisterStack) -> Value? {
        guard let caller,
              case .unpack(let a, let first, let n) = caller.chunk._withUnsafeGuaranteedRef({ $0.codeBase.unsafelyUnwrapped[caller.returnTo] }),
              Int(n) == count, caller.base + Int(a) == caller.result, caller.base + Int(first) + count <= base else {
            return .tuple(Array(UnsafeBufferPointer(start: values, count: count)))
        }
        // (The result's register first: it may be one of the targets.)
        Value.store(stack.base + caller.result, .nil)
        let targets = stack.base + caller.base + Int(first)
        for k in 0..<count {
            let v = (values + k).move()
            (values + k).initialize(to: .nil)
            Value.store(targets + k, v)
        }
        return nil
    }

    /// A taken jump to `to`: one that goes back (a loop's test) checks for an interrupt first.
    @inline(__always)
    private static func jump(_ to: Operand, _ pc: inout Int, _ flag: InterruptFlag) throws {
        if Int(to) < pc, flag.isSet { throw ScriptError.interrupted() }
        pc = Int(to)
    }

    // (The errors below are made out of the loop, as `ScriptError.interrupted()` is: each
    // one made in it added its blocks to the loop, and past a size the optimizer stops
    // inlining the Array code the loop runs.)

    @inline(never)
    private func recursionError(_ callee: Unmanaged<Chunk>) -> ScriptError {
        ScriptError(.recursion, "maximum recursion depth (\(maxCallDepth)) exceeded in '\(callee.takeUnretainedValue().name)'",
                    suggestion: "a function that calls itself needs a case that stops the recursion")
    }

    @inline(never)
    private func conditionError(_ v: Value, _ what: Value) -> ScriptError {
        let name: String
        if case .string(let s) = what { name = s } else { name = "if" }
        if name == "&&" || name == "||" { return ScriptError(.type, "'\(name)' needs Bool operands, got \(v.typeName)") }
        return ScriptError(.type, "the condition of '\(name)' must be a Bool, got \(v.typeName)",
                           suggestion: v.isNil ? "compare explicitly: x != nil" : "compare explicitly, e.g. x > 0")
    }
}
