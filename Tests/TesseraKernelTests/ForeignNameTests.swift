import XCTest

/// Another library's function names (scikit-learn's, pandas', Keras') are NameErrors that say
/// how the prelude writes them; a user's own undefined name is not taken for one.
final class ForeignNameTests: XCTestCase {
    func testScikitLearnAndPandasNamesSayOurs() {
        let k = KernelHarness()
        for (call, ours) in [("accuracy_score([0, 1], [0, 1])", "here it is 'accuracy': accuracy(_ yTrue:"),
                             ("f1_score([0, 1], [0, 1])", "here it is 'f1': f1("),
                             ("roc_auc_score([0, 1], [0.2, 0.8])", "here it is 'rocAUC'"),
                             ("mean_squared_error([1.0], [2.0])", "here it is 'mse'"),
                             ("confusion_matrix([0, 1], [0, 1])", "here it is 'confusion'"),
                             ("read_csv(\"a.csv\")", "here it is readCSV(path"),
                             ("to_categorical([0, 1])", "oneHot(y, classes: k)"),
                             ("pd.read_csv(\"a.csv\")", "not pd.read_csv(path)"),
                             ("np.array([1, 2])", "not np.array")] {
            let e = k.execute(call)
            XCTAssertTrue(e.errorText.contains("NameError"), call)
            XCTAssertTrue(e.errorText.contains(ours), "\(call): \(e.errorText)")
        }
        // A short alias the metric catalogue knows ("acc") may be the user's own variable.
        XCTAssertFalse(k.execute("acc + 1").errorText.contains("here it is"))
        // Defined, the name is the user's.
        XCTAssertEqual(k.execute("func f1_score(_ a, _ b) { 7 }\nf1_score(1, 2)").result, "7")
    }
}
