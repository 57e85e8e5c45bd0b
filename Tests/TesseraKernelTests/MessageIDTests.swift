import Foundation
import Synchronization
import XCTest
@testable import TesseraKernel

final class MessageIDTests: XCTestCase {
    func testIdsAreVersion4UUIDsInFoundationsForm() throws {
        for _ in 0..<100 {
            let id = MessageID.next()
            let uuid = try XCTUnwrap(UUID(uuidString: id), id)
            XCTAssertEqual(uuid.uuidString, id, "uppercase, hyphenated as Foundation writes it")
            XCTAssertEqual(uuid.uuid.6 >> 4, 4, "version 4")
            XCTAssertEqual(uuid.uuid.8 >> 6, 0b10, "RFC 4122 variant")
        }
    }

    func testFormatWritesTheBitsHighNibbleFirst() {
        XCTAssertEqual(MessageID.format(0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210), "01234567-89AB-CDEF-FEDC-BA9876543210")
    }

    func testNoTwoIdsRepeatAcrossThreads() {
        let seen = Mutex(Set<String>())
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let mine = (0..<5_000).map { _ in MessageID.next() }
            seen.withLock { $0.formUnion(mine) }
        }
        XCTAssertEqual(seen.withLock { $0.count }, 40_000)
    }
}
