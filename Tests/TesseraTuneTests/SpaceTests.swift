import XCTest
@testable import TesseraTune

final class SpaceTests: XCTestCase {
    /// lr on a log scale, dropout, and a conditional number of layers with a width per layer.
    let mlp = Space.dict(keys: ["lr", "dropout", "layers"], values: [
        .logUniform(1e-4, 1e-1), .uniform(0, 0.5),
        .choice([.dict(keys: ["n", "width1"], values: [.fixed(.int(1)), .intRange(16, 256, log: true)]),
                 .dict(keys: ["n", "width1", "width2"], values: [.fixed(.int(2)), .intRange(16, 256, log: true), .intRange(16, 256, log: true)])]),
    ])

    func testConditionalSpaceCompilesToDimensionsWithConditions() throws {
        let s = try mlp.compile()
        XCTAssertEqual(s.dimensions.map(\.name), ["lr", "dropout", "layers", "layers[0].width1", "layers[1].width1", "layers[1].width2"])
        XCTAssertNil(s.dimensions[0].condition)
        XCTAssertEqual(s.dimensions[3].condition?.option, 0)
        XCTAssertEqual(s.dimensions[5].condition?.dimension, 2)
        // Option 0: its width is active, option 1's are not.
        let raw = s.raw(fromUnit: [0.5, 0.5, 0.2, 0.5, 0.5, 0.5])
        XCTAssertEqual(raw[2], 0)
        XCTAssertFalse(raw[3].isNaN)
        XCTAssertTrue(raw[4].isNaN && raw[5].isNaN)
        guard case .dict(let keys, let values) = s.params(raw) else { return XCTFail("params are a dict") }
        XCTAssertEqual(keys, ["lr", "dropout", "layers"])
        guard case .dict(let layerKeys, let layerValues) = values[2] else { return XCTFail("the chosen option is a dict") }
        XCTAssertEqual(layerKeys, ["n", "width1"])
        XCTAssertEqual(layerValues[0], .int(1))
        if case .int(let w) = layerValues[1] { XCTAssertTrue((16...256).contains(w)) } else { XCTFail("width is an Int") }
        if case .double(let lr) = values[0] { XCTAssertEqual(lr, (1e-4 * 1e-1).squareRoot(), accuracy: 1e-12) } else { XCTFail("lr is a Double") }
    }

    func testUnitCoordinatesRoundTripThroughRawValues() throws {
        let s = try Space.dict(keys: ["a", "b", "c", "d"], values: [.uniform(-2, 3), .logUniform(1e-3, 10), .intRange(1, 100, log: true), .intRange(-3, 3, log: false)]).compile()
        for u in [[0.1, 0.2, 0.3, 0.4], [0.999, 0.0, 0.5, 0.95]] {
            let raw = s.raw(fromUnit: u)
            XCTAssertEqual(s.raw(fromUnit: s.unit(ofRaw: raw)), raw)
            XCTAssertEqual(raw[0], -2 + 5 * u[0], accuracy: 1e-12)
        }
        // Every integer of a range is equally likely: each owns the same width of the unit interval.
        let counts = (0..<7000).reduce(into: [Double: Int]()) { c, i in c[s.dimensions[3].value(atUnit: (Double(i) + 0.5) / 7000), default: 0] += 1 }
        XCTAssertEqual(counts.count, 7)
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1000 }, "\(counts)")
    }

    func testMalformedSpacesAreClearErrors() {
        func message(_ space: Space) -> String {
            do { _ = try space.compile(); return "no error" } catch { return error.description }
        }
        XCTAssertTrue(message(.dict(keys: ["lr"], values: [.logUniform(0, 1)])).contains("'lr': logUniform(0.0, 1.0) needs 0 < low < high"))
        XCTAssertTrue(message(.dict(keys: ["x"], values: [.uniform(2, 1)])).contains("'x': uniform"))
        XCTAssertTrue(message(.dict(keys: ["n"], values: [.intRange(5, 1, log: false)])).contains("low above high"))
        XCTAssertTrue(message(.dict(keys: ["a"], values: [.choice([])])).contains("no options"))
        XCTAssertTrue(message(.dict(keys: ["a"], values: [.fixed(.int(1))])).contains("nothing to search"))
        XCTAssertTrue(message(.uniform(0, 1)).contains("a Dict of parameter names"))
        XCTAssertTrue(message(.dict(keys: ["a"], values: [.uniform(0, .infinity)])).contains("finite bounds"))
    }

    func testGridEnumeratesEveryOptionAndConditionalBranch() throws {
        let s = try Space.dict(keys: ["lr", "act", "net"], values: [
            .logUniform(1e-3, 1e-1), .choice([.fixed(.symbol("relu")), .fixed(.symbol("tanh"))]),
            .choice([.fixed(.string("small")), .dict(keys: ["width"], values: [.intRange(1, 3, log: false)])]),
        ]).compile()
        let grid = s.grid(points: 3)
        // 3 learning rates × 2 activations × (1 + 3 widths).
        XCTAssertEqual(grid.count, 3 * 2 * 4)
        XCTAssertEqual(Set(grid.map(s.key)).count, grid.count)
        XCTAssertEqual(Set(grid.map { $0[0] }).sorted(), [1e-3, 1e-2, 1e-1].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(GridSampler.points(for: s, budget: 24), 3)
        XCTAssertEqual(GridSampler.points(for: s, budget: 39), 4)
        XCTAssertEqual(GridSampler.points(for: s, budget: 40), 5)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
