/// The register machine's code: a function body compiled from resolved syntax into a flat
/// list of instructions over the frame's registers, run by `Interpreter.execute` (VM.swift).
///
/// Registers are the frame's values: the parameters first, then the other locals (the
/// resolver's slot indices), then temporaries the compiler allocates. Constants sit in a
/// pool, session variables in a table of slots, and each instruction's source position in
/// a side table, so an error keeps its cell, line, column and caret.

/// A register index, a constant or global index, or an instruction offset.
typealias Operand = Int32

/// What a `forPairs` loop walks: a sequence of pairs (a Dict's, say), the elements of
/// `xs.enumerated()`, or those of `zip(xs, ys)`.
enum PairSource: UInt8 { case pairs, enumerated, zip }

/// The operators an instruction applies to two registers.
enum BinaryOperator: UInt8, CaseIterable {
    case add, subtract, multiply, divide, remainder, power, matmul
    case less, lessEqual, greater, greaterEqual, equal, notEqual
    case halfOpenRange, closedRange

    init?(_ op: String) {
        guard let found = Self.allCases.first(where: { $0.symbol == op }) else { return nil }
        self = found
    }

    /// The operator as written.
    var symbol: String {
        switch self {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .remainder: return "%"
        case .power: return "**"
        case .matmul: return "@"
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .equal: return "=="
        case .notEqual: return "!="
        case .halfOpenRange: return "..<"
        case .closedRange: return "..."
        }
    }

    /// `x op y`: two Ints or two Doubles inline (an overflow, a division by zero or a power
    /// goes on to `apply`, which says what went wrong), everything else through `apply`.
    @inline(__always)
    func evaluate(_ x: Value, _ y: Value) throws -> Value {
        if case .int(let i) = x, case .int(let j) = y {
            switch self {
            case .add: let (v, o) = i.addingReportingOverflow(j); if !o { return .int(v) }
            case .subtract: let (v, o) = i.subtractingReportingOverflow(j); if !o { return .int(v) }
            case .multiply: let (v, o) = i.multipliedReportingOverflow(by: j); if !o { return .int(v) }
            case .divide: if j != 0 && !(i == .min && j == -1) { return .int(i / j) }
            case .remainder: if j != 0 && !(i == .min && j == -1) { return .int(i % j) }
            case .less: return .bool(i < j)
            case .lessEqual: return .bool(i <= j)
            case .greater: return .bool(i > j)
            case .greaterEqual: return .bool(i >= j)
            case .equal: return .bool(i == j)
            case .notEqual: return .bool(i != j)
            case .power, .matmul, .halfOpenRange, .closedRange: break
            }
        } else if case .double(let a) = x, case .double(let b) = y {
            switch self {
            case .add: return .double(a + b)
            case .subtract: return .double(a - b)
            case .multiply: return .double(a * b)
            case .divide: return .double(a / b)
            case .less: return .bool(a < b)
            case .lessEqual: return .bool(a <= b)
            case .greater: return .bool(a > b)
            case .greaterEqual: return .bool(a >= b)
            default: break
            }
        }
        return try apply(x, y)
    }

    /// `target op= v` in place: `+=` grows a String or an Array where it is (through a copy
    /// it would be copied, the variable still holding it), the others store their result.
    @inline(__always)
    func combine(_ target: inout Value, _ v: Value) throws {
        if self == .add { try Operators.addInPlace(&target, v) } else { target = try evaluate(target, v) }
    }

