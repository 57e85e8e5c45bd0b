import XCTest
import TesseraNN
import TesseraTensor

/// Compares a tape's gradients with central finite differences. The forward pass runs in
/// Float32 (as Tessera computes) with its reductions accumulated in Double; a step of 1e-2
/// keeps the truncation error near 1e-4 and the rounding error near 1e-5, so gradients
/// must agree to 1e-2 relative (or 1e-3 absolute near zero).
struct GradientCheck {
    var backend: any Backend = ReferenceBackend()
    var step: Float = 1e-2
    var tolerance: Float = 1e-2

    /// `f` builds a scalar from the variables on a tape; every input's gradient is checked
    /// (read from the variables, or from `gradientsOf` when `f` routes them elsewhere, as a
    /// layer's own parameters).
    func check(_ what: String, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
               _ f: (Tape, [Variable]) throws -> Variable, gradientsOf: (([Variable]) -> [Tensor?])? = nil) throws {
        let tape = Tape(backend: backend)
        let vars = inputs.map { Variable($0, requiresGrad: true) }
        let loss = try f(tape, vars)
        try tape.backward(loss)
        let grads = gradientsOf?(vars) ?? vars.map(\.grad)
        for k in inputs.indices {
            let analytic = try XCTUnwrap(grads[k], "\(what): input \(k) got no gradient", file: file, line: line).storage
            XCTAssertEqual(grads[k]?.shape, inputs[k].shape, "\(what): gradient shape", file: file, line: line)
            for i in 0..<inputs[k].count {
                func value(_ delta: Float) throws -> Float {
                    var shifted = inputs
                    shifted[k].storage[i] += delta
                    let t = Tape(backend: backend)
                    return try f(t, shifted.map { Variable($0) }).value.storage[0]
                }
                let numeric = (try value(step) - value(-step)) / (2 * step)
                let err = abs(numeric - analytic[i])
                if err > max(1e-3, tolerance * abs(numeric)) {
                    XCTFail("\(what): d/dinput\(k)[\(i)] is \(analytic[i]), finite differences give \(numeric)", file: file, line: line)
                    return
                }
            }
        }
    }
}

extension XCTestCase {
    func randomTensor(_ shape: [Int], seed: UInt64, positive: Bool = false, scale: Float = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in
            let x = Float(rng.nextNormal()) * scale
            return positive ? abs(x) + 0.5 : x
        })
    }
}
