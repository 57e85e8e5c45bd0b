import Foundation
import TesseraData
import TesseraScript
import TesseraTensor

/// Text in the language: `readText`, `readLines` and `Tokenizer` (characters, words by a
/// pattern, byte pairs), fitted on a training corpus, encoding texts as ids for an Embedding.
enum TextBindings {
    static var functions: [NativeFunction] { [readText, readLines, tokenizer, textVectorization] }

    static let readText = NativeFunction(Declaration(
        "readText", [.positional("path", .string, "the file")], returns: "String",
        summary: "A whole text file as one String (UTF-8; a byte that is not UTF-8 is read as Latin-1, with a warning).",
        example: "readText(\"/usr/share/common-licenses/GPL-3\").count > 0",
        errors: [(.io, "the file cannot be read")])) { a, interp in
        let path = try a.string("path")
        let (text, notUTF8) = try ScriptError.converting { try TextFile.read(path) }
        warn(path, notUTF8, interp)
        return .string(text)
    }

    static let readLines = NativeFunction(Declaration(
        "readLines", [.positional("path", .string, "the file")], returns: "[String]",
        summary: "A text file's lines, without their ends (\\n, \\r\\n or \\r), as readText reads the file.",
        example: "readLines(\"/usr/share/common-licenses/GPL-3\").count > 3",
        errors: [(.io, "the file cannot be read")])) { a, interp in
        let path = try a.string("path")
        let (lines, notUTF8) = try ScriptError.converting { try TextFile.lines(path) }
        warn(path, notUTF8, interp)
        return .array(lines.map { .string($0) })
    }

    /// A file that is not all UTF-8 is read anyway; the user hears which bytes were repaired.
    private static func warn(_ path: String, _ notUTF8: String?, _ interp: Interpreter) {
        guard let notUTF8 else { return }
        interp.host.write("warning: \(path) is not all UTF-8 (\(notUTF8)); those bytes were read as Latin-1\n", to: .stderr)
    }

    static let kinds = ["words", "characters", "bytePairs"]

    static let tokenizer = NativeFunction(Declaration(
        "Tokenizer", [.positional("kind", .symbol("TokenizerKind", kinds), default: .symbol("words"),
                                  "how text is cut: .words (by pattern:), .characters, or .bytePairs (BPE learned to vocabularySize:)"),
                      .labelled("pattern", .string, default: .string(Tokenizer.wordPattern), "for .words: what a token is, as a regular expression"),
                      .labelled("lowercase", .bool, default: .bool(false), "lowercase the text first"),
                      .labelled("maxTokens", .int, default: .nil, range: .atLeast(3), "keep the most frequent tokens, the padding and unknown ids included (Keras's max_tokens)"),
                      .labelled("vocabularySize", .int, default: .int(1000), range: .atLeast(3), "for .bytePairs: the vocabulary to learn (every character of the corpus is kept, so it is at least their count)")],
        returns: "Tokenizer",
        summary: "A tokenizer to fit on training texts: ids 0 (padding) and 1 (unknown) reserved, then the tokens by frequency.",
        example: "let tok = Tokenizer(.words, lowercase: true).fit([\"the cat sat\", \"the dog\"])\ntok.encode(\"the cat ran\")",
        errors: [(.value, "the pattern is not a regular expression, or a size is below 3")])) { a, _ in
        guard case .symbol(let kind) = a["kind"], kinds.contains(kind) else {
            throw ScriptError(.value, "Tokenizer's kind is .words, .characters or .bytePairs; got \(a["kind"])")
        }
        let pattern = try a.string("pattern")
        _ = try ScriptError.converting { try Tokenizer.regex(pattern) }
        return .object(TokenizerObject(kind: kind == "characters" ? .characters : kind == "bytePairs" ? .bytePairs : .words(pattern: pattern),
                                       lowercase: try a.bool("lowercase"), maxTokens: try a.optionalInt("maxTokens"), vocabularySize: try a.int("vocabularySize")))
    }
}