    /// Whether the operator compares (`<` ... `!=`): a condition made of one jumps on it
    /// directly (`branch`).
    var isComparison: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return true
        default: return false
        }
    }

    /// `x op y` for a comparison, as a Swift Bool: two Ints or two Doubles inline.
    @inline(__always)
    func test(_ x: Value, _ y: Value) throws -> Bool {
        if case .int(let i) = x, case .int(let j) = y, let b = compare(i, j) { return b }
        if case .double(let a) = x, case .double(let b) = y, let r = compare(a, b) { return r }
        if case .bool(let b) = try apply(x, y) { return b }
        return false
    }

    /// `a op b` for a comparison; nil for any other operator.
    @inline(__always)
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool? {
        switch self {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .equal: return a == b
        case .notEqual: return a != b
        default: return nil
        }
    }

    /// `a op b` by the operators every value kind goes through (`evaluate` has taken the
    /// Int and Double cases that need no error).
    func apply(_ a: Value, _ b: Value) throws -> Value {
        // Two Strings compared without the general comparison (a sort's `a < b` on words).
        if case .string(let s) = a, case .string(let t) = b, let r = compare(s, t) { return .bool(r) }
        switch self {
        case .add: return try Operators.add(a, b)
        case .subtract: return try Operators.subtract(a, b)
        case .multiply: return try Operators.multiply(a, b)
        case .divide: return try Operators.divide(a, b)
        case .remainder: return try Operators.remainder(a, b)
        case .power: return try Operators.power(a, b)
        case .matmul: return try Operators.matmul(a, b)
        case .less, .lessEqual, .greater, .greaterEqual:
            // Native objects (a tensor's `<`) by the operator's symbol; the rest without
            // matching it as a String (`a < b` on Strings in a sort's comparison).
            if case .object = a { return try Operators.ordered(symbol, a, b) }
            if case .object = b { return try Operators.ordered(symbol, a, b) }
            do {
                switch self {
                case .less: return .bool(try Operators.less(a, b))
                case .greater: return .bool(try Operators.less(b, a))
                case .lessEqual: return .bool(try !Operators.less(b, a))
                default: return .bool(try !Operators.less(a, b))
                }
            } catch let e as ScriptError where e.kind == .type {
                throw Operators.comparisonError(e, symbol, a, b)
            }
        case .equal: return .bool(Operators.equal(a, b))
        case .notEqual: return .bool(!Operators.equal(a, b))
        case .halfOpenRange: return try Operators.range(a, b, closed: false)
        case .closedRange: return try Operators.range(a, b, closed: true)
        }
    }
}

