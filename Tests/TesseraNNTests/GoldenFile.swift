import Foundation
import XCTest
import TesseraTensor

/// A golden file of PyTorch's results (Tests/TesseraNNTests/Golden, written by `make
/// parity`): JSON whose tensors are {"shape": [...], "values": [...]}.
struct GoldenFile {
    let doc: [String: Any]

    /// `name` is the path under Golden/ without ".json".
    init(_ name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).json")
        doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    subscript(_ key: String) -> Any? { doc[key] }

    func tensor(_ v: Any?) -> Tensor { Self.tensor(v) }
    func tensor(_ key: String) -> Tensor { Self.tensor(doc[key]) }
    static func tensor(_ v: Any?) -> Tensor {
        let d = v as! [String: Any]
        return Tensor(shape: (d["shape"] as! [NSNumber]).map(\.intValue), storage: (d["values"] as! [NSNumber]).map(\.floatValue))
    }
}
