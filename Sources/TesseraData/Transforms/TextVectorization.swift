import TesseraTensor

/// Turns a text column into `length` columns of token ids (`word[0]`, `word[1]`, ...),
/// padded with 0 or cut, for an Embedding: Keras's TextVectorization as a step of a
/// Pipeline. Fitting learns the tokenizer's vocabulary from the training rows alone (a
/// tokenizer given already fitted is kept as it is); a token not in the vocabulary
/// becomes the unknown id 1. A missing text is an empty one (all padding).
public struct TextVectorization: Transform {
    public var column: String
    public var length: Int
    /// Cut from the start instead of the end, keeping each text's end.
    public var keepEnd: Bool
    /// How the tokenizer is made when fitting: its kind, case folding and sizes.
    public var kind: Tokenizer.Kind
    public var lowercase: Bool
    public var maxTokens: Int?
    public var vocabularySize: Int
    /// A tokenizer fitted beforehand, used as it is.
    public var fitted: Tokenizer?

    public init(column: String, length: Int, keepEnd: Bool = false, kind: Tokenizer.Kind = .words(pattern: Tokenizer.wordPattern),
                lowercase: Bool = false, maxTokens: Int? = nil, vocabularySize: Int = 1000, fitted: Tokenizer? = nil) {
        self.column = column; self.length = length; self.keepEnd = keepEnd; self.kind = kind; self.lowercase = lowercase
        self.maxTokens = maxTokens; self.vocabularySize = vocabularySize; self.fitted = fitted
    }

    public var description: String { "TextVectorization(\"\(column)\", length: \(length)\(keepEnd ? ", keepEnd: true" : ""))" }

    public func fit(_ frame: Frame) throws(DataError) -> Fitted {
        guard length >= 1 else { throw DataError("TextVectorization(length:) must be at least 1, got \(length)") }
        let c = try frame.column(column)
        guard c.dtype == .string else {
            throw DataError("TextVectorization needs a text column; '\(column)' holds \(c.dtype.rawValue) values")
        }
        var tokenizer: Tokenizer
        if let fitted { tokenizer = fitted } else {
            tokenizer = try Tokenizer(kind, fitting: (0..<c.count).compactMap { c.text(at: $0) }, lowercase: lowercase, maxTokens: maxTokens, vocabularySize: vocabularySize)
        }
        return Fitted(column: column, length: length, keepEnd: keepEnd, tokenizer: tokenizer)
    }

    public struct Fitted: FittedTransform {
        public static let kind = "TextVectorization"
        public let column: String
        public let length: Int
        public let keepEnd: Bool
        public let tokenizer: Tokenizer

        init(column: String, length: Int, keepEnd: Bool, tokenizer: Tokenizer) {
            self.column = column; self.length = length; self.keepEnd = keepEnd; self.tokenizer = tokenizer
        }

        /// The id columns' names, in order.
        public var outputNames: [String] { (0..<length).map { "\(column)[\($0)]" } }

        public func apply(_ frame: Frame) throws(DataError) -> Frame {
            guard let c = try? frame.column(column) else { throw DataError("TextVectorization was fitted on a column '\(column)' that this frame lacks") }
            guard c.dtype == .string else { throw DataError("TextVectorization: column '\(column)' holds \(c.dtype.rawValue) values, not text") }
            do { try HostMemory.check(shape: [frame.rowCount, length], what: "TextVectorization's \(length) id columns of \(frame.rowCount) rows") } catch {
                throw DataError(error.message, suggestion: "a smaller length:")
            }
            let (ids, _) = try tokenizer.encode((0..<c.count).map { c.text(at: $0) ?? "" }, length: length, keepEnd: keepEnd)
            var columns: [Column] = []
            for existing in frame.columns {
                guard existing.name == column else { columns.append(existing); continue }
                for (j, name) in outputNames.enumerated() {
                    columns.append(Column(name: name, storage: .int64(stride(from: j, to: ids.count, by: length).map { Int64(ids[$0]) })))
                }
            }
            return try frame.derived(columns: columns)
        }

        public var summary: [String] {
            ["\(column): \(tokenizer.vocabulary.count) tokens (\(tokenizer.vocabulary.dropFirst(2).prefix(6).map { "\"\($0)\"" }.joined(separator: ", "))\(tokenizer.vocabulary.count > 8 ? ", ..." : "")) → \(length) ids"]
        }

        private enum Key: String, CodingKey { case column, length, keepEnd, kind, pattern, lowercase, vocabulary, merges }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(column, forKey: .column); try c.encode(length, forKey: .length); try c.encode(keepEnd, forKey: .keepEnd)
            switch tokenizer.kind {
            case .characters: try c.encode("characters", forKey: .kind)
            case .bytePairs: try c.encode("bytePairs", forKey: .kind)
            case .words(let pattern): try c.encode("words", forKey: .kind); try c.encode(pattern, forKey: .pattern)
            }
            try c.encode(tokenizer.lowercase, forKey: .lowercase)
            try c.encode(tokenizer.vocabulary, forKey: .vocabulary)
            try c.encode(tokenizer.merges, forKey: .merges)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            let kind: Tokenizer.Kind
            switch try c.decode(String.self, forKey: .kind) {
            case "characters": kind = .characters
            case "bytePairs": kind = .bytePairs
            case "words": kind = .words(pattern: try c.decode(String.self, forKey: .pattern))
            case let other: throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown tokenizer kind '\(other)'")
            }
            let length = try c.decode(Int.self, forKey: .length)
            guard length >= 1, length <= 1 << 20 else { throw DecodingError.dataCorruptedError(forKey: .length, in: c, debugDescription: "length \(length) out of range") }
            column = try c.decode(String.self, forKey: .column)
            self.length = length
            keepEnd = try c.decode(Bool.self, forKey: .keepEnd)
            tokenizer = try Tokenizer(kind: kind, lowercase: try c.decode(Bool.self, forKey: .lowercase),
                                      vocabulary: try c.decode([String].self, forKey: .vocabulary), merges: try c.decode([[String]].self, forKey: .merges))
        }
    }
}
