import XCTest
@testable import TesseraNN
import TesseraTensor

/// Losses by name: every kind makes its loss, the name a checkpoint stores finds the kind
/// again, and options out of range are refused by the kind.
final class LossTests: XCTestCase {
    func testEveryKindRoundTripsByName() throws {
        for kind in LossKind.all {
            let loss = try kind.make(.init())
            XCTAssertEqual(LossKind.named(loss.name)?.name, kind.name, "\(kind.name) is stored as \(loss.name)")
            for alias in kind.aliases { XCTAssertEqual(LossKind.named(alias)?.name, kind.name) }
        }
        XCTAssertEqual(Set(LossKind.names).count, LossKind.names.count, "no name means two losses")
        XCTAssertNil(LossKind.named("mae"))
    }

    func testOptionsOutOfRangeAreRefused() {
        XCTAssertThrowsError(try LossKind.named("crossEntropy")!.make(.init(labelSmoothing: 1))) { XCTAssertTrue("\($0)".contains("[0, 1)")) }
        XCTAssertThrowsError(try LossKind.named("bce")!.make(.init(positiveWeight: 0))) { XCTAssertTrue("\($0)".contains("above 0")) }
        XCTAssertEqual(try LossKind.named("crossEntropy")!.make(.init(classWeights: [1, 3], labelSmoothing: 0.1)),
                       .crossEntropy(weights: [1, 3], labelSmoothing: 0.1))
    }
}