/// One instruction. `r` operands name registers, `k` constants, `g` global slots, `to`
/// instruction offsets.
enum Instruction {
    /// r[a] = constants[k]
    case constant(a: Operand, k: Operand)
    /// r[a] = r[b]
    case move(a: Operand, b: Operand)
    /// r[a] = the session variable globals[g] (a NameError while it is undefined)
    case global(a: Operand, g: Operand)
    /// globals[g] = r[b], for a variable that may be assigned
    case setGlobal(g: Operand, b: Operand)
    /// A cell's `let` (constant's bit 0 set) or `var` of session variable g: defined, or
    /// defined again, as r[b], with the DeclaredType coded in constant's other bits (0: none)
    case defineGlobal(g: Operand, b: Operand, constant: Operand)
    /// globals[g] op= b in the variable itself (`+=` grows a String or an Array in place:
    /// through a register it would be copied, the variable still holding it)
    case updateGlobal(BinaryOperator, g: Operand, b: Input)
    /// r[a] = a new Box holding r[b]: a variable that closures capture, made afresh each
    /// time its declaration runs (each loop iteration's `let` is its own, as in Swift)
    case newBox(a: Operand, b: Operand)
    /// r[a] = the value in the Box in r[b] (a captured variable, or an upvalue)
    case getBox(a: Operand, b: Operand)
    /// The Box in r[a] holds r[b] from now on
    case setBox(a: Operand, b: Operand)
    /// The Box in r[a] op= b, in place (`count += 1` in a closure)
    case updateBox(BinaryOperator, a: Operand, b: Input)
    /// r[a] = a new function or closure of prototypes[p], capturing the Boxes its
    /// prototype names among this frame's registers
    case closure(a: Operand, p: Operand)
    /// r[a] = r[b] op r[c]
    case binary(BinaryOperator, a: Operand, b: Operand, c: Operand)
    /// r[a] = r[b] op constants[k]: a loop's `i + 1`, `n < 2`
    case binaryConstant(BinaryOperator, a: Operand, b: Operand, k: Operand)
    /// r[a] += r[b], growing a String or an Array in place
    case addInPlace(a: Operand, b: Operand)
    /// r[a] = -r[b]
    case negate(a: Operand, b: Operand)
    /// r[a] = !r[b]
    case not(a: Operand, b: Operand)
    /// r[a] as its Swift annotation declares it (an Int where a Double is declared becomes
    /// that Double): DeclaredType(code: type)
    case convert(a: Operand, type: Operand)
    /// continue at `to`
    case jump(to: Operand)
    /// continue at `to`, after checking for an interrupt (`while true`)
    case loop(to: Operand)
    /// continue at `to` when r[a] is false (a TypeError unless it is a Bool; `what` names
    /// the statement in that message: constants[what])
    ///
    /// A conditional jump that goes back (a loop's test, after its body) checks for an
    /// interrupt when it is taken, as every backward jump does.
    case jumpIfFalse(a: Operand, to: Operand, what: Operand)
    /// continue at `to` when r[a] is true
    case jumpIfTrue(a: Operand, to: Operand, what: Operand)
    /// continue at `to` when (r[b] op r[c]) == when: a comparison and the jump on it, one
    /// instruction for `if i < n`, `while k != 0`
    case branch(BinaryOperator, b: Operand, c: Operand, to: Operand, when: Bool)
    /// continue at `to` when (r[b] op constants[k]) == when
    case branchConstant(BinaryOperator, b: Operand, k: Operand, to: Operand, when: Bool)
    /// continue at `to` when r[a] is not nil (`??`)
    case jumpIfNotNil(a: Operand, to: Operand)
    /// continue at `to` when r[a] is nil (a link of `?.` that ends its chain)
    case jumpIfNil(a: Operand, to: Operand)
    /// A for loop's step over the sequence in r[a] (a Range or an Array), its position in
    /// r[a + 1]: the next element into r[b] and back to `to` (the body, checking for an
    /// interrupt), or on past the loop when there is none.
    case forNext(a: Operand, b: Operand, to: Operand)
    /// Readies r[a] for forNext: a Range, an Array or an indexed native sequence (a Frame's
    /// rows, made one at a time) stays, a Dict, a String or another native sequence becomes
    /// the Array of its elements, anything else is refused.
    case forStart(a: Operand)
    /// A for loop whose pattern is a pair, `for (k, v) in d`, `for (i, x) in xs.enumerated()`,
    /// `for (x, y) in zip(xs, ys)`, walked without making an Array of Tuples: r[a] holds the
    /// sequence (the receiver of `enumerated()`; the first of zip's, with the second in
    /// r[a + 2] and the function the name `zip` holds in r[a + 3]). A Dict's keys and values,
    /// and Arrays and Ranges, are walked where they are; anything else, or another function
    /// named `zip`, goes the general way once (as `forStart`, the method, the call) and its
    /// elements are taken apart as they come. r[a + 1] is the position.
    case forPairs(a: Operand, from: PairSource)
    /// forNext for forPairs: the next pair into r[first] and r[first + 1] and back to `to`,
    /// or on past the loop when there is none.
    case forNextPair(a: Operand, first: Operand, to: Operand)
    /// r[a] = r[callee](r[first] ..< r[first + count]) with the call site's labels and place
    case call(a: Operand, callee: Operand, first: Operand, count: Operand, site: Operand)
    /// r[a] = globals[g](r[first], ...): a session function called from its slot, not
    /// copied into a register first
    case callGlobal(a: Operand, g: Operand, first: Operand, count: Operand, site: Operand)
    /// r[a] = r[receiver].name(r[first] ..< r[first + count]) (in place for a mutating
    /// method on a variable's value)
    case method(a: Operand, receiver: Operand, first: Operand, count: Operand, site: Operand)
    /// r[a] = globals[g].method(r[first], ...), a mutating method changing the session
    /// variable in place (`xs.append(x)` in a cell)
    case methodGlobal(a: Operand, g: Operand, first: Operand, count: Operand, site: Operand)
    /// r[a] = a mutating method called on part of a variable, in place (`d["k"].append(x)`,
    /// `xs.append(x)` on a captured variable): the path says where, the call site's
    /// arguments are in r[first] ...
    case methodPath(a: Operand, first: Operand, path: Operand, site: Operand)
    /// r[a] = r[b].name, the name in constants[k]; a Dict's key of that name is looked for
    /// first where this instruction found it last (memberKeys[h])
    case member(a: Operand, b: Operand, k: Operand, h: Operand)
    /// r[a] = r[b][c] (`xs[i]`, `xs[0]`, `d["k"]`)
    case subscriptGet(a: Operand, b: Operand, c: Input)
    /// r[a] = globals[g][r[c]]: an element of a session variable, read without copying the
    /// variable into a register first (places[at] is where the name is, for its NameError)
    case subscriptGlobal(a: Operand, g: Operand, c: Operand, at: Operand)
    /// r[a] = globals[g][r[c]].name (`bodies[i].x`, the name memberNames[h]): a Dict's key
    /// read where the element is, neither the variable nor the element copied out
    /// (places[at] is where the name is, places[at + 1] where the subscript is)
    case globalElementMember(a: Operand, g: Operand, c: Operand, h: Operand, at: Operand)
    /// r[a][r[b]] = r[c], in place
    case subscriptSet(a: Operand, b: Operand, c: Operand)
    /// Changes part of a variable in place: from the path's root, through its keys (members
    /// where the path's flag says so, else subscripts), then the value (a register, or a
    /// constant: `seen[k] += 1`) stored there (or combined with what is there by the path's
    /// operator).
    case modifyPath(value: Input, path: Operand)
    /// r[a] = [r[first] ..< r[first + count]]
    case array(a: Operand, first: Operand, count: Operand)
    /// r[a] = (r[first] ..< r[first + count]) as a Tuple
    case tuple(a: Operand, first: Operand, count: Operand)
    /// r[a] = a Dict of the key-value pairs in r[first] ..< r[first + 2 * count] (the keys'
    /// places from places[at], for the error a key that cannot be one raises)
    case dict(a: Operand, first: Operand, count: Operand, at: Operand)
    /// r[a] = the text of r[first] ..< r[first + count] joined (an interpolated string)
    case interpolate(a: Operand, first: Operand, count: Operand)
    /// r[first] ..< r[first + count] = the parts of the Tuple or Array in r[a] (a
    /// destructuring `let (x, y) = ...`)
    case unpack(a: Operand, first: Operand, count: Operand)
    /// r[first] ..< r[first + count] = nil: a statement's temporaries let go of what they
    /// held, so a variable's Array or Dict is its only owner again and changes in place
    case clear(first: Operand, count: Operand)
    /// `throw r[a]`: an Error value raises its kind, a String a ValueError
    case throwValue(a: Operand)
    /// Raises errors[e], an error the compiler found but the language reports only when
    /// the code runs (assigning to a constant)
    case fail(e: Operand)
    /// return r[a]
    case ret(a: Operand)
    /// return nil
    case retNil
    /// return (r[first] ..< r[first + count]) as a Tuple; when the caller's next instruction
    /// unpacks the result into as many registers (`let (next, q) = task.run(p)`), the values
    /// go straight there and no Tuple is made
    case retTuple(first: Operand, count: Operand)
}

