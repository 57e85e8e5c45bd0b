import Foundation
import Synchronization
import XCTest
@testable import TesseraKernel

final class MessageIDTests: XCTestCase {
    func testIdsAreTheProcessesHexPrefixAndACounter() throws {
        let first = MessageID.next(), second = MessageID.next()
        for id in [first, second] {
            let parts = id.split(separator: "_")
            XCTAssertEqual(parts.count, 2, id)
            XCTAssertEqual(parts[0].count, 12, id)
            XCTAssertTrue(parts[0].allSatisfy { "0123456789abcdef".contains($0) }, id)
            XCTAssertNotNil(UInt64(parts[1]), id)
        }
        XCTAssertEqual(first.prefix(12), second.prefix(12), "one prefix a process")
        XCTAssertGreaterThan(UInt64(second.split(separator: "_")[1])!, UInt64(first.split(separator: "_")[1])!)
    }

    func testFormatWritesTheLow48BitsAndTheNumberInFull() {
        XCTAssertEqual(MessageID.format(0x0000_0123_4567_89AB, 0), "0123456789ab_0")
        XCTAssertEqual(MessageID.format(0xFFFF_FEDC_BA98_7654, 7), "fedcba987654_7")
        XCTAssertEqual(MessageID.format(0xABC, 1234567890), "000000000abc_1234567890")
        XCTAssertEqual(MessageID.format(0, .max), "000000000000_18446744073709551615")
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
