import XCTest

/// Tensors and backends as a notebook uses them.
final class TensorBindingTests: XCTestCase {
    func testTensorsThroughTheLanguage() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let a = tensor([[1, 2], [3, 4]])").error)
        XCTAssertEqual(k.execute("(a @ a).values").result, "[[7.0, 10.0], [15.0, 22.0]]")
        XCTAssertEqual(k.execute("(a + [10, 20]).values").result, "[[11.0, 22.0], [13.0, 24.0]]", "a row broadcasts over rows")
        XCTAssertEqual(k.execute("a.sum(axis: 1).values").result, "[3.0, 7.0]")
        XCTAssertEqual(k.execute("a.T.shape").result, "[2, 2]")
        XCTAssertEqual(k.execute("zeros([2, 3]).shape").result, "[2, 3]")
        XCTAssertEqual(k.execute("arange(1, 4).values").result, "[1.0, 2.0, 3.0]")
        XCTAssertEqual(k.execute("a.reshape([-1]).values").result, "[1.0, 2.0, 3.0, 4.0]")
        XCTAssertEqual(k.execute("arange(10).reshape([5, 2])[1..<3].values").result, "[[2.0, 3.0], [4.0, 5.0]]")
        XCTAssertEqual(k.execute("a[0..<5]").error?.content["ename"]?.stringValue, "ShapeError")
        let shown = k.execute("a")
        XCTAssertTrue(shown.result?.contains("Tensor(shape: [2, 2], float32)") ?? false)
        XCTAssertTrue(shown.messages.contains { $0.content["data"]?["text/html"]?.stringValue?.contains("tessera-tensor") ?? false })
        // The same seed gives the same numbers on every backend.
        let onBLAS = k.execute("randn([4], seed: 3).values").result
        XCTAssertNil(k.execute("backend(\"reference\")").error)
        XCTAssertEqual(k.execute("randn([4], seed: 3).values").result, onBLAS)
        // rand is [0, 1) as in numpy: seed 1 drew a value that rounded up to 1.0 in Float.
        XCTAssertEqual(k.execute("rand([5000000], seed: 1).max() < 1").result, "true")
        XCTAssertEqual(k.execute("(a @ a).values").result, "[[7.0, 10.0], [15.0, 22.0]]")
        XCTAssertEqual(k.execute("backend(\"openblas\")").result, "\"openblas\"")
    }

    func testMetricsTakeTensors() {
        let k = KernelHarness()
        XCTAssertEqual(k.execute("accuracy(tensor([1, 0, 1]), [1, 1, 1])").result, "0.6666666666666666")
        XCTAssertEqual(k.execute("rocAUC([0, 1, 1], tensor([0.1, 0.9, 0.8]))").result, "1.0")
        XCTAssertEqual(k.execute("rocAUC([0, 1, 2], tensor([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))").result, "1.0")
        XCTAssertEqual(k.execute("accuracy(zeros([2, 2]), [0, 0])").error?.content["ename"]?.stringValue, "ShapeError")
    }

    func testShapeErrorsAndUnavailableBackendsAreClear() {
        let k = KernelHarness()
        let mismatch = k.execute("tensor([[1, 2, 3]]) @ tensor([[1, 2]])")
        XCTAssertEqual(mismatch.error?.content["ename"]?.stringValue, "ShapeError")
        XCTAssertTrue(mismatch.errorText.contains("inner dimensions 3 and 1"), mismatch.errorText)
        XCTAssertEqual(k.execute("tensor([[1, 2], [3]])").error?.content["ename"]?.stringValue, "ShapeError")
        XCTAssertEqual(k.execute("zeros([2, 3]) + zeros([4])").error?.content["ename"]?.stringValue, "ShapeError")
        let cuda = k.execute("backend(\"cuda\")")
        if cuda.error == nil {
            XCTAssertNil(k.execute("backend(\"openblas\")").error)  // a machine with a GPU
        } else {
            XCTAssertTrue(cuda.errorText.contains("backend \"cuda\" is not available: "), cuda.errorText)
            XCTAssertTrue(cuda.errorText.contains("devices() lists"), "the error points at devices(): \(cuda.errorText)")
            XCTAssertEqual(k.execute("backend()").result, "\"openblas\"", "a failed switch keeps the backend")
        }
        XCTAssertTrue(k.execute("%backend reference").stdout.contains("backend: reference"))
        XCTAssertNil(k.execute("backend(\"openblas\")").error)  // the backend is the process's: leave the default
    }

    func testComparisonsGiveMasks() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let t = tensor([[1, 5], [3, -2]])").error)
        XCTAssertEqual(k.execute("(t > 2).values").result, "[[0.0, 1.0], [1.0, 0.0]]")
        XCTAssertEqual(k.execute("(t <= 3).values").result, "[[1.0, 0.0], [1.0, 1.0]]")
        XCTAssertEqual(k.execute("(0 < t).values").result, "[[1.0, 1.0], [1.0, 0.0]]", "a number on the left")
        XCTAssertEqual(k.execute("(t >= tensor([3, 5])).values").result, "[[0.0, 1.0], [1.0, 0.0]]", "comparisons broadcast")
        XCTAssertEqual(k.execute("((t > 0) * t).sum()").result, "9.0", "a mask selects by multiplying")
        XCTAssertEqual(k.execute("1 < 2").result, "true", "numbers still compare to a Bool")
        XCTAssertEqual(k.execute("t > zeros([3])").error?.content["ename"]?.stringValue, "ShapeError")
    }

    func testLayoutFunctions() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let a = tensor([[1, 2], [3, 4]])").error)
        XCTAssertEqual(k.execute("concat([a, a], axis: 1).values").result, "[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0]]")
        XCTAssertEqual(k.execute("stack([a, a, a], axis: 1).shape").result, "[2, 3, 2]")
        XCTAssertEqual(k.execute("oneHot(tensor([2, 0]), classes: 3).values").result, "[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]")
        XCTAssertEqual(k.execute("a.gather([1, 1, 0]).values").result, "[[3.0, 4.0], [3.0, 4.0], [1.0, 2.0]]")
        XCTAssertEqual(k.execute("a.gather(a.argmax()).values").result, "[[3.0, 4.0], [3.0, 4.0]]", "indices from a tensor")
        XCTAssertEqual(k.execute("a.permute([1, 0]).values").result, "[[1.0, 3.0], [2.0, 4.0]]")
        XCTAssertEqual(k.execute("tensor([[1, 9, 3], [7, 2, 7]]).argmax(axis: 0).values").result, "[1, 0, 1]")
        // Indices are Int32 tensors: exact, shown as whole numbers, promoted to float32 in arithmetic.
        let idx = k.execute("let i = tensor([[1, 9, 3], [7, 2, 7]]).argmax()\ni")
        XCTAssertEqual(idx.result, "Tensor(shape: [2], int32)\n[1, 0]")
        XCTAssertTrue(idx.messages.contains { $0.content["data"]?["text/html"]?.stringValue?.contains("int32") ?? false })
        XCTAssertEqual(k.execute("i.dtype").result, "\"int32\"")
        XCTAssertEqual(k.execute("a.dtype").result, "\"float32\"")
        XCTAssertEqual(k.execute("(i * 2.5).values").result, "[2.5, 0.0]")
        XCTAssertEqual(k.execute("(i + i).dtype").result, "\"float32\"")
        XCTAssertEqual(k.execute("i[0]").result, "1")
        XCTAssertEqual(k.execute("i.item()").errorText.contains("one-element"), true)
        XCTAssertEqual(k.execute("tensor([[0, 2], [1, 1]], dtype: .int32).shape").result, "[2, 2]")
        XCTAssertEqual(k.execute("oneHot(tensor([[0, 2], [1, 1]], dtype: .int32), classes: 3).shape").result, "[2, 2, 3]")
        XCTAssertEqual(k.execute("tensor([3.0, 1.0]).int().values").result, "[3, 1]")
        XCTAssertTrue(k.execute("tensor([1.5]).int()").errorText.contains("not a whole number"))
        XCTAssertTrue(k.execute("tensor([1.5], dtype: .int32)").errorText.contains("not a whole number"))
        XCTAssertEqual(k.execute("i.float().dtype").result, "\"float32\"")
        XCTAssertEqual(k.execute("accuracy([1, 0], tensor([[0.1, 0.9], [0.8, 0.2]]).argmax())").result, "1.0", "metrics take int32 labels")
        XCTAssertNil(k.execute("confusion([1, 0], i)").error, "and the confusion matrix")
        XCTAssertEqual(k.execute("i.values == tensor([1, 0], dtype: .int32).values").result, "true")
        XCTAssertEqual(k.execute("concat([a, zeros([1, 3])])").error?.content["ename"]?.stringValue, "ShapeError")
        XCTAssertTrue(k.execute("oneHot([5], classes: 3)").errorText.contains("not a class index in 0..<3"))
        XCTAssertTrue(k.execute("a.gather([2])").errorText.contains("out of range"))
        XCTAssertTrue(k.execute("zeros([2, 0]).argmax()").errorText.contains("empty axis"))
    }
}