/// A call site: the labels its arguments carry, and for a method its name (resolved once)
/// and whether it changes its receiver in place.
struct BytecodeCall {
    let labels: [String?]
    /// No argument is labelled: a compiled function whose parameters take none binds them
    /// by position, without comparing labels.
    let positional: Bool
    let method: MethodSite?
    /// Whether a mutating method's receiver is a local variable, changed in place.
    let mutatesReceiver: Bool
    /// Where a Dict receiver had a key of the method's name last (`task.run(p)` calls the
    /// function a Dict holds): see `ScriptDict.position(of:hint:)`.
    var dictHint = 0
    /// Where a session variable that receives a mutating method (`methodGlobal`) or is called
    /// (`callGlobal`) is named: its errors (a constant, not defined) point there.
    let receiverLocation: SourceLocation?
    /// `xs.append(x)`: one unlabelled argument to `append`, which the machine adds to an
    /// Array in place itself, without an argument list.
    let appendsOne: Bool
    /// A mutating method on a session variable or a path (`methodGlobal`, `methodPath`) that
    /// is a statement of its own: its result is dropped and nil stored, so no `clear` needs
    /// to follow (each `d["k"].append(i)` had one).
    var discardsResult = false
    /// The inline cache of a call: the script function this site last called with its
    /// arguments binding where they are, and that function's chunk. A call of the same
    /// function again skips the type test and the label match. Held strongly, so the
    /// identity test cannot be fooled by a new object at a freed one's address.
    var cachedFunction: ScriptFunction?
    /// The cached function's identity and chunk, read without retaining them (the strong
    /// reference above keeps both alive).
    var cachedIdentity: ObjectIdentifier?
    var cachedCallee: Unmanaged<ScriptFunction>?
    var cachedChunk: Unmanaged<Chunk>?
    var cachedEntry = 0

