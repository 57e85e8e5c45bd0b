import Foundation
import Synchronization

/// How much of a large value is shown, as numpy's print options and pandas' display options
/// limit theirs: an Array past `maxItems` elements shows its first and last few with the
/// count elided, a quoted String past `maxCharacters` its head and tail, a Frame at most
/// `maxRows` rows and `maxColumns` columns, and floats in tables `precision` significant
/// digits. `displayOptions(...)` changes them for the session; `%reset` restores these.
public struct DisplayOptions: Sendable, Equatable {
    /// Frame rows shown; a longer frame shows the first and last half of them.
    public var maxRows = 10
    /// Frame columns shown; a wider frame shows the first and last half of them.
    public var maxColumns = 20
    /// Significant digits of floats in tables and `describe()`.
    public var precision = 6
    /// Array and Dict elements shown before the middle is elided (numpy's threshold).
    public var maxItems = 1000
    /// Characters of a String shown in a result before the middle is elided.
    public var maxCharacters = 2000

    public init() {}

    /// Elements shown at each end of an elided Array.
    public static let edgeItems = 5

    private static let settings = Mutex(DisplayOptions())

    /// The options in effect (one session per process).
    public static var current: DisplayOptions {
        get { settings.withLock { $0 } }
        set { settings.withLock { $0 = newValue } }
    }

    /// The elision marker for `hidden` things (`unit` in the singular: "element").
    public static func elided(_ hidden: Int, _ unit: String) -> String {
        let plural = unit.hasSuffix("y") ? unit.dropLast() + "ies" : unit + "s"
        return "… \(grouped(hidden)) more \(hidden == 1 ? unit : plural) …"
    }

    /// 98000 → "98,000".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A float with `precision` significant digits, as pandas shows it: `0.333333`,
    /// `1234.57`, `6.0` (a whole number keeps a fraction), `1.5e-07`.
    public static func format(_ d: Double, precision: Int = current.precision) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        var text = String(format: "%.\(max(1, min(17, precision)))g", d)
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text
    }
}
