import Foundation
import TesseraTensor

/// The text data sets of `dataset(name)`, read from what Debian packages ship (`make setup`
/// installs them; nothing is downloaded):
/// - `wordlang`: single words of eight languages from the `/usr/share/dict` wordlists
///   (wamerican, wngerman, wfrench, wspanish, witalian, wdutch, wportuguese, wswedish), to
///   tell which language a word is;
/// - `fortunes`: the English fortunes of the `fortunes` package, one text per fortune.
/// Both come as a (train, test) pair split by the seed (a fifth, a tenth held out).
extension Datasets {
    /// Language → wordlist file and its Debian package.
    public static let wordLanguages: [(language: String, file: String, package: String)] = [
        ("english", "american-english", "wamerican"), ("german", "ngerman", "wngerman"), ("french", "french", "wfrench"),
        ("spanish", "spanish", "wspanish"), ("italian", "italian", "witalian"), ("dutch", "dutch", "wdutch"),
        ("portuguese", "portuguese", "wportuguese"), ("swedish", "swedish", "wswedish"),
    ]

    static var dictFolders: [String] {
        let env = ProcessInfo.processInfo.environment
        return (env["TESSERA_DATA_DIR"].map { [$0 + "/dict"] } ?? []) + ["/usr/share/dict"]
    }

    /// `perLanguage` words of each language (all when the list is shorter), drawn by `seed`
    /// from the words that are lowercase letters only (2 to 24 of them: no names, no
    /// abbreviations, no possessives), and found in one language's list alone (a word two
    /// languages share has no single answer). Columns `word` and `label` (the language).
    static func wordLanguage(perLanguage: Int, seed: UInt64) throws -> Loaded {
        var lists: [[String]] = []
        for (_, file, package) in wordLanguages {
            let path = try find(file, in: dictFolders, package: "apt-get install \(package) (make setup installs the eight wordlists)")
            let words = try TextFile.lines(path).lines.filter { w in
                let scalars = w.unicodeScalars
                return (2...24).contains(scalars.count) && scalars.allSatisfy { $0.properties.isLowercase && $0.properties.isAlphabetic }
            }
            lists.append(words)
        }
        var seen: [String: Int] = [:]
        for list in lists { for w in Set(list) { seen[w, default: 0] += 1 } }
        var rng = RandomGenerator(seed: seed)
        var words: [String] = [], labels: [String] = []
        for (i, list) in lists.enumerated() {
            var only = Array(Set(list.filter { seen[$0] == 1 })).sorted()
            only.shuffle(using: &rng)
            for w in only.prefix(perLanguage) { words.append(w); labels.append(wordLanguages[i].language) }
        }
        return split(try Frame(columns: [Column("word", strings: words), Column("label", strings: labels)], target: "label"), testShare: 0.2, seed: seed)
    }

    static var fortuneFolders: [String] {
        let env = ProcessInfo.processInfo.environment
        return (env["TESSERA_DATA_DIR"].map { [$0 + "/fortunes"] } ?? []) + ["/usr/share/games/fortunes"]
    }

    /// Every fortune of the English collections (the UTF-8 `.u8` files), in one column `text`,
    /// in the order of the files' names and of the fortunes in each.
    static func fortunes(seed: UInt64) throws -> Loaded {
        guard let folder = fortuneFolders.first(where: { FileManager.default.fileExists(atPath: $0 + "/fortunes.u8") || FileManager.default.fileExists(atPath: $0 + "/fortunes") }) else {
            throw DataError("the fortunes are not on this machine (looked in \(fortuneFolders.joined(separator: ", ")))",
                            suggestion: "apt-get install fortunes (make setup installs it)", isIO: true)
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        var texts: [String] = []
        for name in files where !name.hasSuffix(".dat") && !name.hasSuffix(".u8") {
            // The .u8 copy is the collection in UTF-8; the plain file may be Latin-1.
            let path = folder + "/" + (files.contains(name + ".u8") ? name + ".u8" : name)
            // A line that is "%" alone ends a fortune (files may also start with one, or repeat it).
            var current: [String] = []
            for line in try TextFile.lines(path).lines + ["%"] {
                guard line == "%" else { current.append(line); continue }
                let t = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                if !t.isEmpty { texts.append(t) }
                current = []
            }
        }
        guard !texts.isEmpty else { throw DataError("no fortunes in \(folder)", isIO: true) }
        return split(try Frame(columns: [Column("text", strings: texts)]), testShare: 0.1, seed: seed)
    }

    /// A frame's rows shuffled by `seed` into a training part and a held-out `testShare`,
    /// each in the shuffled order (as scikit-learn's train_test_split): the lists are read
    /// language by language, and a fit without shuffling would see one language at a time.
    static func split(_ frame: Frame, testShare: Double, seed: UInt64) -> Loaded {
        var order = Array(0..<frame.rowCount)
        var rng = RandomGenerator(seed: seed ^ 0x5EED_7E57)
        order.shuffle(using: &rng)
        let held = Int((Double(order.count) * testShare).rounded())
        return .split(train: frame.take(Array(order[held...])), test: frame.take(Array(order[..<held])))
    }
}
