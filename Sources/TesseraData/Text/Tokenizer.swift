import Foundation
import TesseraTensor

/// Text into token ids and back, fitted on a training corpus: characters, words split by a
/// regular expression (Keras's TextVectorization), or byte-pair encoding (BPE, as GPT-2 and
/// Hugging Face's tokenizers learn it, here over characters) with a vocabulary size.
///
/// Ids 0 and 1 are reserved: 0 pads a sequence to its length, 1 stands for a token the
/// vocabulary does not hold (Keras's `""` and `"[UNK]"`). The vocabulary follows, most
/// frequent token first (ties in the order of first appearance), so fitting is
/// deterministic and the same corpus gives the same ids.
public struct Tokenizer: Sendable, Equatable {
    /// How text is cut into tokens.
    public enum Kind: Sendable, Equatable {
        case characters
        /// Every match of `pattern` is a token (the default keeps runs of letters and digits,
        /// and each other non-space character alone).
        case words(pattern: String)
        /// Characters merged into frequent pieces; `</w>` ends a word's last piece.
        case bytePairs
    }

    public static let padding = "<pad>", unknown = "<unk>"
    /// The default word pattern: words, numbers and each punctuation mark.
    public static let wordPattern = #"[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]"#
    /// What marks the end of a word in byte-pair tokens.
    public static let endOfWord = "</w>"

    public let kind: Kind
    public let lowercase: Bool
    /// Id → token; ids 0 and 1 are `padding` and `unknown`.
    public let vocabulary: [String]
    /// The merges of byte-pair encoding, in the order they were learned (empty otherwise).
    public let merges: [[String]]
    private let ids: [String: Int]
    /// Compiled once: the word pattern, and the merges' order by pair.
    private let splitter: NSRegularExpression?
    private let ranks: [String: Int]

