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
        var index: [String: Int] = [:]
        var words: [[String]] = [], frequency: [Int] = []
        for w in corpus {
            if let k = index[w] { frequency[k] += 1; continue }
            index[w] = words.count
            words.append(Self.start(w))
            frequency.append(1)
        }
        var order: [String: Int] = [:]
        for word in words { for s in word where order[s] == nil { order[s] = order.count } }
        var merges: [[String]] = []
        while order.count < target {
            // Pair counts, with the position each pair was first seen at (for ties).
            var counts: [Pair: (count: Int, first: Int)] = [:]
            var seen = 0
            for (w, word) in words.enumerated() where word.count > 1 {
                for i in 0..<(word.count - 1) {
                    let p = Pair(word[i], word[i + 1])
                    if let c = counts[p] { counts[p] = (c.count + frequency[w], c.first) } else { counts[p] = (frequency[w], seen) }
                    seen += 1
                }
            }
            guard let best = counts.max(by: { $0.value.count != $1.value.count ? $0.value.count < $1.value.count : $0.value.first > $1.value.first }),
                  best.value.count >= 2 else { break }
            let merged = best.key.left + best.key.right
            for w in words.indices where words[w].count > 1 { words[w] = Self.merge(words[w], best.key, into: merged) }
            merges.append([best.key.left, best.key.right])
            if order[merged] == nil { order[merged] = order.count }
        }
        var used: [String: Int] = [:]
        for (w, word) in words.enumerated() { for s in word { used[s, default: 0] += frequency[w] } }
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
