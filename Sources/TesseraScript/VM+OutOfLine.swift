/// The instructions' uncommon cases and larger ones, out of the dispatch loop (VM.swift),
/// each in a function the loop calls: a loop small enough for the optimizer to inline the
/// common cases' code (an Array's count, a uniqueness check) rather than call it. What
/// runs here costs a call more; what stays in the loop is what a hot loop runs.
extension Interpreter {
    /// What an out-of-line call found: a script function to enter in the dispatch loop (its
    /// arguments bound, starting at `entry`), or the result of a native call.
    enum CallOutcome {
        case enter(ScriptFunction, entry: Int)
        case value(Value)
    }

    // MARK: Session variables

    /// `name = v` on a session variable (an error on a constant, a prelude name or an
    /// undefined one, at instruction `pc - 1` of `chunk`).
    @inline(never)
    func setGlobal(_ slot: GlobalSlot, _ v: Value, _ chunk: Unmanaged<Chunk>, _ pc: Int) throws {
        guard slot.isAssignable else { throw assignmentError(slot, at: chunk.takeUnretainedValue().locations[pc - 1], in: chunk.takeUnretainedValue().source) }
        slot.value = v
    }

    /// `name op= v` on a session variable, in the variable itself.
    @inline(never)
    func updateGlobal(_ slot: GlobalSlot, _ op: BinaryOperator, _ v: Value, _ chunk: Unmanaged<Chunk>, _ pc: Int) throws {
        guard slot.isAssignable else { throw assignmentError(slot, at: chunk.takeUnretainedValue().locations[pc - 1], in: chunk.takeUnretainedValue().source) }
        try op.combine(&slot.stored, v)
    }

    /// `name[index]` on a session variable the general way (an undefined name's NameError at
    /// `places[at]` of `chunk`): what `subscriptGlobal` and `globalElementMember` do when the
    /// element is not an Array's by an Int or a Dict's by its key.
    @inline(never)
    func globalSubscript(_ slot: GlobalSlot, _ index: Value, at: Int, _ chunk: Unmanaged<Chunk>) throws -> Value {
        guard let container = slot.value else {
            throw undefinedError(slot.name, at: chunk.takeUnretainedValue().places[at], in: chunk.takeUnretainedValue().source)
        }
        return try Subscripts.get(container, index, self)
    }

    // MARK: Loops

    /// Readies r[i] for `forNext`: a Range, an Array or an indexed native sequence (a Frame)
    /// stays, a Dict, a String or another native sequence becomes the Array of its elements,
    /// anything else is refused; r[i + 1] starts the position.
    @inline(never)
    static func forStart(_ r: UnsafeMutablePointer<Value>, _ i: Int, _ flag: InterruptFlag) throws {
        switch r[i] {
        case .range(let range): r[i + 1] = .int(range.lower)
        case .array: r[i + 1] = .int(0)
        case .dict(let d): r[i] = .array(d.entries.map { Value.tuple([$0.0, $0.1]) }); r[i + 1] = .int(0)
        case .string(let s): r[i] = .array(s.map { Value.string(String($0)) }); r[i + 1] = .int(0)
        case .object(let o) where o is IndexedNativeSequence: r[i + 1] = .int(0)
        case .object(let o as NativeSequence): r[i] = .array(try o.elements(checking: flag)); r[i + 1] = .int(0)
        default:
            throw ScriptError(.type, "cannot iterate over a value of type \(r[i].typeName)",
                              suggestion: "a for loop takes a Range, an Array, a Dict, a String, a Set or a Frame (its rows)")
        }
    }