    /// Learns the vocabulary of `corpus`.
    /// - Parameters:
    ///   - maxTokens: the most tokens kept (reserved ids included), the rarest dropped.
    ///   - vocabularySize: for `.bytePairs`, the vocabulary to reach by merging (reserved ids,
    ///     the characters and the merged pieces together).
    public init(_ kind: Kind, fitting corpus: [String], lowercase: Bool = false, maxTokens: Int? = nil, vocabularySize: Int = 1000) throws(DataError) {
        self.kind = kind
        self.lowercase = lowercase
        if let maxTokens, maxTokens < 3 {
            throw DataError("a tokenizer's maxTokens counts the padding and unknown ids: at least 3, got \(maxTokens)")
        }
        let texts = lowercase ? corpus.map { $0.lowercased() } : corpus
        var merges: [[String]] = []
        var counts: [(token: String, count: Int, first: Int)]
        switch kind {
        case .characters:
            counts = Self.count(texts.lazy.flatMap { $0.map(String.init) })
        case .words(let pattern):
            let regex = try Self.regex(pattern)
            counts = Self.count(texts.lazy.flatMap { Self.matches(regex, in: $0) })
        case .bytePairs:
            guard vocabularySize >= 3 else { throw DataError("bytePairs needs a vocabularySize of at least 3, got \(vocabularySize)") }
            let regex = try Self.regex(Self.wordPattern)
            let learned = BytePairLearner(words: texts.flatMap { Self.matches(regex, in: $0) }, target: vocabularySize - 2)
            merges = learned.merges
            counts = learned.pieces
        }
        counts.sort { $0.count != $1.count ? $0.count > $1.count : $0.first < $1.first }
        var vocabulary = [Self.padding, Self.unknown]
        for c in counts where c.token != Self.padding && c.token != Self.unknown {
            if let maxTokens, vocabulary.count >= maxTokens { break }
            vocabulary.append(c.token)
        }
        self.vocabulary = vocabulary
        self.merges = merges
        ids = Dictionary(vocabulary.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        (splitter, ranks) = try Self.parts(kind, merges)
    }

    private static func parts(_ kind: Kind, _ merges: [[String]]) throws(DataError) -> (NSRegularExpression?, [String: Int]) {
        let ranks = Dictionary(merges.enumerated().map { ($1[0] + "\u{1}" + $1[1], $0) }, uniquingKeysWith: { a, _ in a })
        switch kind {
        case .characters: return (nil, ranks)
        case .words(let pattern): return (try regex(pattern), ranks)
        case .bytePairs: return (try regex(wordPattern), ranks)
        }
    }

    /// A tokenizer with a vocabulary and merges as saved (a model's metadata).
    public init(kind: Kind, lowercase: Bool, vocabulary: [String], merges: [[String]]) throws(DataError) {
        guard vocabulary.count >= 2, vocabulary[0] == Self.padding, vocabulary[1] == Self.unknown else {
            throw DataError("a tokenizer's vocabulary starts with \(Self.padding) and \(Self.unknown)")
        }
        guard Set(vocabulary).count == vocabulary.count else { throw DataError("a tokenizer's vocabulary holds a token twice") }
        guard merges.allSatisfy({ $0.count == 2 }) else { throw DataError("each byte-pair merge is a pair of pieces") }
        self.kind = kind; self.lowercase = lowercase; self.vocabulary = vocabulary; self.merges = merges
        ids = Dictionary(vocabulary.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        (splitter, ranks) = try Self.parts(kind, merges)
    }

    public static func == (a: Tokenizer, b: Tokenizer) -> Bool {
        a.kind == b.kind && a.lowercase == b.lowercase && a.vocabulary == b.vocabulary && a.merges == b.merges
    }

    // MARK: Using it

    /// The tokens of `text` (before ids: pieces not in the vocabulary stay as they are).
    public func tokens(_ text: String) -> [String] {
        let t = lowercase ? text.lowercased() : text
        switch kind {
        case .characters: return t.map(String.init)
        case .words: return splitter.map { Self.matches($0, in: t) } ?? []
        case .bytePairs: return splitter.map { Self.matches($0, in: t).flatMap { BytePairLearner.apply(merges: ranks, to: $0) } } ?? []
        }
    }

    /// The ids of `text`'s tokens; a token outside the vocabulary is 1 (`unknown`).
    public func encode(_ text: String) -> [Int] { tokens(text).map { ids[$0] ?? 1 } }

    /// The text of `ids`: characters joined, words joined by spaces, byte pairs joined with
    /// their word ends as spaces; padding left out, unknown ids as `<unk>`.
    public func decode(_ ids: [Int]) -> String {
        let tokens = ids.filter { $0 != 0 }.map { $0 >= 0 && $0 < vocabulary.count ? vocabulary[$0] : Self.unknown }
        switch kind {
        case .characters: return tokens.joined()
        case .words: return tokens.joined(separator: " ")
        case .bytePairs:
            return tokens.joined().replacingOccurrences(of: Self.endOfWord, with: " ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// A text's ids cut to `length` (keeping the start, or the end with `keepEnd`) and padded
    /// with 0 after.
    public func encode(_ text: String, length: Int, keepEnd: Bool = false) -> [Int] {
        var row = encode(text)
        if row.count > length { row = keepEnd ? Array(row.suffix(length)) : Array(row.prefix(length)) }
        return row + Array(repeating: 0, count: Swift.max(0, length - row.count))
    }

    /// Texts as rows of `length` ids (`encode(_:length:keepEnd:)` each); the mask is 1 where a
    /// row holds a token.
    public func encode(_ texts: [String], length: Int, keepEnd: Bool = false) throws(DataError) -> (ids: [Int32], mask: [Float]) {
        guard length > 0 else { throw DataError("encode(length:) needs a length of at least 1, got \(length)") }
        let total: Int
        do { total = try HostMemory.check(shape: [texts.count, length], what: "the ids of \(texts.count) texts of \(length) tokens") } catch {
            throw DataError(error.message)
        }
        var ids = [Int32](repeating: 0, count: total), mask = [Float](repeating: 0, count: total)
        for (r, text) in texts.enumerated() {
            for (c, id) in encode(text, length: length, keepEnd: keepEnd).enumerated() where id != 0 {
                ids[r * length + c] = Int32(id); mask[r * length + c] = 1
            }
        }
        return (ids, mask)
    }

    /// Next-token training pairs for a language model: the texts' ids one after another
    /// (`separator` between them), cut into windows of `length` ids every `stride` ids; each
    /// target row is its input row one id later. Rows are [windows, length], row-major.
    public func windows(_ texts: [String], length: Int, stride: Int? = nil, separator: String = "\n") throws(DataError) -> (inputs: [Int32], targets: [Int32], count: Int) {
        let step = stride ?? length
        guard length > 0, step > 0 else { throw DataError("windows(length:stride:) need a length and a stride of at least 1, got \(length) and \(step)") }
        var stream: [Int] = []
        let gap = separator.isEmpty ? [] : encode(separator)
        for (i, text) in texts.enumerated() {
            if i > 0 { stream += gap }
            stream += encode(text)
        }
        guard stream.count > length else {
            throw DataError("the texts hold \(stream.count) tokens, too few for one window of \(length) and the token after it", suggestion: "a shorter length:, or more text")
        }
        let count = (stream.count - 1 - length) / step + 1
        do { _ = try HostMemory.check(shape: [2, count, length], what: "\(count) windows of \(length) tokens") } catch { throw DataError(error.message) }
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(count * length); targets.reserveCapacity(count * length)
        for w in 0..<count {
            let start = w * step
            for j in 0..<length { inputs.append(Int32(stream[start + j])); targets.append(Int32(stream[start + j + 1])) }
        }
        return (inputs, targets, count)
    }

    // MARK: Parts

    /// `pattern` compiled, or a DataError that says why it is not a regular expression.
    public static func regex(_ pattern: String) throws(DataError) -> NSRegularExpression {
        do { return try NSRegularExpression(pattern: pattern) } catch {
            throw DataError("the tokenizer's pattern \(pattern) is not a regular expression: \(error.localizedDescription)")
        }
    }

    static func matches(_ regex: NSRegularExpression, in text: String) -> [String] {
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            m.range.length > 0 ? ns.substring(with: m.range) : nil
        }
    }

    /// Tokens with their counts and first positions.
    static func count<S: Sequence>(_ tokens: S) -> [(token: String, count: Int, first: Int)] where S.Element == String {
        var index: [String: Int] = [:]
        var out: [(token: String, count: Int, first: Int)] = []
        for (i, t) in tokens.enumerated() {
            if let k = index[t] { out[k].count += 1 } else { index[t] = out.count; out.append((t, 1, i)) }
        }
        return out
    }
}
