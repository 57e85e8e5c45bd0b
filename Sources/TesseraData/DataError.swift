/// Data that cannot be read or used as asked: what is wrong, where, and what to do.
public struct DataError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    /// A fix worth trying, when one is cheap to say.
    public let suggestion: String?
    /// True when the cause is the file system (missing file, unreadable), not the data.
    public let isIO: Bool

    public init(_ message: String, suggestion: String? = nil, isIO: Bool = false) {
        self.message = message
        self.suggestion = suggestion
        self.isIO = isIO
    }

    public var description: String { message + (suggestion.map { "; " + $0 } ?? "") }

    /// The closest of `names` to `name` by edit distance, for did-you-mean suggestions.
    static func closest(_ name: String, in names: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var previous = row[0]
                row[0] = i + 1
                for (j, cb) in b.enumerated() {
                    let current = row[j + 1]
                    row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (ca == cb ? 0 : 1))
                    previous = current
                }
            }
            return row[b.count]
        }
        let a = Array(name.lowercased())
        let scored = names.map { ($0, distance(a, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, name.count / 3) else { return nil }
        return best
    }

    static func noColumn(_ name: String, in names: [String]) -> DataError {
        DataError("no column named '\(name)'", suggestion: closest(name, in: names).map { "did you mean '\($0)'?" }
                  ?? "the columns are \(names.prefix(12).joined(separator: ", "))\(names.count > 12 ? ", ..." : "")")
    }
}
