import TesseraData
import TesseraDisplay
import TesseraNN
import TesseraScript
import TesseraTensor

/// The tensor and backend piece of the prelude: `tensor zeros ones full arange randn rand`,
/// `backend devices threads`.
enum TensorBindings {
    static var functions: [NativeFunction] { [tensor, zeros, ones, full, arange, randn, rand, concat, stack, oneHot, backend, devices, threads] }

    static let tensor = NativeFunction(Declaration(
        "tensor", [.positional("values", .any, "a number, or an Array of numbers nested as deep as the tensor has dimensions"),
                   .labelled("dtype", .symbol("DType", ["float32", "int32"]), default: .symbol("float32"), ".int32 for indices (embeddings, gather)")],
        returns: "Tensor", summary: "A tensor from a number or a nested Array: tensor([[1, 2], [3, 4]]).",
        example: "tensor([[1, 2], [3, 4]]) @ tensor([[1], [0]])",
        errors: [(.shape, "the rows of a nested Array differ in length"), (.type, "an element is not a number")])) { a, _ in
        switch try a.symbol("dtype") {
        case "int32": return .object(IndexTensorObject(try TensorObject.indices(a["values"], "tensor(_:, dtype: .int32)")))
        default: return .object(TensorObject(try TensorObject.tensor(a["values"], a.place("values"))))
        }
    }

    /// A tensor's shape as users write it: an Array of sizes.
    static let shapeParameter = Declaration.Parameter.positional("shape", .array, "the size of each dimension, e.g. [2, 3]")

    static func filled(_ name: String, _ value: Float) -> NativeFunction {
        NativeFunction(Declaration(name, [shapeParameter], returns: "Tensor", summary: "A tensor of \(value == 0 ? "zeros" : "ones").",
                                   example: "\(name)([2, 3])", errors: [(.memory, "the shape holds more values than memory can")])) { a, _ in
            let shape = try TensorObject.shape(a["shape"], a.place("shape"))
            let count = try HostMemory.check(shape: shape, what: "\(name)(\(shape))")
            return .object(TensorObject(Tensor(shape: shape, storage: [Float](repeating: value, count: count))))
        }
    }
    static let zeros = filled("zeros", 0)
    static let ones = filled("ones", 1)

    static let full = NativeFunction(Declaration("full", [shapeParameter, .positional("value", .double, "the value of every element")], returns: "Tensor",
                                                 summary: "A tensor of one value.", example: "full([2, 2], 0.5)",
                                                 errors: [(.memory, "the shape holds more values than memory can")])) { a, _ in
        let shape = try TensorObject.shape(a["shape"], a.place("shape"))
        let v = Float(try a.double("value"))
        let count = try HostMemory.check(shape: shape, what: "full(\(shape), _)")
        return .object(TensorObject(Tensor(shape: shape, storage: [Float](repeating: v, count: count))))
    }

