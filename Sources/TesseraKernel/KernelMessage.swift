import Foundation

/// One message of Jupyter's messaging protocol, reduced to what every transport needs:
/// its type, its id, the id of the request it answers, and its content. The stdio
/// transport writes exactly these fields; the ZeroMQ transport wraps them in headers.
public struct KernelMessage: Sendable {
    public var msgType: String
    public var msgID: String
    /// The `msg_id` of the request this message belongs to; nil for unsolicited messages.
    public var parentID: String?
    public var content: JSON
    public var metadata: JSON?

    public init(_ msgType: String, parent: String?, content: JSON, metadata: JSON? = nil, msgID: String = MessageID.next()) {
        self.msgType = msgType
        self.msgID = msgID
        self.parentID = parent
        self.content = content
        self.metadata = metadata
    }

    /// The JSON Lines form: `{"msg_type":...,"msg_id":...,"parent_id":...,"content":{...}}`.
    public var json: JSON {
        var pairs: [(String, JSON)] = [
            ("msg_type", .string(msgType)),
            ("msg_id", .string(msgID)),
            ("parent_id", parentID.map { .string($0) } ?? .null),
            ("content", content),
        ]
        if let m = metadata { pairs.append(("metadata", m)) }
        return .object(pairs)
    }

    /// Reads a request from its JSON Lines form; also accepts Jupyter's full shape, with
    /// `header.msg_type` and `header.msg_id`.
    public init(json: JSON) throws {
        guard case .object = json else { throw ProtocolError("a message must be a JSON object") }
        let header = json["header"]
        guard let type = json["msg_type"]?.stringValue ?? header?["msg_type"]?.stringValue else {
            throw ProtocolError("the message has no \"msg_type\" (a string); send e.g. {\"msg_id\":\"a1\",\"msg_type\":\"execute_request\",\"content\":{\"code\":\"1+1\"}}")
        }
        self.msgType = type
        for id in [json["msg_id"], header?["msg_id"]] {
            if let id, id != .null, id.stringValue == nil {
                throw ProtocolError("\"msg_id\" must be a string, not \(id.serialized.prefix(80)); replies name their request by it", echo: id)
            }
        }
        self.msgID = json["msg_id"]?.stringValue ?? header?["msg_id"]?.stringValue ?? MessageID.next()
        self.parentID = nil
        if let c = json["content"] {
            guard case .object = c else { throw ProtocolError("\"content\" must be a JSON object") }
            self.content = c
        } else {
            self.content = .object([])
        }
        self.metadata = json["metadata"]
    }
}

/// A request the kernel cannot act on: malformed JSON, a missing field, an unknown type.
public struct ProtocolError: Error, CustomStringConvertible {
    public let message: String
    /// A request id that is not a string (`"msg_id": 7`), sent back as the error's
    /// `parent_id` exactly as it came, so the client can still match the error to it.
    public let echo: JSON?
    public init(_ message: String, echo: JSON? = nil) { self.message = message; self.echo = echo }
    public var description: String { message }

    /// The `error` message that reports it; the kernel reads on.
    public func message(parent: String?) -> KernelMessage {
        KernelMessage("error", parent: parent, content: .obj([
            "ename": .string("ProtocolError"),
            "evalue": .string(message),
            "traceback": .array([.string("ProtocolError: " + message)]),
        ]))
    }

    /// The JSON Lines form of `message(parent:)`, with an echoed id in `parent_id`.
    public func line(parent: String?) -> JSON {
        var json = message(parent: parent).json
        if let echo, case .object(var pairs) = json, let i = pairs.firstIndex(where: { $0.0 == "parent_id" }) {
            pairs[i].1 = echo
            json = .object(pairs)
        }
        return json
    }
}
