import FuzzSupport
import TesseraData

// libFuzzer: any bytes as a CSV file, read whole and in 7-byte chunks (records, quotes,
// encodings and chunk boundaries), then checked; errors are expected, traps are findings.
FuzzDriver.run { input in
    let bytes = Array(input)
    if let frame = try? CSVReader.read(bytes: bytes) { _ = try? frame.check() }
    var small = CSVOptions()
    small.chunkBytes = 7
    _ = try? CSVReader.read(bytes: bytes, options: small)
}