    init(labels: [String?], method: MethodSite?, mutatesReceiver: Bool, receiverLocation: SourceLocation? = nil) {
        self.labels = labels
        positional = labels.allSatisfy { $0 == nil }
        self.method = method
        self.mutatesReceiver = mutatesReceiver
        self.receiverLocation = receiverLocation
        appendsOne = method?.name == "append" && labels == [nil]
    }

    /// The compiled code of `fn` when this site's arguments bind straight into its
    /// registers: `count` of them, positional or labelled as its parameters are.
    @inline(__always)
    func compiledTarget(_ fn: ScriptFunction, count: Int) -> Chunk? {
        let code = fn.code
        guard code.chunk.parameterCount == count, positional ? code.takesPositional : code.labels == labels else { return nil }
        return code.chunk
    }
}

/// Where a nested assignment or a mutating method starts: a variable's register, the Box
/// of a captured variable (in a register), a session variable, or a temporary value (a
/// call's result, which only a native object lets change).
enum PathRoot {
    case register(Operand)
    case box(Operand)
    case global(Operand)
    case temporary(Operand)
}

/// Where an instruction reads a value that may be a literal: a register (a variable's own,
/// or a temporary the value was computed into) or the constant pool (a literal, a member's
/// name). A path's keys, the value stored at its end, the `1` of `count += 1`.
enum Input {
    case register(Operand)
    case constant(Operand)

    @inline(__always)
    func value(_ r: UnsafeMutablePointer<Value>, _ constants: UnsafePointer<Value>) -> Value {
        switch self {
        case .register(let a): return r[Int(a)]
        case .constant(let k): return constants[Int(k)]
        }
    }

    /// Where the value is: its register, or its place in the constant pool.
    @inline(__always)
    func address(_ r: UnsafeMutablePointer<Value>, _ constants: UnsafePointer<Value>) -> UnsafePointer<Value> {
        switch self {
        case .register(let a): return UnsafePointer(r + Int(a))
        case .constant(let k): return constants + Int(k)
        }
    }

    /// The value when it is an Int, read where it is (not copied out first).
    @inline(__always)
    func int(_ r: UnsafeMutablePointer<Value>, _ constants: UnsafePointer<Value>) -> Int? {
        switch self {
        case .register(let a): if case .int(let i) = r[Int(a)] { return i }
        case .constant(let k): if case .int(let i) = constants[Int(k)] { return i }
        }
        return nil
    }
}

/// One key of a path: where it is, whether it names a member, and for a constant key the
/// position in a Dict where the walk found it last, tried first the next time (see
/// `ScriptDict.position(of:hint:)`; a key computed at run time changes from one walk to
/// the next, and a hint would cost it a comparison each time).
struct PathStep {
    let key: Input
    let member: Bool
    /// A constant key as a Dict key, made once (nil for a key in a register, or a constant
    /// that cannot be one).
    let dictKey: DictKey?
    var hint = 0

    init(key: Input, member: Bool, constant: Value? = nil) {
        self.key = key
        self.member = member
        dictKey = constant.flatMap(DictKey.init)
    }
}

