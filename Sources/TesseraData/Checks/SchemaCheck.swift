/// Column names and types: unnamed or duplicated columns, a missing or unusable target,
/// text columns that would need encoding.
struct SchemaCheck: QualityCheck {
    let name = "schema"
    let threshold = "fail when the target is missing or has one value; warn on unnamed or renamed columns"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        let renamed = c.frame.parseReport.issues.filter { $0.kind == .renamedColumn }
        let unnamed = c.frame.columnNames.filter { $0.hasPrefix("column") && Int($0.dropFirst(6)) != nil }
        if let t = c.targetColumn {
            if t.uniqueTexts.count < 2 {
                return (.fail, "the target '\(t.name)' has \(t.uniqueTexts.count) distinct value(s)", "a target needs at least two classes or varying values")
            }
        } else if c.target == nil {
            return (.warn, "no target was named, so label checks were skipped", "pass target: \"label\" to check labels too")
        }
        if !renamed.isEmpty || (!unnamed.isEmpty && c.frame.parseReport.hasHeader) {
            let what = renamed.isEmpty ? "unnamed columns \(listed(unnamed))" : listed(renamed.map(\.message), max: 2)
            return (.warn, what, "name every column in the header; drop columns that carry no data (clean(dropColumns: [...]))")
        }
        let text = c.features.filter { $0.dtype == .string }.map(\.name)
        return (.pass, "\(c.frame.columns.count) columns: \(c.frame.columns.filter(\.isNumeric).count) numeric, \(text.count) text\(text.isEmpty ? "" : " (\(listed(text)): encode them with OneHot before training)")", "")
    }
}
