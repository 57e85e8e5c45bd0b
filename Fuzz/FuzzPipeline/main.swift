import FuzzSupport
import TesseraData

// libFuzzer: any bytes as a saved pipeline (a checkpoint's "pipeline" metadata): decoding
// must check every name, class and bin, and a pipeline that decodes must turn rows into
// features, or refuse them, without a trap.
let rows = try! Frame(columns: [
    Column("amount", doubles: [12.5, nil, 3, 1e9]),
    Column("channel", strings: ["web", "store", nil, "fax"]),
    Column("hour", ints: [1, 2, 3, 23]),
    Column("label", strings: ["ok", "fraud", "ok", "ok"]),
])

FuzzDriver.run { input in
    guard let pipeline = try? FittedPipeline(json: String(decoding: input, as: UTF8.self)) else { return }
    _ = try? pipeline.prepare(rows, strict: false, needTarget: true)
    _ = pipeline.profile.drift(rows)
    _ = try? pipeline.json()
}
