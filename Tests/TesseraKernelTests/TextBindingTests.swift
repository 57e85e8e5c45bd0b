import Foundation
import XCTest

/// Text as a notebook uses it: files read as lines, a tokenizer fitted on training texts,
/// texts encoded for an Embedding, and the errors a newcomer meets.
final class TextBindingTests: XCTestCase {
    func testATokenizerFitsEncodesPadsAndDecodes() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("let tok = Tokenizer(.words, lowercase: true).fit([\"The cat sat.\", \"the dog\", \"the cat\"])").error)
        XCTAssertEqual(k.execute("tok.vocabulary").result, "[\"<pad>\", \"<unk>\", \"the\", \"cat\", \"sat\", \".\", \"dog\"]")
        XCTAssertEqual(k.execute("tok.encode(\"The cat ran\")").result, "[2, 3, 1]")
        XCTAssertEqual(k.execute("tok.encode(\"the cat ran away fast\", length: 3, keepEnd: true)").result, "[1, 1, 1]")
        XCTAssertEqual(k.execute("tok.encode(\"dog\", length: 3)").result, "[6, 0, 0]")
        XCTAssertNil(k.execute("let ids = tok.encode([\"the cat\", \"the dog sat on the cat\"], length: 4)").error)
        XCTAssertEqual(k.execute("ids.shape").result, "[2, 4]")
        XCTAssertEqual(k.execute("tok.mask(ids).sum()").result, "6.0")
        XCTAssertEqual(k.execute("tok.decode(ids[0])").result, "\"the cat\"")
        XCTAssertEqual(k.execute("tok.size").result, "7")
        // The ids feed an Embedding.
        XCTAssertNil(k.execute("let e = Sequential([Embedding(tok.size, 4), Flatten(), Dense(2)], seed: 1).predict(ids)").error)
    }

    func testCharactersAndBytePairsOnAFile() throws {
        let path = NSTemporaryDirectory() + "tessera-text-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(String(repeating: "lower newest widest low\r\n", count: 3).utf8).write(to: URL(fileURLWithPath: path))
        let k = KernelHarness()
        XCTAssertEqual(k.execute("readLines(\"\(path)\").count").result, "3")
        // "\r\n" is one Character: 24 per line.
        XCTAssertEqual(k.execute("readText(\"\(path)\").count").result, "72")
        XCTAssertNil(k.execute("let bpe = Tokenizer(.bytePairs, vocabularySize: 20).fit(readLines(\"\(path)\"))").error)
        XCTAssertEqual(k.execute("bpe.decode(bpe.encode(\"lowest\"))").result, "\"lowest\"")
        XCTAssertLessThan(Int(k.execute("bpe.tokens(\"newest\").count").result ?? "") ?? 99, 6, "merged pieces")
        XCTAssertEqual(k.execute("bpe.decode(bpe.encode(\"widest low\"))").result, "\"widest low\"")
        // "l" is the most frequent character (id 2), then h and é in order of appearance.
        XCTAssertEqual(k.execute("Tokenizer(.characters).fit([\"héllo\"]).encode(\"hé!\")").result, "[3, 4, 1]")
    }

    func testAPipelineVectorizesATextColumnFittedOnTrainingRowsAlone() throws {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let (train, test) = dataset("wordlang", rows: 800, seed: 1)
            let tok = Tokenizer(.characters, maxTokens: 32)
            let m = Pipeline([TextVectorization("word", tokenizer: tok, length: 8), Sequential([Embedding(32, 8, padding: 0), LSTM(8), Dense(8)], seed: 1)])
            m.fit(train, target: "label", epochs: 2)
            """).error)
        XCTAssertEqual(k.execute("m.classes").result, "[\"dutch\", \"english\", \"french\", \"german\", \"italian\", \"portuguese\", \"spanish\", \"swedish\"]")
        let run = k.execute("m.predict(test).shape")
        XCTAssertEqual(run.result, "[160, 8]")
        XCTAssertFalse(run.stderr.contains("not seen in training"), "every text is new to a text column: \(run.stderr)")
        XCTAssertEqual(k.execute("tok.size").errorText.contains("fit(texts)"), true, "the Pipeline's fit leaves the given tokenizer as it was")
        // Texts in a column, as a pandas user passes them.
        XCTAssertEqual(k.execute("Tokenizer(.characters).fit(train[\"word\"]).encode(train[\"word\"], length: 3).shape").result, "[640, 3]")
        XCTAssertTrue(k.execute("TextVectorization(\"label\", length: 4)").error == nil)
        // Another feature column beside the ids would be read as one more token id.
        let mixed = k.execute("Pipeline([TextVectorization(\"word\", tokenizer: Tokenizer(.characters, maxTokens: 32), length: 8), Sequential([Embedding(32, 4, padding: 0), GlobalAveragePooling1D(), Dense(8)], seed: 1)]).fit(train.apply(\"word\", { w in w.count }, as: \"length\"), target: \"label\")")
        XCTAssertTrue(mixed.errorText.contains("other feature columns: 'length'"), mixed.errorText)
        XCTAssertEqual(k.execute("Pipeline([TextVectorization(\"nope\", length: 4), Sequential([Dense(2)])]).fit(train, target: \"label\")").errorText.contains("nope"), true)
    }

    func testALanguageModelTrainsOnWindowsAndGenerates() {
        let k = KernelHarness()
        XCTAssertNil(k.execute("""
            let text = "abcdabcdabcdabcdabcdabcdabcdabcd"
            let tok = Tokenizer(.characters).fit([text])
            let (x, y) = tok.windows([text, text], length: 6, stride: 2)
            """).error)
        // 64 ids plus one separator, windows of 6 every 2: the targets are the inputs one id on.
        XCTAssertEqual(k.execute("x.shape").result, "[30, 6]")
        XCTAssertEqual(k.execute("tok.decode(x[1]) + \"|\" + tok.decode(y[1])").result, "\"cdabcd|dabcda\"")
        XCTAssertNil(k.execute("""
            let lm = Sequential([Embedding(tok.size, 16), PositionalEncoding(learned: true), TransformerEncoderBlock(heads: 2, dropout: 0, causal: true), Dense(tok.size)], seed: 1)
            lm.fit(x, y, epochs: 40, batchSize: 8, loss: .crossEntropy)
            """).error)
        XCTAssertEqual(k.execute("tok.decode(lm.generate(tok.encode(\"ab\"), length: 10, temperature: 0))").result, "\"abcdabcdabcd\"")
        XCTAssertEqual(k.execute("lm.generate(tok.encode(\"ab\"), length: 5, seed: 3).count").result, "7")
        // Metrics count positions, as the loss does: 180 next-id predictions, not 30 rows.
        XCTAssertNil(k.execute("let scores = lm.evaluate(x, y, metrics: [\"accuracy\"])").error)
        XCTAssertEqual(k.execute("scores[\"accuracy\"] == accuracy(y.reshape([180]), lm.predict(x).argmax(axis: -1).reshape([180]))").result, "true")
        XCTAssertEqual(k.execute("scores[\"accuracy\"] > 0.9").result, "true")
        // Mistakes: a model that sees ahead, a prompt that is not ids, windows longer than the text.
        XCTAssertTrue(k.execute("Sequential([Embedding(8, 4), TransformerEncoderBlock(heads: 1), Dense(8)], inputShape: [4]).generate([1], length: 2)").errorText.contains("causal"))
        XCTAssertTrue(k.execute("lm.generate(\"ab\", length: 2)").errorText.contains("ids"))
        XCTAssertTrue(k.execute("tok.windows([\"ab\"], length: 6)").errorText.contains("too few"))
    }

    func testMistakesAreClearErrors() {
        let k = KernelHarness()
        XCTAssertTrue(k.execute("Tokenizer(.words).encode(\"x\")").errorText.contains("call fit(texts)"))
        XCTAssertTrue(k.execute("Tokenizer(.words, pattern: \"[oops\")").errorText.contains("not a regular expression"))
        XCTAssertTrue(k.execute("Tokenizer(.sentences)").errorText.contains("one of .words, .characters, .bytePairs"))
        let noLength = k.execute("Tokenizer(.characters).fit([\"ab\"]).encode([\"a\", \"b\"])").errorText
        XCTAssertTrue(noLength.contains("needs length:"), noLength)
        XCTAssertTrue(k.execute("Tokenizer(.characters).fit([1, 2])").errorText.contains("TypeError"))
        XCTAssertTrue(k.execute("readLines(\"/no/such/file.txt\")").errorText.contains("IOError"))
    }
}
