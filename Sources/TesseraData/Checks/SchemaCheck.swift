/// Column names and types: unnamed or duplicated columns, a missing or unusable target,
/// text columns that would need encoding.
struct SchemaCheck: QualityCheck {
    let name = "schema"
    let threshold = "fail when the target is missing or has one value; warn on unnamed or renamed columns"

    func run(_ c: CheckContext) -> (QualityReport.Status, detail: String, advice: String) {
        // Renames the reader made, for columns the frame still has.
        let names = Set(c.frame.columnNames)
        let renamed = c.frame.parseReport.issues.filter { issue in
            issue.kind == .renamedColumn && names.contains { issue.message.hasSuffix("called '\($0)'") }
        }
        if let t = c.targetColumn {
            if t.uniqueTexts.count < 2 {
                return (.fail, "the target '\(t.name)' has \(t.uniqueTexts.count) distinct value(s)", "a target needs at least two classes or varying values")
            }
        } else if c.target == nil {
            return (.warn, "no target was named, so label checks were skipped", "pass target: \"label\" to check labels too")
        }
        if !renamed.isEmpty {
            let what = listed(renamed.map(\.message), max: 2)
            return (.warn, what, "name every column in the header; drop columns that carry no data (clean(dropColumns: [...]))")
        }
        let text = c.features.filter { $0.dtype == .string }.map(\.name)
        return (.pass, "\(c.frame.columns.count) columns: \(c.frame.columns.filter(\.isNumeric).count) numeric, \(text.count) text\(text.isEmpty ? "" : " (\(listed(text)): encode them with OneHot before training)")", "")
    }
}
