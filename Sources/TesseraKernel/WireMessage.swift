import Foundation

/// A Jupyter message as it travels over ZeroMQ: routing identities, the `<IDS|MSG>`
/// delimiter, the HMAC signature, then header, parent header, metadata and content as
/// JSON frames, then any binary buffers.
///
/// The header frames are kept as raw bytes: a reply's parent header is the request's
/// header frame exactly as it arrived, with no round trip through a JSON value.
struct WireMessage {
    static let delimiter = Array("<IDS|MSG>".utf8)

    var identities: [[UInt8]]
    var header: [UInt8]
    var parentHeader: [UInt8]
    var metadata: [UInt8]
    var content: [UInt8]
    var buffers: [[UInt8]] = []
    /// The signature frame as received (empty when signing is off).
    var signature: [UInt8] = []

    /// Why a received message was dropped.
    enum Failure: Error, CustomStringConvertible {
        case noDelimiter(frames: Int)
        case truncated(frames: Int)
        case badSignature
        case replayed
        case badJSON(frame: String, reason: String)
        case noType
        case tooLarge(bytes: Int, limit: Int)

        var description: String {
            switch self {
            case .noDelimiter(let n): return "no <IDS|MSG> delimiter among its \(n) frames"
            case .truncated(let n): return "truncated: \(n) frames after <IDS|MSG>, expected at least 5 (signature, header, parent_header, metadata, content)"
            case .badSignature: return "its HMAC signature does not match the connection file's key"
            case .replayed: return "its signature was seen before (a replayed message)"
            case .badJSON(let frame, let reason): return "its \(frame) frame is not a JSON object (\(reason))"
            case .noType: return "its header has no msg_type"
            case .tooLarge(let bytes, let limit): return "it is \(bytes) bytes, over the limit of \(limit) (--max-message-bytes)"
            }
        }
    }

    init(identities: [[UInt8]], header: [UInt8], parentHeader: [UInt8], metadata: [UInt8], content: [UInt8]) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
    }

    /// Splits received frames and checks the signature before anything is parsed.
    init(frames: [[UInt8]], signer: MessageSigner) throws(Failure) {
        guard let d = frames.firstIndex(of: Self.delimiter) else { throw .noDelimiter(frames: frames.count) }
        guard frames.count - d - 1 >= 5 else { throw .truncated(frames: frames.count - d - 1) }
        identities = Array(frames[..<d])
        header = frames[d + 2]
        parentHeader = frames[d + 3]
        metadata = frames[d + 4]
        content = frames[d + 5]
        buffers = Array(frames[(d + 6)...])
        signature = frames[d + 1]
        guard signer.verify(signature, [header, parentHeader, metadata, content]) else { throw .badSignature }
    }

    /// The frames to send, signed.
    func frames(signer: MessageSigner) -> [[UInt8]] {
        var out = identities
        out.append(Self.delimiter)
        out.append(signer.signature([header, parentHeader, metadata, content]))
        out.append(header)
        out.append(parentHeader)
        out.append(metadata)
        out.append(content)
        out.append(contentsOf: buffers)
        return out
    }

    /// The request as the message core reads it: type, id, content and metadata. Every
    /// JSON frame must hold an object (the parent header too, though only a reply to
    /// `input_request` has one that is not empty): a message that does not is dropped.
    func request() throws(Failure) -> KernelMessage {
        let h = try Self.object(header, frame: "header")
        guard let type = h["msg_type"]?.stringValue else { throw .noType }
        _ = try Self.object(parentHeader, frame: "parent_header")
        let m = try Self.object(metadata, frame: "metadata")
        let c = try Self.object(content, frame: "content")
        return KernelMessage(type, parent: nil, content: c, metadata: m, msgID: h["msg_id"]?.stringValue ?? MessageID.next())
    }

    private static func object(_ bytes: [UInt8], frame: String) throws(Failure) -> JSON {
        do {
            let j = try JSON.parse(bytes)
            guard case .object = j else { throw Failure.badJSON(frame: frame, reason: "not an object") }
            return j
        } catch let f as Failure {
            throw f
        } catch {
            throw .badJSON(frame: frame, reason: "\(error)")
        }
    }

    /// A header for a message the kernel sends.
    static func header(msgID: String, msgType: String, session: String) -> [UInt8] {
        var s = Array("{\"msg_id\":".utf8)
        JSON.writeString(msgID, to: &s)
        s += ",\"msg_type\":".utf8
        JSON.writeString(msgType, to: &s)
        s += ",\"session\":".utf8
        JSON.writeString(session, to: &s)
        s += ",\"username\":\"tessera\",\"date\":\"".utf8
        s += timestamp().utf8
        s += "\",\"version\":\"\(Kernel.protocolVersion)\"}".utf8
        return s
    }

    /// Now, as ISO 8601 UTC with microseconds (`2026-11-29T06:09:11.123456Z`), as Jupyter writes it.
    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(tv.tv_usec), 6))Z"
    }
}

/// Jupyter's wire format as the ZeroMQ transport reads it, for tools and fuzzers that
/// need the decoder without sockets.
public enum WireFormat {
    /// What the transport does with a received multipart message before it runs anything:
    /// split at `<IDS|MSG>`, verify the HMAC-SHA256 signature with `key`, and parse every
    /// JSON frame (each must be an object).
    public static func request(from frames: [[UInt8]], key: String) throws -> KernelMessage {
        let signer = try MessageSigner(key: key, scheme: "hmac-sha256")
        return try WireMessage(frames: frames, signer: signer).request()
    }

    /// The signature frame for header, parent header, metadata and content under `key`.
    public static func signature(_ parts: [[UInt8]], key: String) throws -> [UInt8] {
        try MessageSigner(key: key, scheme: "hmac-sha256").signature(parts)
    }
}
