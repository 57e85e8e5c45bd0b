/// How the register machine calls: script functions bound into the callee's window (by
/// position where the labels match, Swift-style otherwise), native functions and callable
/// objects through an argument list, and a native method's errors given its traceback line.
extension Interpreter {
    /// A call of a value that is not a script function (a native function, a callable
    /// object): its result, or its error with this call as a traceback line.
    func callValue(_ c: Value, _ site: UnsafeMutablePointer<BytecodeCall>, _ first: UnsafeMutablePointer<Value>, _ count: Int,
                   _ chunk: Chunk, _ pc: Int) throws -> Value {
        if site.pointee.positional, case .function(let fn) = c, let native = fn as? NativeFunction,
           let result = native.shortWay(first, count: count) {
            return result
        }
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

    /// A closure's captured Boxes into its upvalue registers (`r` is its window). (Called,
    /// not inlined: the loop over them, inlined at each way into a function, made the
    /// dispatch loop too large for the optimizer to inline Array code into it.)
    @inline(never)
    static func placeUpvalues(_ fn: Unmanaged<ScriptFunction>, _ r: UnsafeMutablePointer<Value>) {
        // (The function read unretained, and each register stored without the outlined
        // release of what it held, which is nothing: half the cost of a closure's call.)
        fn._withUnsafeGuaranteedRef { fn in
            let place = r + fn.code.chunk.upvalueBase
            for i in fn.upvalues.indices { Value.store(place + i, .object(fn.upvalues[i])) }
        }
    }

    /// Binds `args` to the parameters of `fn` in the registers from `p` (the callee's
    /// window), matching labels Swift-style, and marks which the call gave (the rest get
    /// their defaults when the function starts at 0). True when the call gave every one.
    func bind(_ fn: ScriptFunction, _ args: [ArgumentValue], into p: UnsafeMutablePointer<Value>) throws -> Bool {
        let code = fn.code, chunk = code.chunk, count = chunk.parameterCount
        if code.decl.isClosure {
            if let labelled = args.first(where: { $0.label != nil }) {
                throw ScriptError(.type, "closures take unlabelled arguments; remove '\(labelled.label!):'")
            }
            var values = args.map(\.value)
            if count > 1, values.count == 1, let parts = values[0].tupleElements, parts.count == count {
                values = parts
            }
            let shorthand = code.decl.shorthandCount > 0 || code.decl.parameters.isEmpty
            if shorthand ? values.count < count : values.count != count {
                throw ScriptError(.type, "the closure takes \(count) argument\(count == 1 ? "" : "s"), got \(values.count)")
            }
            for k in 0..<count { p[k] = values[k] }
            return true
        }
        if args.count == count, (0..<count).allSatisfy({ args[$0].label == code.labels[$0] }) {
            for k in 0..<count { p[k] = args[k].value }
            return true
        }
        let bound = try bindArguments(args, to: code.shape, function: code.decl.signatureName)
        for k in 0..<count {
            p[k] = bound[k] ?? .nil
            if chunk.givenBase >= 0 { p[chunk.givenBase + k] = .bool(bound[k] != nil) }
        }
        return !bound.contains { $0 == nil }
    }

    /// A call's arguments: `count` registers from `first`, labelled as the call site says.
    @inline(__always)
    static func arguments(_ site: UnsafeMutablePointer<BytecodeCall>, _ first: UnsafeMutablePointer<Value>, _ count: Int) -> [ArgumentValue] {
        // Array literals for the usual counts: an empty Array's reserveCapacity then append
        // costs twice the allocation, and the generic unsafeUninitializedCapacity init looks
        // up the storage's metadata, on every native method call.
        let labels = site.pointee.labels
        func at(_ k: Int) -> ArgumentValue { ArgumentValue(label: labels[k], first[k]) }
        switch count {
        case 0: return []
        case 1: return [at(0)]
        case 2: return [at(0), at(1)]
        case 3: return [at(0), at(1), at(2)]
        default:
            var args: [ArgumentValue] = []
            args.reserveCapacity(count)
            for k in 0..<count { args.append(at(k)) }
            return args
        }
    }

    /// A native method's error, raised inside a closure it called, gets the method as a
    /// traceback line (`in 'map', called at ...`); its own errors get the call's place.
    @inline(__always)
    func passing(_ method: MethodSite, _ chunk: Chunk, _ pc: Int, _ body: () throws -> Value) throws -> Value {
        do { return try body() } catch var err as ScriptError where err.location != nil {
            err.passedThrough(method.name, at: chunk.locations[pc - 1], in: chunk.source)
            throw err
        }
    }

    /// Readies the call of script function `sf` from a call site whose `count` arguments
    /// are in registers from `first`: they bind where they are when their labels match the
    /// parameters; otherwise they are matched as Swift does and defaults marked for filling
    /// in. Returns the instruction the callee starts at.
    @inline(__always)
    func prepare(_ sf: ScriptFunction, _ site: UnsafeMutablePointer<BytecodeCall>, first: Int, count: Int, base: Int) throws -> Int {
        let target = sf.code.chunk
        if site.pointee.compiledTarget(sf, count: count) != nil {
            // (A Dict's function called as a method binds without coming here: its site's
            // cache would be written and never read.)
            site.pointee.cachedFunction = sf
            site.pointee.cachedIdentity = ObjectIdentifier(sf)
            site.pointee.cachedCallee = Unmanaged.passUnretained(sf)
            site.pointee.cachedChunk = Unmanaged.passUnretained(target)
            site.pointee.cachedEntry = target.fullEntry
            return target.fullEntry
        }
        let args = Self.arguments(site, registers.base + base + first, count)
        registers.reserve(base + first + target.registerCount)
        do {
            return try bind(sf, args, into: registers.base + base + first) ? target.fullEntry : 0
        } catch {
            registers.clear(base + first, target.registerCount)
            throw error
        }
    }
}
