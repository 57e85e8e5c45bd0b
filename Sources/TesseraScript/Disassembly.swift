import Foundation

/// A chunk's code as text, one instruction a line with its source line, for reading what
/// the compiler made of a cell: `TESSERA_DISASSEMBLE=1 tessera run notebook.tsr` prints each
/// chunk to standard error as it is compiled.
///
/// ```
/// == fannkuch
///    26  line 18  subscriptGet(a: 12, b: 7, c: 10)
///    ...
///    33  line 16  branch(less, b: 10, c: 11, to: 26, when: true)
/// ```
extension Chunk {
    /// Whether chunks are printed as they are compiled (`TESSERA_DISASSEMBLE` set, not "0").
    static let disassembling: Bool = {
        guard let v = ProcessInfo.processInfo.environment["TESSERA_DISASSEMBLE"] else { return false }
        return !v.isEmpty && v != "0"
    }()

    /// Prints the listing to standard error when `TESSERA_DISASSEMBLE` asks for it (`seal`
    /// calls this once the chunk is compiled).
    func printListingIfAsked() {
        if Self.disassembling { FileHandle.standardError.write(Data(listing.utf8)) }
    }

    /// The instructions, numbered, each with its source line.
    var listing: String {
        var out = "== \(name)\n"
        for (i, instruction) in code.enumerated() {
            let number = String(format: "%5d", i)
            let line = i < locations.count ? "line \(locations[i].line)" : ""
            out += "\(number)  \(line.padding(toLength: 9, withPad: " ", startingAt: 0))  \(Self.text(of: instruction))\n"
        }
        for h in handlers {
            out += "  errors in \(h.from)..<\(h.to) go to \(h.target)" + (h.register.map { ", the error in \($0)" } ?? "") + "\n"
        }
        return out
    }

    /// An instruction as Swift writes it, without the type names before operators and
    /// inputs: `binary(add, a: 1, b: 1, c: 2)`, `updateBox(add, a: 1, b: constant(0))`.
    static func text(of instruction: Instruction) -> String {
        String(describing: instruction)
            .replacingOccurrences(of: "TesseraScript.BinaryOperator.", with: "")
            .replacingOccurrences(of: "TesseraScript.Input.", with: "")
    }
}