    static let arange = NativeFunction(Declaration(
        "arange", [.positional("first", .double, "the end (exclusive) when alone, else the start"),
                   .positional("end", .double, default: .nil, "the end, excluded"),
                   .positional("step", .double, default: .int(1), "the difference between neighbours; not 0")],
        returns: "Tensor", summary: "Evenly spaced values, the end excluded: arange(5) is 0..<5, arange(1, 2, 0.25) is [1, 1.25, 1.5, 1.75].",
        example: "arange(1, 2, 0.25)", errors: [(.value, "a bound is not finite or the step is 0"), (.memory, "there are more values than memory holds")])) { a, _ in
        var start = 0.0, end = try a.double("first")
        if let e = try a.optionalDouble("end") { start = end; end = e }
        let step = try a.double("step")
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw ScriptError(.value, "arange needs finite bounds and a step that is not 0; got \(start), \(end), \(step)")
        }
        let steps = ((end - start) / step).rounded(.up)
        guard steps < 9e18 else {
            throw ScriptError(.memory, "arange(\(start), \(end), \(step)) has \(steps) values: more than a 64-bit size can count",
                              suggestion: ScriptError.memorySuggestion)
        }
        let n = steps > 0 ? Int(steps) : 0
        _ = try HostMemory.check(shape: [n], what: "arange(\(start), \(end), \(step))")
        return .object(TensorObject(Tensor(shape: [n], storage: (0..<n).map { Float(start + Double($0) * step) })))
    }

    static func random(_ name: String, normal: Bool) -> NativeFunction {
        NativeFunction(Declaration(name, [shapeParameter, .labelled("seed", .int, default: .int(0), "the generator's seed: the same seed, the same numbers")],
                                   returns: "Tensor",
                                   summary: "\(normal ? "Standard normal" : "Uniform [0, 1)") values from a seeded generator: the same numbers on every backend.",
                                   example: "\(name)([2, 3], seed: 1)", errors: [(.memory, "the shape holds more values than memory can")])) { a, _ in
            let shape = try TensorObject.shape(a["shape"], a.place("shape"))
            var rng = RandomGenerator(seed: UInt64(truncatingIfNeeded: try a.int("seed")))
            let count = try HostMemory.check(shape: shape, what: "\(name)(\(shape))")
            let storage = (0..<count).map { _ in normal ? Float(rng.nextNormal()) : rng.nextFloat() }
            return .object(TensorObject(Tensor(shape: shape, storage: storage)))
        }
    }
    static let randn = random("randn", normal: true)
    static let rand = random("rand", normal: false)

    static let tensorList = Declaration.Parameter.positional("tensors", .array, "the tensors, in order")
    static let axisParameter = Declaration.Parameter.labelled("axis", .int, default: .int(0), "the dimension; negative counts from the last")

    static let concat = NativeFunction(Declaration(
        "concat", [.positional("items", .array, "Tensors, or Frames"), axisParameter], returns: "Tensor or Frame",
        summary: "Tensors joined along an existing axis (their other dimensions must agree), or Frames one after another (pandas' concat: the union of their columns, missing where a frame lacks one).",
        example: "concat([zeros([2, 3]), ones([1, 3])])\nlet iris = dataset(\"iris\")\nconcat([iris.head(2), iris.tail(2)]).rows",
        errors: [(.shape, "the tensors' other dimensions differ"), (.data, "a column has different types in two frames")])) { a, _ in
        if case .array(let items) = a["items"], case .object(_ as FrameObject)? = items.first {
            guard try a.int("axis") == 0 else {
                throw ScriptError(.value, "concat of frames puts their rows one after another (axis 0); axis: \(try a.int("axis")) would put them side by side",
                                  suggestion: "to put frames side by side, join them on a key column: a.join(b, on: \"id\")")
            }
            let frames = try items.enumerated().map { (i, v) -> Frame in
                guard case .object(let f as FrameObject) = v else { throw ScriptError(.type, "concat(_:): item \(i) is \(v.typeName.withArticle); the first is a Frame, so every item must be") }
                return f.frame
            }
            return .object(FrameObject(try ScriptError.converting { try Frame.concatenated(frames) }))
        }
        let axis = try a.int("axis")
        return try joined(a["items"], a.place("items")) { try $0.concat($1, axis: axis) }
    }

    /// Tensors joined by a tape operation: recorded when one of them is traced (inside
    /// `grad(of:at:)`), so the gradient flows through `concat` and `stack` too.
    static func joined(_ v: Value, _ what: String, _ op: (Tape, [Variable]) throws -> Variable) throws -> Value {
        guard case .array(let xs) = v, !xs.isEmpty else { throw ScriptError(.type, "\(what) needs a non-empty Array of tensors (or, for concat, of frames)") }
        let operands = try xs.enumerated().map { try TensorObject.operand($0.element, "\(what), element \($0.offset)") }
        let tape = xs.lazy.compactMap(TensorObject.traced).first ?? TensorRuntime.shared.tape
        return .object(TensorObject(try ScriptError.converting { try op(tape, operands) }, on: tape))
    }

    static let stack = NativeFunction(Declaration(
        "stack", [tensorList, axisParameter], returns: "Tensor", summary: "Tensors of one shape stacked along a new axis.",
        example: "stack([zeros([3]), ones([3])], axis: 1)", errors: [(.shape, "the shapes differ")])) { a, _ in
        let axis = try a.int("axis")
        return try joined(a["tensors"], a.place("tensors")) { try $0.stack($1, axis: axis) }
    }

    static let oneHot = NativeFunction(Declaration(
        "oneHot", [.positional("labels", .any, "class indices: an Array or Tensor of whole numbers in 0..<classes"),
                   .labelled("classes", .int, range: .atLeast(1), "how many classes")],
        returns: "Tensor", summary: "Class indices as rows of one-hot vectors [n, classes].", example: "oneHot([0, 2, 1], classes: 3)",
        errors: [(.value, "an index is outside 0..<classes, or classes is below 1")])) { a, _ in
        let labels = try TensorObject.indices(a["labels"], a.place("labels")), classes = try a.int("classes")
        guard classes > 0 else { throw ScriptError(.value, "oneHot(classes:) must be at least 1, got \(classes)") }
        return .object(TensorObject(try Tensor.oneHot(labels, classes: classes)))
    }

    static let backend = NativeFunction(Declaration(
        "backend", [.positional("name", .string, default: .nil, "\"reference\", \"openblas\" or \"cuda\"; left out, nothing changes")],
        returns: "String", summary: "The backend tensor operations run on; with a name, switches to it first.",
        example: "backend(\"openblas\")", errors: [(.value, "the backend is unknown or this machine cannot run it (devices() says which can)")])) { a, _ in
        if let name = try a.optionalString("name") { TensorRuntime.shared.backend = try Devices.backend(named: name) }
        return .string(TensorRuntime.shared.backend.name)
    }

    static let devices = NativeFunction(Declaration(
        "devices", returns: "Table", summary: "The backends and whether this machine can run them; .available lists the names of those it can.",
        example: "devices().available")) { _, _ in
        let current = TensorRuntime.shared.backend.name
        let list = Devices.list()
        let table = Table(columns: ["backend", "kind", "available", "detail"],
                          rows: list.map { [$0.name + ($0.name == current ? " (current)" : ""), $0.kind, $0.available ? "yes" : "no", $0.detail] },
                          caption: "Backends on this machine")
        return .object(DevicesObject(bundle: table.bundle, available: list.filter(\.available).map(\.name)))
    }

    static let threads = NativeFunction(Declaration(
        "threads", [.positional("n", .int, default: .nil, range: .atLeast(0), "threads to use; 0 returns to the default (left out: only report)")],
        returns: "Int", summary: "The threads of the CPU backends (OpenBLAS and the element-wise loops).",
        discussion: "By default training times its own batches on every core and on one and keeps the faster; threads(n) fixes the count. More than one per core is capped, with a warning.",
        example: "threads()", errors: [(.value, "n is negative")])) { a, interp in
        if let n = try a.optionalInt("n") {
            guard n >= 0 else { throw ScriptError(.value, "threads(_:) must be 0 (one per core) or more, got \(n)") }
            if n > Parallel.maximum {
                interp.host.write("threads(\(n)): this machine has \(Parallel.cores) core\(Parallel.cores == 1 ? "" : "s"); using \(Parallel.maximum) (more threads than cores only wait on one another)\n", to: .stderr)
            }
            OpenBLASBackend.setThreads(n)
        }
        return .int(Parallel.threads)
    }
}

/// What `devices()` returns: shown as a table; `.available` gives the names of the
/// backends this machine can run, so a notebook can loop over them.
final class DevicesObject: DeclaredMembers {
    let bundle: MimeBundle
    let available: [String]
    init(bundle: MimeBundle, available: [String]) { self.bundle = bundle; self.available = available }
    var typeName: String { "Table" }
    var plainText: String { bundle.plain }
    var richRepresentations: [(mime: String, data: String)] { bundle.entries.filter { $0.mime != "text/plain" } }
    static let nativeMembers = NativeMembers<DevicesObject>([
        .property(name: "available", doc: "The names of the backends this machine can run.") { o in .array(o.available.map { .string($0) }) },
        .property(name: "text", doc: "The table as text.") { o in .string(o.bundle.plain) },
    ])
}