    /// Readies the registers from r[a] of the frame at `base` for `forNextPair` (see
    /// `Instruction.forPairs`). (The frame's registers are found again after the method or
    /// the function the general way calls: script code may grow the register stack, which
    /// moves it.)
    @inline(never)
    func forPairs(base: Int, _ a: Int, from source: PairSource) throws {
        func walkable(_ v: Value) -> Bool {
            switch v {
            case .array, .range: return true
            case .object(let o): return o is IndexedNativeSequence
            default: return false
            }
        }
        var r = registers.base + base
        switch source {
        case .pairs:
            // A Dict's keys beside its values: walked as zip walks two Arrays.
            if case .dict(let d) = r[a] {
                (r[a], r[a + 1], r[a + 2]) = (.array(d.keys), .int(0), .array(d.values))
                return
            }
        case .enumerated:
            if walkable(r[a]) {
                (r[a + 1], r[a + 2]) = (.int(0), .nil)
                return
            }
            let pairs = try Members.call(r[a], "enumerated", [], self)
            r = registers.base + base
            r[a] = pairs
        case .zip:
            if case .function(let f) = r[a + 3], f === CoreLibrary.zip, walkable(r[a]), walkable(r[a + 2]) {
                r[a + 1] = .int(0)
                return
            }
            let pairs = try call(r[a + 3], [r[a], r[a + 2]])
            r = registers.base + base
            (r[a], r[a + 3]) = (pairs, .nil)
        }
        // The general way: walked as a for loop walks it, its elements taken apart.
        try Self.forStart(r, a, interrupt)
        r[a + 1] = .int(0)
        r[a + 2] = .bool(true)
    }

    /// The element at `k` of an Array, a Range or an indexed native sequence, nil past its end.
    @inline(__always)
    static func element(_ v: Value, _ k: Int) -> Value? {
        switch v {
        case .array(let xs): return k < xs.count ? xs[k] : nil
        case .range(let r): return k < r.count ? .int(r.lower &+ k) : nil
        default: return nativeElement(v, k)
        }
    }

    /// The element at `k` of an indexed native sequence (a Frame's row), nil past its end or
    /// for any other value.
    @inline(never)
    static func nativeElement(_ v: Value, _ k: Int) -> Value? {
        guard case .object(let o as IndexedNativeSequence) = v, k < o.elementCount else { return nil }
        return o.element(at: k)
    }

    /// `forNext` of what is neither an Array nor a Range: the element at `k` of the indexed
    /// native sequence in r[i] into r[b]; false past its end. (Out of line, so the loop over
    /// a Range or an Array stays as short as it was.)
    @inline(never)
    static func nextNative(_ r: UnsafeMutablePointer<Value>, _ i: Int, _ b: Int, _ k: Int) -> Bool {
        guard let x = nativeElement(r[i], k) else { return false }
        Value.store(r + b, x)
        return true
    }

    /// The next pair of a `forPairs` loop into r[first] and r[first + 1]; false at the end.
    @inline(never)
    static func nextPair(_ r: UnsafeMutablePointer<Value>, _ a: Int, _ first: Int) throws -> Bool {
        guard case .int(let k) = r[a + 1] else { return false }
        switch r[a + 2] {
        case .nil:
            // enumerated(): the offset and the element.
            guard let x = element(r[a], k) else { return false }
            Value.store(r + first, .int(k))
            Value.store(r + first + 1, x)
        case .bool:
            // The general way's elements, each a pair to take apart.
            guard let pair = element(r[a], k) else { return false }
            try unpack(pair, into: r + first, 2)
        default:
            // zip: one element of each, up to the shorter.
            guard let x = element(r[a], k), let y = element(r[a + 2], k) else { return false }
            Value.store(r + first, x)
            Value.store(r + first + 1, y)
        }
        r[a + 1] = .int(k + 1)
        return true
    }

    // MARK: Calls

