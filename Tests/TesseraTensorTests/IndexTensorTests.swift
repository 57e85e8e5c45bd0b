import XCTest
@testable import TesseraTensor

final class IndexTensorTests: XCTestCase {
    /// Past 2^24 a Float32 cannot hold every whole number: 16,777,217 reads back as
    /// 16,777,216. argmax's Int32 result keeps it exact on every CPU backend.
    func testArgmaxIsExactPastFloat32Integers() throws {
        let n = (1 << 24) + 3, peak = (1 << 24) + 1
        var values = [Float](repeating: 0, count: n)
        values[peak] = 1
        let t = Tensor(shape: [1, n], storage: values)
        XCTAssertNotEqual(Int(Float(peak)), peak, "the case a Float32 index would get wrong")
        for backend in [ReferenceBackend(), OpenBLASBackend()] as [any Backend] {
            XCTAssertEqual(try backend.argmax(t, axis: 1).values, [Int32(peak)], "\(backend)")
        }
    }

    func testConversionsAndGatherWithShapedIndices() throws {
        let i = try IndexTensor(exactly: Tensor(shape: [2, 2], storage: [0, 2, 1, 1]))
        XCTAssertEqual(i.values, [0, 2, 1, 1])
        XCTAssertEqual(i.floats, Tensor(shape: [2, 2], storage: [0, 2, 1, 1]))
        let table = Tensor(shape: [3, 2], storage: [10, 11, 20, 21, 30, 31])
        XCTAssertEqual(try table.gather(i), Tensor(shape: [2, 2, 2], storage: [10, 11, 30, 31, 20, 21, 20, 21]))
        XCTAssertThrowsError(try table.gather(IndexTensor(shape: [1], values: [3]))) {
            XCTAssertTrue("\($0)".contains("index 3 at position 0 is out of range for a first dimension of 3"), "\($0)")
        }
        XCTAssertThrowsError(try IndexTensor(exactly: Tensor(shape: [1], storage: [3e9]))) { XCTAssertTrue("\($0)".contains("fits an Int32")) }
    }
}
