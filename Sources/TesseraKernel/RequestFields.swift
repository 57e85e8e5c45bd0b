/// The content fields the kernel reads from each request, with their JSON types, declared
/// once. A request whose field has another type (`"silent": "yes"`) is answered with an
/// error reply that names the field, rather than read as its default: a front end that
/// sends the wrong type learns of it at once.
enum RequestFields {
    enum Kind: String {
        case string = "a string"
        case bool = "true or false"
        case integer = "a whole number"
        case object = "a JSON object"

        func admits(_ v: JSON) -> Bool {
            switch (self, v) {
            case (.string, .string), (.bool, .bool), (.object, .object): return true
            case (.integer, .number(let d)): return Int(exactly: d) != nil
            default: return false
            }
        }
    }

    /// Per request type: each field, its kind, and whether it must be present.
    static let table: [String: [(name: String, kind: Kind, required: Bool)]] = [
        "execute_request": [("code", .string, true), ("silent", .bool, false), ("store_history", .bool, false),
                            ("allow_stdin", .bool, false), ("stop_on_error", .bool, false),
                            ("user_expressions", .object, false), ("source_name", .string, false)],
        "complete_request": [("code", .string, true), ("cursor_pos", .integer, false)],
        "inspect_request": [("code", .string, true), ("cursor_pos", .integer, false), ("detail_level", .integer, false)],
        "is_complete_request": [("code", .string, true)],
        "history_request": [("output", .bool, false), ("raw", .bool, false), ("hist_access_type", .string, false),
                            ("session", .integer, false), ("start", .integer, false), ("stop", .integer, false),
                            ("n", .integer, false), ("pattern", .string, false), ("unique", .bool, false)],
        "shutdown_request": [("restart", .bool, false)],
        "input_reply": [("value", .string, false)],
    ]

    /// What is wrong with the request's content, or nil when every field it names is
    /// present and of its kind (`null` counts as absent, as Jupyter clients send it).
    static func problem(_ request: KernelMessage) -> String? {
        for field in table[request.msgType] ?? [] {
            let value = request.content[field.name]
            if value == nil || value == .null {
                if field.required { return "\(request.msgType) needs content.\(field.name), \(field.kind.rawValue)" }
                continue
            }
            if let value, !field.kind.admits(value) {
                return "\(request.msgType): content.\(field.name) must be \(field.kind.rawValue), not \(value.serialized.prefix(80))"
            }
        }
        return nil
    }
}
