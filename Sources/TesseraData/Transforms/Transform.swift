/// A transform learns its parameters from one frame (`fit`, on training rows) and
/// applies them unchanged to any frame (`apply`, to train and test alike), so test rows
/// never shape what is done to them.
public protocol Transform: Sendable {
    associatedtype Fitted: FittedTransform
    func fit(_ frame: Frame) throws(DataError) -> Fitted
}

public protocol FittedTransform: Sendable {
    func apply(_ frame: Frame) throws(DataError) -> Frame
    /// The learned parameters, one line per column.
    var summary: [String] { get }
}

extension Frame {
    /// The columns a transform works on: every column but the target.
    func featureColumns(excluding target: String?) -> [Column] {
        columns.filter { $0.name != (target ?? self.target) }
    }
}
