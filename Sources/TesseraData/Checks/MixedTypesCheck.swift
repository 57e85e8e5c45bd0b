/// Text columns that are mostly numbers: a few stray tokens (`?`, `n/a`, `-`) turned a
/// numeric column into text.
struct MixedTypesCheck: QualityCheck {
    let name = "mixed_types"
    let threshold = "fail when a text column is at least 80% numbers; warn from 50%"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        var found: [(name: String, share: Double, texts: Int, strays: [String])] = []
        for col in c.frame.columns where col.dtype == .string {
            guard case .string(let codes, let cats) = col.storage else { continue }
            let numericCategory = cats.map { Number.double(Array($0.utf8)) != nil }
            var numeric = 0, total = 0
            var strays = Set<String>()
            for code in codes where code >= 0 {
                total += 1
                if numericCategory[Int(code)] { numeric += 1 } else if strays.count < 5 { strays.insert(cats[Int(code)]) }
            }
            guard total > 0, numeric < total else { continue }
            let share = Double(numeric) / Double(total)
            if share >= 0.5 { found.append((col.name, share, total - numeric, strays.sorted())) }
        }
        guard !found.isEmpty else { return (.pass, "every column holds one kind of value", "") }
        let status: QualityReport.Status = found.contains { $0.share >= 0.8 } ? .fail : .warn
        // What was seen, exactly: the few text values among the numbers and their share.
        let detail = found.map { f in
            "\(f.name) has \(f.texts) text value\(f.texts == 1 ? "" : "s") (\(Self.share(1 - f.share))) among numbers, such as \(f.strays.prefix(3).map { "'\($0)'" }.joined(separator: ", "))"
        }
        return (status, listed(detail, max: 3),
                "read the stray tokens as missing (readCSV(na: [...]) or types: [\"\(found[0].name)\": \"float64\"]), then impute them")
    }

    /// A share to two decimals when small (6 in 47,790 is 0.01%), whole percents otherwise.
    static func share(_ x: Double) -> String {
        x >= 0.1 ? String(format: "%.0f%%", x * 100) : x >= 0.0001 ? String(format: "%.2f%%", x * 100) : "<0.01%"
    }
}
