import FuzzSupport
import TesseraKernel

// libFuzzer: any bytes as a .ipynb file: parsed and checked as `tessera run` checks a
// notebook before it runs a cell.
FuzzDriver.run { input in
    guard let json = try? JSON.parse(Array(input)) else { return }
    if let notebook = try? Notebook(json: json, path: "fuzz.ipynb") { _ = notebook.cells.count }
}
