import TesseraScript
import TesseraTensor

/// Binds the domain modules into the language: every name of LANGUAGE.md's prelude that
/// exists so far. Each domain module adds its bindings here through one file
/// (`RichText.swift` for rich values; later `DataBindings.swift`, `NNBindings.swift`, ...).
public enum Prelude {
    /// Defines the prelude in a fresh interpreter (and again after `%reset`, which keeps it).
    public static func install(in interpreter: Interpreter) {
        // The language's own arrays and strings answer to the same memory budget as tensors.
        MemoryBudget.install { bytes, what in try ScriptError.converting { try HostMemory.check(bytes: bytes, what: what) } }
        for f in RichText.functions { interpreter.definePrelude(f) }
        for f in DataBindings.functions { interpreter.definePrelude(f) }
        for f in MetricsBindings.functions { interpreter.definePrelude(f) }
        for f in TensorBindings.functions { interpreter.definePrelude(f) }
        for f in NNBindings.functions { interpreter.definePrelude(f) }
        for f in TuneBindings.functions { interpreter.definePrelude(f) }
        for f in DistributedBindings.functions { interpreter.definePrelude(f) }
        for f in TextBindings.functions { interpreter.definePrelude(f) }
        interpreter.foreignName = { name in MetricsBindings.functionNamed(name) ?? DataBindings.foreignNames[name] }
    }
}
