/// Byte-pair encoding learned over the words of a corpus (Sennrich, Haddow and Birch, 2016):
/// each word starts as its characters, the last one marked with `</w>`; the most frequent
/// pair of neighbouring pieces (ties: the pair seen first) is merged everywhere, again and
/// again, until there are `target` pieces or no pair occurs twice.
struct BytePairLearner {
    /// The merges in the order they were learned: applying them in that order encodes.
    let merges: [[String]]
    /// Every piece (the characters, then each merge's result) with its count in the
    /// corpus's final segmentation and the order it appeared.
    let pieces: [(token: String, count: Int, first: Int)]

    init(words corpus: [String], target: Int) {
        // Pieces are interned as Ints; the pair counts are kept up to date merge by merge,
        // touching only the words that hold the merged pair (a recount per merge took 49 s
        // for 2,000 pieces of the fortunes).
        var symbols: [String] = [], symbolID: [String: Int] = [:]
        func intern(_ s: String) -> Int {
            if let i = symbolID[s] { return i }
            symbolID[s] = symbols.count
            symbols.append(s)
            return symbols.count - 1
        }
        var index: [String: Int] = [:]
        var words: [[Int]] = [], frequency: [Int] = []
        for w in corpus {
            if let k = index[w] { frequency[k] += 1; continue }
            index[w] = words.count
            words.append(Self.start(w).map(intern))
            frequency.append(1)
        }
        struct Key: Hashable { let a: Int, b: Int }
        var counts: [Key: Int] = [:], born: [Key: Int] = [:], holders: [Key: Set<Int>] = [:]
        func add(_ word: [Int], _ w: Int, _ sign: Int) {
            guard word.count > 1 else { return }
            for i in 0..<(word.count - 1) {
                let k = Key(a: word[i], b: word[i + 1])
                counts[k, default: 0] += sign * frequency[w]
                if sign > 0 {
                    if born[k] == nil { born[k] = born.count }
                    holders[k, default: []].insert(w)
                }
            }
        }
        for w in words.indices { add(words[w], w, 1) }
        var merges: [[String]] = []
        // Pieces in the order they appeared: the characters by first use, then the merges.
        var order: [String: Int] = [:]
        for word in words { for s in word where order[symbols[s]] == nil { order[symbols[s]] = order.count } }
        while order.count < target {
            // The most frequent pair; ties go to the pair counted first.
            var best: (key: Key, count: Int, born: Int)?
            for (k, c) in counts where c >= 2 {
                let b = born[k]!
                if best == nil || c > best!.count || (c == best!.count && b < best!.born) { best = (k, c, b) }
            }
            guard let best else { break }
            let merged = intern(symbols[best.key.a] + symbols[best.key.b])
            for w in holders[best.key] ?? [] {
                let word = words[w]
                guard word.count > 1, zip(word, word.dropFirst()).contains(where: { $0 == best.key.a && $1 == best.key.b }) else { continue }
                add(word, w, -1)
                var out: [Int] = []
                out.reserveCapacity(word.count)
                var i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == best.key.a && word[i + 1] == best.key.b { out.append(merged); i += 2 } else { out.append(word[i]); i += 1 }
                }
                words[w] = out
                add(out, w, 1)
            }
            counts[best.key] = nil
            holders[best.key] = nil
            merges.append([symbols[best.key.a], symbols[best.key.b]])
            if order[symbols[merged]] == nil { order[symbols[merged]] = order.count }
        }
        var used: [String: Int] = [:]
        for (w, word) in words.enumerated() { for s in word { used[symbols[s], default: 0] += frequency[w] } }
        self.merges = merges
        pieces = order.map { (token: $0.key, count: used[$0.key] ?? 0, first: $0.value) }.sorted { $0.first < $1.first }
    }

    struct Pair: Hashable { let left: String, right: String; init(_ l: String, _ r: String) { left = l; right = r } }

    /// A word's first pieces: its characters, the last one ending the word.
    static func start(_ word: String) -> [String] {
        var pieces = word.map(String.init)
        if !pieces.isEmpty { pieces[pieces.count - 1] += Tokenizer.endOfWord }
        return pieces
    }

    static func merge(_ word: [String], _ pair: Pair, into merged: String) -> [String] {
        var out: [String] = []
        out.reserveCapacity(word.count)
        var i = 0
        while i < word.count {
            if i + 1 < word.count && word[i] == pair.left && word[i + 1] == pair.right { out.append(merged); i += 2 } else { out.append(word[i]); i += 1 }
        }
        return out
    }

    /// Encodes one word with learned merges (`ranks`: "left\u{1}right" → the merge's order):
    /// the earliest-learned pair present is merged first, as when learning.
    static func apply(merges ranks: [String: Int], to word: String) -> [String] {
        var pieces = start(word)
        while pieces.count > 1 {
            var best: (rank: Int, pair: Pair)?
            for i in 0..<(pieces.count - 1) {
                if let r = ranks[pieces[i] + "\u{1}" + pieces[i + 1]], best == nil || r < best!.rank { best = (r, Pair(pieces[i], pieces[i + 1])) }
            }
            guard let best else { break }
            pieces = merge(pieces, best.pair, into: best.pair.left + best.pair.right)
        }
        return pieces
    }
}