/// The shape of a nested assignment (`bodies[i]["vx"] -= d`, `p.lr = 0.1`) or of a mutating
/// method's receiver (`d["k"].append(x)`): its root, its keys, and the operator that
/// combines the old value with the new (nil for `=`). A class, its steps in fixed storage:
/// an instruction reads it by reference (copying its error and arrays was a fifth of nbody,
/// and retaining its arrays a tenth of an append).
final class AssignmentPath {
    let root: PathRoot
    let steps: UnsafeMutablePointer<PathStep>
    let count: Int
    let combine: BinaryOperator?
    /// The error a constant root (a `let`, a captured parameter) raises when changed.
    let constantError: ScriptError?
    /// Where the root is named (a session variable's errors point there) or computed (a
    /// temporary's).
    let rootLocation: SourceLocation

    /// What `=` or `op=` leaves at the end of the path.
    @inline(__always)
    func store(_ v: Value, into target: inout Value) throws {
        if let combine { try combine.combine(&target, v) } else { target = v }
    }

    init(root: PathRoot, steps: [PathStep], combine: BinaryOperator?, constantError: ScriptError?, rootLocation: SourceLocation) {
        self.root = root
        count = steps.count
        self.steps = .allocate(capacity: max(1, steps.count))
        self.steps.initialize(from: steps, count: steps.count)
        self.combine = combine
        self.constantError = constantError
        self.rootLocation = rootLocation
    }

    deinit {
        steps.deinitialize(count: count)
        steps.deallocate()
    }
}

/// A function or closure as compiled, once per declaration: running its declaration makes
/// a `ScriptFunction` of it with the Boxes it captures.
final class FunctionCode {
    let decl: FunctionDecl
    let chunk: Chunk
    /// The call-site labels under which arguments bind straight into the parameters, in
    /// order (all nil for closures).
    let labels: [String?]
    /// Whether a call with plain positional values can bind them directly.
    let takesPositional: Bool
    /// Each parameter's label and whether it has a default, for matching labelled calls.
    let shape: [(label: String?, hasDefault: Bool)]
    /// The registers of the creating frame whose Boxes the function captures: a captured
    /// local's own register, or an upvalue the creating closure holds.
    let captures: [Operand]
    /// What `sorted(by:)` may read once per element instead of calling the closure for each
    /// comparison (`{ $0.value > $1.value }`).
    let sortKey: SortKey?
    /// The operator the closure applies, if that is all it does (`reduce(0, +)` folds with
    /// it, `map { $0 * 2 }` applies it).
    let operatorClosure: OperatorClosure?
    /// The member the closure reads or calls on its one parameter, if that is all it does
    /// (`map { $0.count }`, `filter { $0.hasPrefix("a") }`).
    let memberStep: MemberStep?

    init(decl: FunctionDecl, chunk: Chunk, captures: [Operand]) {
        self.decl = decl
        self.chunk = chunk
        self.captures = captures
        sortKey = SortKey(decl)
        operatorClosure = OperatorClosure(decl)
        memberStep = operatorClosure == nil ? MemberStep(decl) : nil
        labels = decl.isClosure ? decl.parameters.map { _ in nil } : decl.parameters.map(\.label)
        takesPositional = labels.allSatisfy { $0 == nil }
        shape = decl.parameters.map { (label: $0.label, hasDefault: $0.defaultValue != nil) }
    }
}

/// Where an error raised in instructions `from..<to` of a chunk goes: to `target`, with the
/// error (an `Error` value) stored in register `register` when there is one. A `do` with
/// catch clauses makes one over its body, `try?` one over its expression; inner ones come
/// first, so the first that covers an instruction is the innermost. Read only when an
/// error is raised: no instruction of the body pays for it.
struct ErrorHandler {
    let from: Operand
    let to: Operand
    let target: Operand
    let register: Operand?

    func covers(_ instruction: Int) -> Bool { Int(from) <= instruction && instruction < Int(to) }
}