    /// A call the site's cache did not answer: a script function (its arguments bound, to
    /// enter) or any other callable value (called here).
    @inline(never)
    func callUncached(_ callee: Value, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int,
                      _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> CallOutcome {
        if case .function(let fn) = callee {
            if let sf = fn as? ScriptFunction {
                return .enter(sf, entry: try prepare(sf, site, first: first, count: count, base: base))
            }
            // A native function's short way (`String(x)` read before its arguments), here
            // rather than in the dispatch loop, which it made too large to inline Array reads.
            if count <= 2, site.pointee.positional, type(of: fn) == NativeFunction.self,
               let v = unsafeDowncast(fn, to: NativeFunction.self).shortWay(registers.base + base + first, count: count) {
                return .value(v)
            }
        }
        return .value(try callValue(callee, site, registers.base + base + first, count, chunk.takeUnretainedValue(), pc))
    }

    /// Binds the arguments of a call of `sf`, a function a Dict holds called as a method,
    /// that do not bind where they are (see `prepare`); returns where it starts.
    @inline(never)
    func bindMethodCall(_ sf: ScriptFunction, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int) throws -> Int {
        try prepare(sf, site, first: first, count: count, base: base)
    }

    /// The short way of the native function in `slot` (see `NativeFunction.shortWay`) for
    /// the `count` arguments from `r`; nil for anything else. (Out of the dispatch loop: in
    /// it, the check made every call of a session function slower.)
    @inline(never)
    static func shortWay(_ slot: GlobalSlot, _ r: UnsafeMutablePointer<Value>, _ count: Int) -> Value? {
        guard slot.isDefined, case .function(let fn) = slot.stored, type(of: fn) == NativeFunction.self else { return nil }
        return unsafeDowncast(fn, to: NativeFunction.self).shortWay(r, count: count)
    }

    /// A call of the session variable in `slot` that the site's cache did not answer (an
    /// error at the name when it is not defined).
    @inline(never)
    func callGlobalUncached(_ slot: GlobalSlot, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int,
                            _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> CallOutcome {
        guard slot.isDefined else {
            throw undefinedError(slot.name, at: site.pointee.receiverLocation!, in: chunk.takeUnretainedValue().source)
        }
        return try callUncached(slot.stored, site, first: first, count: count, base: base, chunk, pc)
    }

    /// `r[receiver].name(args)` through the method tables (in place for a mutating method
    /// on a variable's value).
    @inline(never)
    func callMethod(_ site: UnsafeMutablePointer<BytecodeCall>, receiver: Int, first: Int, count: Int, base: Int,
                    _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> Value {
        let method = site.pointee.method.unsafelyUnwrapped
        if let short = method.short(for: registers.base[base + receiver]),
           let result = short(registers.base[base + receiver], registers.base + base + first) {
            return result
        }
        // The spare list is taken (a method that calls back into script code and so into
        // another method finds none and makes its own), filled, and given back emptied, so
        // that no argument outlives the call.
        var args = spareArguments
        spareArguments = []
        let labels = site.pointee.labels, r = registers.base + base + first
        for k in 0..<count { args.append(ArgumentValue(label: labels[k], r[k])) }
        defer {
            // (removeLast, not removeAll(keepingCapacity:): its replaceSubrange costs as
            // much as the rest of the call's bookkeeping.)
            while !args.isEmpty { args.removeLast() }
            spareArguments = args
        }
        return try passing(method, chunk.takeUnretainedValue(), pc) {
            if site.pointee.mutatesReceiver, Members.mutates(registers.base[base + receiver], method) {
                return try inPlace(receiver, base) { try Members.callMutating(&$0, method, args, self) }
            }
            return try Members.call(registers.base[base + receiver], method, args, self)
        }
    }

    /// A mutating method on the session variable in `slot`, changing it in place (no copy
    /// of the value is held while it changes: it grows where it is).
    @inline(never)
    func callMethodGlobal(_ slot: GlobalSlot, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int,
                          _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> Value {
        let result = try callMethodGlobalKeeping(slot, site, first: first, count: count, base: base, chunk, pc)
        return site.pointee.discardsResult ? .nil : result
    }

    private func callMethodGlobalKeeping(_ slot: GlobalSlot, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int,
                                         _ chunk: Unmanaged<Chunk>, _ pc: Int) throws -> Value {
        let args = Self.arguments(site, registers.base + base + first, count)
        let method = site.pointee.method!
        let mutates: Bool
        switch slot.value {
        case nil: throw undefinedError(slot.name, at: site.pointee.receiverLocation!, in: chunk.takeUnretainedValue().source)
        case let value?: mutates = Members.mutates(value, method)
        }
        guard mutates else { return try passing(method, chunk.takeUnretainedValue(), pc) { try Members.call(slot.value!, method, args, self) } }
        guard slot.isAssignable else { throw assignmentError(slot, at: site.pointee.receiverLocation!, in: chunk.takeUnretainedValue().source) }
        return try passing(method, chunk.takeUnretainedValue(), pc) { try Members.callMutating(&slot.stored, method, args, self) }
    }

    // MARK: Values

    /// The value at `r` as the annotation coded `type` declares it (see DeclaredType).
    @inline(never)
    static func convert(_ r: UnsafeMutablePointer<Value>, _ type: Operand) {
        guard !DeclaredType.leaves(r.pointee, code: type), let declared = DeclaredType(code: type) else { return }
        r.pointee = declared.convert(r.pointee)
    }

    /// A new function of prototype `proto`, capturing the Boxes its prototype names among
    /// the registers from `r`.
    @inline(never)
    static func closure(_ proto: FunctionCode, _ r: UnsafeMutablePointer<Value>) -> Value {
        var boxes: [Box] = []
        boxes.reserveCapacity(proto.captures.count)
        for c in proto.captures { boxes.append(box(r[Int(c)])) }
        return .function(ScriptFunction(code: proto, upvalues: boxes))
    }

    /// A Dict of the `count` key-value pairs in the registers from `first` (the keys' places
    /// from `places[at]` of `chunk`, for the error a key that cannot be one raises).
    @inline(never)
    static func dict(_ first: UnsafeMutablePointer<Value>, _ count: Int, _ chunk: Unmanaged<Chunk>, at: Int) throws -> Value {
        var d = ScriptDict()
        for k in 0..<count {
            let key = first[2 * k]
            guard let hk = DictKey(key) else {
                let chunk = chunk.takeUnretainedValue()
                throw ScriptError(.type, "\(key.typeName.withArticle) cannot be a Dict key; use a String, number, Bool or Symbol",
                                  at: chunk.places[at + k], in: chunk.source)
            }
            d.set(key, hk, first[2 * k + 1])
        }
        return .dict(d)
    }

    /// The text of the `count` registers from `first` joined (an interpolated string).
    @inline(never)
    static func interpolate(_ first: UnsafeMutablePointer<Value>, _ count: Int) -> Value {
        .string(InterpolatedText.join(UnsafeBufferPointer(start: first, count: count)))
    }

    /// The parts of the Tuple or Array `value` into the `count` registers from `first`.
    @inline(never)
    static func unpack(_ value: Value, into first: UnsafeMutablePointer<Value>, _ count: Int) throws {
        let parts: [Value]
        switch value {
        case .tuple(let xs), .array(let xs): parts = xs
        case .object(let t as LabelledTuple): parts = t.values
        default: throw ScriptError(.type, "cannot destructure a value of type \(value.typeName) into \(count) names")
        }
        guard parts.count == count else {
            throw ScriptError(.value, "cannot destructure \(parts.count) values into \(count) names")
        }
        for k in 0..<count { first[k] = parts[k] }
    }

    /// What `throw v` raises: an Error value its kind, a String a ValueError.
    @inline(never)
    static func thrown(_ v: Value) -> ScriptError {
        switch v {
        case .object(let o as ErrorObject): return o.caught ?? ScriptError(o.kind, o.message)
        case .string(let m): return ScriptError(.value, m)
        default: return ScriptError(.type, "throw needs an error, as in throw error(\"what went wrong\"); got \(v.typeName)")
        }
    }
}
