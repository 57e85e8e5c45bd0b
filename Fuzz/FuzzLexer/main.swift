import FuzzSupport
import TesseraScript

// libFuzzer: any bytes as a cell, lexed, parsed, resolved and compiled to register code
// (not run: a random program may loop). A SyntaxError is the expected outcome; a trap, an
// overflow or a hang in the compiler is a finding. Compiling makes a session slot for every
// name a cell uses, so a fresh interpreter takes over every thousand inputs.
nonisolated(unsafe) var interpreter = Interpreter()
nonisolated(unsafe) var compiled = 0
FuzzDriver.run { input in
    compiled += 1
    if compiled % 1000 == 0 { interpreter = Interpreter() }
    try? interpreter.check(Source(name: "fuzz", text: String(decoding: input, as: UTF8.self)))
}
