import FuzzSupport
import TesseraScript

// libFuzzer: any bytes as a cell, lexed and parsed (not run: a random program may loop).
// A SyntaxError is the expected outcome; a trap, an overflow or a hang is a finding.
FuzzDriver.run { input in
    _ = try? Interpreter.parse(Source(name: "fuzz", text: String(decoding: input, as: UTF8.self)))
}
