import XCTest
@testable import TesseraData

/// The named data sets, against the figures scikit-learn documents for them.
final class DatasetsTests: XCTestCase {
    func frame(_ name: String) throws -> Frame {
        guard case .frame(let f) = try Datasets.load(name) else { throw DataError("\(name) is not one frame") }
        return f
    }

    func testSklearnSets() throws {
        let iris = try frame("iris")
        XCTAssertEqual(iris.shape.rows, 150)
        XCTAssertEqual(iris.columnNames, Datasets.irisFeatures + ["label"])
        XCTAssertEqual(try iris.column("sepal length (cm)").double(at: 0), 5.1)
        XCTAssertEqual(try iris.column("label").uniqueTexts, ["0", "1", "2"])
        XCTAssertEqual(iris.target, "label")
        XCTAssertEqual(try frame("wine").shape.rows, 178)
        XCTAssertEqual(try frame("wine").shape.columns, 14)
        let cancer = try frame("breast_cancer")
        XCTAssertEqual(cancer.shape.rows, 569)
        XCTAssertEqual(cancer.shape.columns, 31)
        XCTAssertEqual(try cancer.column("label").numericValues.reduce(0, +), 357, "357 benign (1), 212 malignant (0)")
        let digits = try frame("digits")
        XCTAssertEqual(digits.shape.rows, 1797)
        XCTAssertEqual(digits.shape.columns, 65)
        XCTAssertEqual(try digits.column("pixel_0_2").double(at: 0), 5)
    }

    func testFashionMNISTComesSplit() throws {
        guard case .split(let train, let test) = try Datasets.load("fashion_mnist") else { return XCTFail("not split") }
        XCTAssertEqual(train.shape.rows, 60_000)
        XCTAssertEqual(test.shape.rows, 10_000)
        XCTAssertEqual(train.shape.columns, 785)
        XCTAssertEqual(Set(try test.column("label").uniqueTexts), Set((0..<10).map(String.init)))
        XCTAssertLessThanOrEqual(try train.column("pixel400").numericValues.max()!, 255)
    }

    func testUnknownNamesAndMissingPackagesSayWhatToDo() throws {
        XCTAssertThrowsError(try Datasets.load("iriss")) { XCTAssertTrue("\($0)".contains("did you mean 'iris'?")) }
        XCTAssertThrowsError(try Datasets.find("iris.csv", in: ["/nowhere"], package: Datasets.sklearnHint)) { error in
            XCTAssertTrue("\(error)".contains("apt-get download python3-sklearn"), "\(error)")
            XCTAssertTrue((error as? DataError)?.isIO ?? false)
        }
    }

    func testIDXReaderRejectsOtherFiles() throws {
        let path = NSTemporaryDirectory() + "not-idx-\(UUID().uuidString)"
        try Data([1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try IDXReader.read(path: path)) { XCTAssertTrue("\($0)".contains("not an IDX file")) }
    }
}
