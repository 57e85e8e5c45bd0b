import XCTest
@testable import TesseraKernel

/// The ZeroMQ envelope: splitting at `<IDS|MSG>`, HMAC-SHA256 as Python's hmac computes
/// it, and the reasons a message is dropped.
final class WireMessageTests: XCTestCase {
    let header = Array(#"{"msg_id":"1","msg_type":"execute_request"}"#.utf8)
    let content = Array(#"{"code":"1+1"}"#.utf8)
    let empty = Array("{}".utf8)

    func testSignatureMatchesPythonsHMAC() throws {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'secret', b'{\"msg_id\":\"1\",\"msg_type\":\"execute_request\"}{}{}{\"code\":\"1+1\"}', hashlib.sha256).hexdigest())"
        let signer = try MessageSigner(key: "secret", scheme: "hmac-sha256")
        XCTAssertEqual(String(decoding: signer.signature([header, empty, empty, content]), as: UTF8.self),
                       "3fd52fe2512ab9af20fb8ed100b7943e16f88513e6d33809e1aea84e18610f44")
    }

    func testRoundTripKeepsIdentitiesAndVerifies() throws {
        let signer = try MessageSigner(key: "secret", scheme: "hmac-sha256")
        let m = WireMessage(identities: [Array("client-1".utf8)], header: header, parentHeader: empty, metadata: empty, content: content)
        let frames = m.frames(signer: signer)
        XCTAssertEqual(frames[1], WireMessage.delimiter)
        let back = try WireMessage(frames: frames, signer: signer)
        XCTAssertEqual(back.identities, [Array("client-1".utf8)])
        XCTAssertEqual(back.content, content)
        let request = try back.request()
        XCTAssertEqual(request.msgID, "1")
    }

    func testWrongKeyTruncationAndMissingDelimiterAreRejected() throws {
        let signer = try MessageSigner(key: "secret", scheme: "hmac-sha256")
        let other = try MessageSigner(key: "other", scheme: "hmac-sha256")
        let frames = WireMessage(identities: [], header: header, parentHeader: empty, metadata: empty, content: content).frames(signer: other)
        XCTAssertThrowsError(try WireMessage(frames: frames, signer: signer)) { error in
            XCTAssertTrue("\(error)".contains("HMAC signature does not match"))
        }
        XCTAssertThrowsError(try WireMessage(frames: Array(frames.prefix(3)), signer: signer)) { error in
            XCTAssertTrue("\(error)".contains("truncated: 2 frames after <IDS|MSG>"))
        }
        XCTAssertThrowsError(try WireMessage(frames: [header, content], signer: signer)) { error in
            XCTAssertTrue("\(error)".contains("no <IDS|MSG> delimiter"))
        }
        // One changed byte in the content breaks the signature.
        var tampered = WireMessage(identities: [], header: header, parentHeader: empty, metadata: empty, content: content).frames(signer: signer)
        tampered[5][2] ^= 1
        XCTAssertThrowsError(try WireMessage(frames: tampered, signer: signer))
    }

    func testAnEmptyKeyMeansNoSigning() throws {
        let signer = try MessageSigner(key: "", scheme: "hmac-sha256")
        XCTAssertFalse(signer.isSigning)
        let frames = WireMessage(identities: [], header: header, parentHeader: empty, metadata: empty, content: content).frames(signer: signer)
        XCTAssertEqual(frames[1], [])
        XCTAssertNoThrow(try WireMessage(frames: frames, signer: signer))
    }

    func testUnsupportedSchemeAndBadJSONAreNamed() throws {
        XCTAssertThrowsError(try MessageSigner(key: "k", scheme: "hmac-md5")) { error in
            XCTAssertTrue("\(error)".contains("signature_scheme 'hmac-md5' is not supported"))
        }
        let signer = try MessageSigner(key: "k", scheme: "hmac-sha256")
        let bad = WireMessage(identities: [], header: Array("[1]".utf8), parentHeader: empty, metadata: empty, content: content)
        let parsed = try WireMessage(frames: bad.frames(signer: signer), signer: signer)
        XCTAssertThrowsError(try parsed.request()) { error in
            XCTAssertTrue("\(error)".contains("header frame is not a JSON object"))
        }
    }

    /// Every JSON frame must hold an object, the parent header and metadata included.
    func testEveryJSONFrameMustBeAnObject() throws {
        let signer = try MessageSigner(key: "k", scheme: "hmac-sha256")
        for (frame, bytes) in [("parent_header", "[]"), ("metadata", "\"m\""), ("content", "null"), ("metadata", "{")] {
            let m = WireMessage(identities: [], header: header,
                                parentHeader: frame == "parent_header" ? Array(bytes.utf8) : empty,
                                metadata: frame == "metadata" ? Array(bytes.utf8) : empty,
                                content: frame == "content" ? Array(bytes.utf8) : content)
            let parsed = try WireMessage(frames: m.frames(signer: signer), signer: signer)
            XCTAssertThrowsError(try parsed.request()) { error in
                XCTAssertTrue("\(error)".contains("its \(frame) frame is not a JSON object"), "\(error)")
            }
        }
    }

    func testReplayGuardRefusesASignatureSeenBeforeAndForgetsTheOldest() {
        let guardian = ReplayGuard(capacity: 3)
        XCTAssertTrue(guardian.admit(Array("a".utf8)))
        XCTAssertFalse(guardian.admit(Array("a".utf8)))
        XCTAssertTrue(guardian.admit([]))
        XCTAssertTrue(guardian.admit([]), "unsigned messages (signing off) are not replays")
        for s in ["b", "c", "d"] { XCTAssertTrue(guardian.admit(Array(s.utf8))) }
        XCTAssertEqual(guardian.count, 3)
        XCTAssertTrue(guardian.admit(Array("a".utf8)), "the oldest is forgotten once the history is full")
        XCTAssertFalse(guardian.admit(Array("d".utf8)))
    }

    func testHeaderIsJSONWithAnISODate() throws {
        let h = try JSON.parse(WireMessage.header(msgID: "m\"1", msgType: "status", session: "s"))
        XCTAssertEqual(h["msg_id"]?.stringValue, "m\"1")
        XCTAssertEqual(h["version"]?.stringValue, Kernel.protocolVersion)
        let date = try XCTUnwrap(h["date"]?.stringValue)
        XCTAssertNotNil(date.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#, options: .regularExpression), date)
    }
}