extension TextBindings {
    static let textVectorization = NativeFunction(Declaration(
        "TextVectorization", [.positional("column", .string, "the text column"),
                              .labelled("tokenizer", .object("Tokenizer"), default: .nil, defaultText: "Tokenizer(.words)",
                                        "how texts are cut: fitted on the training rows when the Pipeline is, or used as it is when already fitted"),
                              .labelled("length", .int, range: .atLeast(1), "ids per text: shorter texts are padded with 0, longer ones cut"),
                              .labelled("keepEnd", .bool, default: .bool(false), "cut from the start, keeping each text's end")],
        returns: "Transform",
        summary: "A Pipeline step (Keras's TextVectorization) that turns a text column into length columns of token ids for an Embedding, the vocabulary learned from the training rows only; give the tokenizer maxTokens: to size the Embedding before fitting.",
        example: "let (train, test) = dataset(\"wordlang\", rows: 800)\nlet m = Pipeline([TextVectorization(\"word\", tokenizer: Tokenizer(.characters, maxTokens: 64), length: 16),\n    Sequential([Embedding(64, 8, padding: 0), GlobalAveragePooling1D(), Dense(8)], seed: 1)])\nm.fit(train, target: \"label\", epochs: 1)\nm.classes",
        errors: [(.data, "the column is missing or not text")])) { a, _ in
        let tokenizer = try a.object("tokenizer", as: TokenizerObject.self) ?? TokenizerObject(kind: .words(pattern: Tokenizer.wordPattern), lowercase: false, maxTokens: nil, vocabularySize: 1000)
        return .object(TransformObject(TextVectorization(column: try a.string("column"), length: try a.int("length"), keepEnd: try a.bool("keepEnd"),
                                                         kind: tokenizer.kind, lowercase: tokenizer.lowercase, maxTokens: tokenizer.maxTokens,
                                                         vocabularySize: tokenizer.vocabularySize, fitted: tokenizer.fitted)))
    }
}

/// A tokenizer in the language: configured by `Tokenizer(...)`, learned by `fit(texts)`.
final class TokenizerObject: DeclaredMembers {
    let kind: Tokenizer.Kind
    let lowercase: Bool
    let maxTokens: Int?
    let vocabularySize: Int
    var fitted: Tokenizer?

    init(kind: Tokenizer.Kind, lowercase: Bool, maxTokens: Int?, vocabularySize: Int) {
        self.kind = kind; self.lowercase = lowercase; self.maxTokens = maxTokens; self.vocabularySize = vocabularySize
    }

