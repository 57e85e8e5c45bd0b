import FuzzSupport
import TesseraNN

// libFuzzer: any bytes as a safetensors checkpoint: every size and offset must be checked
// before a byte of values is read.
FuzzDriver.run { input in
    _ = try? Checkpoint.decode(Array(input), name: "fuzz")
}