/// A compiled function body: its code, the source position of each instruction, its
/// constants, the session variables it names and its call sites.
final class Chunk {
    let name: String
    let source: Source
    @exclusivity(unchecked) var code: [Instruction] = []
    @exclusivity(unchecked) var locations: [SourceLocation] = []
    @exclusivity(unchecked) var constants: [Value] = []
    @exclusivity(unchecked) var globals: [GlobalSlot] = []
    @exclusivity(unchecked) var sites: [BytecodeCall] = []
    @exclusivity(unchecked) var paths: [AssignmentPath] = []
    @exclusivity(unchecked) var prototypes: [FunctionCode] = []
    /// Source positions an instruction names besides its own (a session variable's name).
    @exclusivity(unchecked) var places: [SourceLocation] = []
    @exclusivity(unchecked) var errors: [ScriptError] = []
    /// Where errors raised in ranges of `code` go (a `do`'s catch, a `try?`), innermost first.
    @exclusivity(unchecked) var handlers: [ErrorHandler] = []
    /// The names `member` instructions read, as Dict keys made once, each with the position
    /// where the instruction found it last (see `ScriptDict.position(of:hint:)`).
    @exclusivity(unchecked) var memberNames: [String] = []
    @exclusivity(unchecked) private(set) var memberKeys: UnsafeMutablePointer<(key: DictKey, hint: Int)>?
    @exclusivity(unchecked) var registerCount = 0
    @exclusivity(unchecked) var parameterCount = 0
    /// The first of the registers that hold the Boxes a closure captured, one per upvalue.
    @exclusivity(unchecked) var upvalueBase = 0
    @exclusivity(unchecked) var upvalueCount = 0
    /// The first of one register per parameter saying whether the call gave it (a Bool),
    /// read by the code that fills in defaults; -1 when no parameter has a default.
    @exclusivity(unchecked) var givenBase = -1
    /// Where a call that gives every parameter starts: past the code that fills in defaults.
    @exclusivity(unchecked) var fullEntry = 0

    /// The code and constants in fixed storage, for the dispatch loop to read without
    /// retaining an array per call (made by `seal`, once the compiler is done).
    @exclusivity(unchecked) private(set) var codeBase: UnsafeMutablePointer<Instruction>?
    @exclusivity(unchecked) private(set) var constantBase: UnsafeMutablePointer<Value>?
    @exclusivity(unchecked) private(set) var globalBase: UnsafeMutablePointer<GlobalSlot>?
    /// The call sites, read in place (a copy of one retained its labels and method).
    @exclusivity(unchecked) private(set) var siteBase: UnsafeMutablePointer<BytecodeCall>?
    /// The paths, to read without retaining them (`paths` holds them).
    @exclusivity(unchecked) private(set) var pathBase: UnsafeMutablePointer<Unmanaged<AssignmentPath>>?

    init(name: String, source: Source) {
        self.name = name
        self.source = source
    }

    func seal() {
        printListingIfAsked()
        let c = UnsafeMutablePointer<Instruction>.allocate(capacity: code.count)
        c.initialize(from: code, count: code.count)
        codeBase = c
        let k = UnsafeMutablePointer<Value>.allocate(capacity: max(1, constants.count))
        k.initialize(from: constants, count: constants.count)
        constantBase = k
        let g = UnsafeMutablePointer<GlobalSlot>.allocate(capacity: max(1, globals.count))
        g.initialize(from: globals, count: globals.count)
        globalBase = g
        let b = UnsafeMutablePointer<BytecodeCall>.allocate(capacity: max(1, sites.count))
        b.initialize(from: sites, count: sites.count)
        siteBase = b
        let p = UnsafeMutablePointer<Unmanaged<AssignmentPath>>.allocate(capacity: max(1, paths.count))
        p.initialize(from: paths.map { Unmanaged.passUnretained($0) }, count: paths.count)
        pathBase = p
        let m = UnsafeMutablePointer<(key: DictKey, hint: Int)>.allocate(capacity: max(1, memberNames.count))
        m.initialize(from: memberNames.map { (key: DictKey.string($0), hint: 0) }, count: memberNames.count)
        memberKeys = m
    }

    deinit {
        codeBase?.deinitialize(count: code.count)
        codeBase?.deallocate()
        constantBase?.deinitialize(count: constants.count)
        constantBase?.deallocate()
        globalBase?.deinitialize(count: globals.count)
        globalBase?.deallocate()
        siteBase?.deinitialize(count: sites.count)
        siteBase?.deallocate()
        memberKeys?.deinitialize(count: memberNames.count)
        memberKeys?.deallocate()
        pathBase?.deallocate()
    }
}
