/// "did you mean ...?": the closest candidate by edit distance, when one is close enough,
/// and for a name from another language's habits (Python's `len`, JavaScript's `push`),
/// how Tessera, which reads like Swift, says it.
public enum Suggest {
    /// Names a Python or JavaScript hand writes by habit, and the spelling here.
    static let nameHabits: [String: String] = [
        "len": "xs.count", "range": "0..<n (or stride(from:to:by:))", "True": "true", "False": "false",
        "None": "nil", "null": "nil", "undefined": "nil", "str": "String(x)", "int": "Int(x)", "float": "Double(x)",
        "bool": "Bool(x)", "list": "Array(x)", "dict": "[:] or [\"key\": value]", "enumerate": "xs.enumerated()",
        "sum": "xs.sum() or xs.reduce(0, +)", "sorted": "xs.sorted()", "reversed": "xs.reversed()",
        "isinstance": "type(x) == \"Int\"", "lambda": "{ x in x * 2 }", "def": "func f(_ x) { ... }",
        "elif": "else if", "console": "print(...)",
        // Python's modules: the prelude's names are in scope without one.
        "pd": "the prelude's functions without a module: readCSV(path), not pd.read_csv(path)",
        "np": "tensor([...]) and its methods (t.mean(), t.reshape([..])), not np.array",
        "torch": "tensor([...]), Sequential([...]) and grad(of:at:) without a module",
        "tf": "Sequential([...]) and model.fit(...) without a module", "keras": "Sequential([...]) and model.fit(...) without a module",
        "optuna": "tune(space, objective: ..., budget: n) { params, trial in ... }",
        "sklearn": "the metrics (accuracy, f1, rocAUC), frame.split and the transforms, without a module",
    ]

    /// Member names another language uses by habit, and the spelling here.
    static let memberHabits: [String: String] = [
        "length": "xs.count", "size": "xs.count", "len": "xs.count", "push": "xs.append(x)", "add": "xs.append(x)",
        "extend": "xs.append(contentsOf: ys)", "pop": "xs.popLast() or xs.removeLast()", "lower": "s.lowercased()",
        "upper": "s.uppercased()", "toLowerCase": "s.lowercased()", "toUpperCase": "s.uppercased()",
        "strip": "s.trimmingCharacters(in: .whitespaces)", "trim": "s.trimmingCharacters(in: .whitespaces)",
        "startswith": "s.hasPrefix(t)", "startsWith": "s.hasPrefix(t)", "endswith": "s.hasSuffix(t)", "endsWith": "s.hasSuffix(t)",
        "join": "xs.joined(separator: \",\")", "items": "for (key, value) in d", "get": "d[key] ?? fallback",
        "index": "xs.firstIndex(of: x)", "indexOf": "xs.firstIndex(of: x)", "find": "xs.firstIndex(of: x)",
        "replace": "s.replacingOccurrences(of: a, with: b)", "toString": "String(x)", "includes": "xs.contains(x)",
        "has": "xs.contains(x)", "slice": "xs[a..<b]",
    ]

    /// Argument labels Keras, scikit-learn or PyTorch use by habit, and the label here (where
    /// a function has it: `fit(validation_data:)` is `fit(validation:)`).
    static let labelHabits: [String: String] = [
        "validation_data": "validation", "validationData": "validation", "learning_rate": "lr", "learningRate": "lr",
        "random_state": "seed", "randomState": "seed", "n_trials": "budget", "nTrials": "budget", "weight_decay": "weightDecay",
        "class_weight": "classWeights", "classWeight": "classWeights",
        "patience": "earlyStopping", "label_smoothing": "labelSmoothing", "clipnorm": "clipNorm", "pos_weight": "positiveWeight",
    ]

    /// The suggestion for an argument label a function lacks: the label another library's
    /// habit means, where the function has it, or the closest label it has.
    public static func label(_ word: String, in labels: [String]) -> String? {
        if let habit = labelHabits[word], labels.contains(habit) { return "did you mean '\(habit)'?" }
        return closest(to: word, in: labels).map { "did you mean '\($0)'?" }
    }

    /// The suggestion for an undefined name: the Swift spelling of a habit from another
    /// language, or the closest defined name.
    public static func name(_ word: String, in candidates: [String]) -> String? {
        if let habit = nameHabits[word] { return "Tessera reads like Swift: write \(habit)" }
        return closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// The suggestion for a member a value lacks: the closest it has, or, on an Array, a
    /// String or a Dict, the Swift spelling of a habit from another language.
    public static func member(_ word: String, in candidates: [String], habits: Bool) -> String? {
        if habits, let habit = memberHabits[word] { return "Tessera reads like Swift: write \(habit)" }
        return closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        // Short names need a close match, or every typo suggests some unrelated short name.
        let limit = w.count <= 4 ? 1 : w.count <= 8 ? 2 : 3
        var best: (String, Int)? = nil
        for c in candidates where c != word {
            let d = distance(w, Array(c.lowercased()), limit: limit)
            if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
        }
        return best?.0
    }

    /// Damerau-Levenshtein (optimal string alignment) distance, cut off above `limit`.
    static func distance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