    var typeName: String { "Tokenizer" }
    var kindName: String {
        switch kind { case .characters: return "characters"; case .words: return "words"; case .bytePairs: return "bytePairs" }
    }
    var plainText: String {
        fitted.map { "Tokenizer(.\(kindName), \($0.vocabulary.count) tokens: \($0.vocabulary.dropFirst(2).prefix(8).map { "\"\($0)\"" }.joined(separator: ", "))\($0.vocabulary.count > 10 ? ", ..." : ""))" }
            ?? "Tokenizer(.\(kindName), not fitted: call fit(texts))"
    }

    func ready(_ what: String) throws -> Tokenizer {
        guard let fitted else { throw ScriptError(.value, "the tokenizer has no vocabulary yet: call fit(texts) on the training texts before \(what)") }
        return fitted
    }

    static let nativeMembers = NativeMembers<TokenizerObject>([
        .method(Declaration("fit", [.positional("texts", .either("Array | Column", [.array, .object("Column")]), "the training texts (Strings, or a text column): fit on the training split only")],
                            returns: "Tokenizer", summary: "Learns the vocabulary (and, for .bytePairs, the merges) from the texts; returns the tokenizer (Keras's adapt).",
                            example: "Tokenizer(.characters).fit([\"abc\", \"abd\"]).vocabulary",
                            errors: [(.type, "a text is not a String"), (.value, "a text is missing")])) { o, a, _ in
            let texts = try Convert.strings(a["texts"], "fit(_:)")
            o.fitted = try ScriptError.converting {
                try Tokenizer(o.kind, fitting: texts, lowercase: o.lowercase, maxTokens: o.maxTokens, vocabularySize: o.vocabularySize)
            }
            return .object(o)
        },
        .property(name: "vocabulary", doc: "Id → token: <pad>, <unk>, then the tokens by frequency.") { o in .array(try o.ready("vocabulary").vocabulary.map { .string($0) }) },
        .property(name: "size", doc: "How many ids there are (an Embedding's input size).") { o in .int(try o.ready("size").vocabulary.count) },
        .method(Declaration("tokens", [.positional("text", .string, "a text")], returns: "[String]", summary: "The text cut into tokens (before ids).",
                            example: "Tokenizer(.words).fit([\"a b\"]).tokens(\"a, b\")")) { o, a, _ in
            .array(try o.ready("tokens").tokens(try a.string("text")).map { .string($0) })
        },
        .method(Declaration("encode", [.positional("texts", .either("String | Array | Column", [.string, .array, .object("Column")]), "a text, or an Array or a column of texts"),
                                       .labelled("length", .int, default: .nil, range: .atLeast(1), "pad (with 0) or cut every text to this many ids; needed for an Array"),
                                       .labelled("keepEnd", .bool, default: .bool(false), "cut from the start, keeping each text's end")],
                            returns: "[Int] | Tensor", summary: "A text's ids (an Array), or texts as a Tensor [texts, length] of ids padded with 0 (for Embedding).",
                            example: "let tok = Tokenizer(.characters).fit([\"abc\"])\ntok.encode([\"ab\", \"abcabc\"], length: 4)",
                            errors: [(.value, "an Array of texts without length:")])) { o, a, _ in
            let t = try o.ready("encode")
            let length = try a.optionalInt("length"), keepEnd = try a.bool("keepEnd")
            if case .string(let text) = a["texts"] {
                return .array((length.map { t.encode(text, length: $0, keepEnd: keepEnd) } ?? t.encode(text)).map { .int($0) })
            }
            guard let length else {
                throw ScriptError(.value, "encode(_:) of an Array of texts needs length: (the ids of every text padded or cut to it)",
                                  suggestion: "e.g. tok.encode(texts, length: 32)")
            }
            let texts = try Convert.strings(a["texts"], "encode(_:)")
            let (ids, _) = try ScriptError.converting { try t.encode(texts, length: length, keepEnd: keepEnd) }
            return .object(TensorObject(Tensor(shape: [texts.count, length], storage: ids.map { Float($0) })))
        },
        .method(Declaration("decode", [.positional("ids", .any, "ids: an Array of Ints, or a Tensor of one text's ids")], returns: "String",
                            summary: "The text of ids (padding left out).",
                            example: "let tok = Tokenizer(.characters).fit([\"abc\"])\ntok.decode(tok.encode(\"cab\"))")) { o, a, _ in
            let t = try o.ready("decode")
            let ids: [Int]
            switch a["ids"] {
            case .object(let x as TensorObject):
                ids = try x.tensor.storage.enumerated().map { i, v in
                    // Int(v) traps on NaN, infinities and 1e30: checked first.
                    guard v.isFinite, v == v.rounded(), abs(v) < 16_777_216 else {
                        throw ScriptError(.value, "decode(_:): value \(v) at position \(i) is not a token id")
                    }
                    return Int(v)
                }
            case .array(let items): ids = try items.map { try Convert.int($0, "decode(_:)'s ids") }
            default: throw ScriptError(.type, "decode(_:) takes ids: an Array of Ints or a Tensor; got \(a["ids"].typeName)")
            }
            return .string(t.decode(ids))
        },
        .method(Declaration("windows", [.positional("texts", .either("String | Array | Column", [.string, .array, .object("Column")]), "the training texts, read one after another"),
                                        .labelled("length", .int, range: .atLeast(1), "ids per window (the model's context)"),
                                        .labelled("stride", .int, default: .nil, range: .atLeast(1), "ids from one window's start to the next (length when left out: windows do not overlap)"),
                                        .labelled("separator", .string, default: .string("\n"), "put between two texts")],
                            returns: "(Tensor, Tensor)",
                            summary: "Next-token pairs for a language model: the texts' ids cut into windows [n, length], and the same windows one id later, as targets.",
                            example: "let tok = Tokenizer(.characters).fit([\"hello world\"])\nlet (x, y) = tok.windows([\"hello world\"], length: 4)\ntok.decode(x[0]) + \" → \" + tok.decode(y[0])",
                            errors: [(.value, "the texts are too short for one window")])) { o, a, _ in
            let t = try o.ready("windows")
            let texts = try Convert.strings(a["texts"], "windows(_:)"), length = try a.int("length")
            let (x, y, n) = try ScriptError.converting { try t.windows(texts, length: length, stride: try a.optionalInt("stride"), separator: try a.string("separator")) }
            return .tuple([.object(TensorObject(Tensor(shape: [n, length], storage: x.map { Float($0) }))),
                           .object(TensorObject(Tensor(shape: [n, length], storage: y.map { Float($0) })))])
        },
        .method(Declaration("mask", [.positional("ids", .object("Tensor"), "ids from encode(texts, length:)")], returns: "Tensor",
                            summary: "1 where the ids hold a token, 0 where they are padding.",
                            example: "let tok = Tokenizer(.characters).fit([\"abc\"])\ntok.mask(tok.encode([\"a\", \"abc\"], length: 3))")) { o, a, _ in
            guard case .object(let x as TensorObject) = a["ids"] else { throw ScriptError(.type, "mask(_:) takes the Tensor of ids encode(texts, length:) returns") }
            return .object(TensorObject(Tensor(shape: x.tensor.shape, storage: x.tensor.storage.map { $0 == 0 ? 0 : 1 })))
        },
    ])
}
