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

    public init(_ msgType: String, parent: String?, content: JSON, metadata: JSON? = nil, msgID: String = UUID().uuidString) {
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
        self.msgID = json["msg_id"]?.stringValue ?? header?["msg_id"]?.stringValue ?? UUID().uuidString
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
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The `error` message that reports it; the kernel reads on.
    public func message(parent: String?) -> KernelMessage {
        KernelMessage("error", parent: parent, content: .obj([
            "ename": .string("ProtocolError"),
            "evalue": .string(message),
            "traceback": .array([.string("ProtocolError: " + message)]),
        ]))
    }
}
