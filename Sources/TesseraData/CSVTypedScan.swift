import Foundation

extension CSVReader {
    /// Reads a chunk row by row once every column's type is settled (the common case after
    /// the first chunk): each field is parsed as its column's type where it lies, so numbers
    /// are read straight from the bytes, with no pass that splits the chunk into fields
    /// first and no field offsets written and read back. Text columns get their fields'
    /// offsets, which `ColumnBuilder` interns as it does a split chunk's.
    ///
    /// Only plain chunks go this way: no quote anywhere, every record a line of exactly
    /// `width` fields, each field of its column's type or a missing-value token. Anything
    /// else (a short or long row, a blank line, a value of another type) makes `read`
    /// return nil and the chunk takes the general path (split, then convert), which reports
    /// and widens as before; a chunk read either way gives the same columns.
    final class TypedScan: @unchecked Sendable {
        /// Rows the buffers hold: the rows the last chunks' density predicts, and twice as
        /// many after a chunk had more (that chunk took the general path).
        private(set) var capacity = 0
        private var width = 0
        private var wanted = 0
        private var ranOut = false
        /// Per column, `capacity` slots: the parsed values of its type, whether each is
        /// missing, and for a text column each field's start and length.
        private var ints: UnsafeMutablePointer<Int64>?
        private var doubles: UnsafeMutablePointer<Double>?
        private var bools: UnsafeMutablePointer<Bool>?
        private var missing: UnsafeMutablePointer<Bool>?
        private var starts: UnsafeMutablePointer<Int32>?
        private var lengths: UnsafeMutablePointer<Int32>?
        /// All zeros (no field is quoted) and 0, 1, 2, ... (row r is line r of the chunk).
        private var flags: UnsafeMutablePointer<UInt8>?
        private var lines: UnsafeMutablePointer<Int32>?

        deinit { release() }

        private func release() {
            ints?.deallocate(); doubles?.deallocate(); bools?.deallocate(); missing?.deallocate(); starts?.deallocate(); lengths?.deallocate()
            flags?.deallocate(); lines?.deallocate()
        }

        /// Buffers for `rows` rows of `width` fields, kept when large enough.
        private func prepare(rows: Int, width: Int) {
            let rows = Swift.max(rows, wanted)
            guard rows > capacity || width != self.width else { return }
            release()
            capacity = rows
            self.width = width
            let slots = capacity * width
            ints = .allocate(capacity: slots)
            doubles = .allocate(capacity: slots)
            bools = .allocate(capacity: slots)
            missing = .allocate(capacity: slots)
            starts = .allocate(capacity: slots)
            lengths = .allocate(capacity: slots)
            flags = .allocate(capacity: capacity)
            flags!.initialize(repeating: 0, count: capacity)
            lines = .allocate(capacity: capacity)
            for r in 0..<capacity { lines![r] = Int32(truncatingIfNeeded: r) }
        }

        /// Whether a chunk read with these column types and options may take this path.
        static func applies(kinds: [ColumnBuilder.Kind], forced: [Column.DType?], na: ColumnBuilder.MissingTokens) -> Bool {
            // A token that reads as a number must be compared with every field that parses.
            guard !na.hasNumericToken, !kinds.isEmpty else { return false }
            for (k, f) in zip(kinds, forced) {
                switch k {
                case .empty: return false
                // A forced type reports each value that does not convert (the general path).
                case .int, .float, .bool: if f != nil { return false }
                case .string: break
                }
            }
            return true
        }

        /// Reads the chunk's rows into `pieces` (builders recycled for `kinds`) and returns
        /// how many there were, or nil with `pieces` untouched when the chunk is not plain.
        func read(_ buffer: UnsafeBufferPointer<UInt8>, kinds: [ColumnBuilder.Kind], delimiter: UInt8, na: ColumnBuilder.MissingTokens,
                  latin1: Bool, rowsPerByte: Double, into pieces: inout [ColumnBuilder]) -> Int? {
            guard let p = buffer.baseAddress, buffer.count > 0, buffer[buffer.count - 1] == 0x0A,
                  memchr(p, 0x22, buffer.count) == nil else { return nil }
            let width = kinds.count
            prepare(rows: Int(Double(buffer.count) * rowsPerByte * 1.1) + 64, width: width)
            ranOut = false
            guard let rows = kinds.withUnsafeBufferPointer({ scan(p, buffer.count, kinds: $0, delimiter: delimiter, na: na) }) else {
                if ranOut { wanted = capacity * 2 }
                return nil
            }
            let (ints, doubles, bools, missing, starts, lengths, flags, lines) = (ints!, doubles!, bools!, missing!, starts!, lengths!, flags!, lines!)
            for c in 0..<width {
                let k = c * capacity
                let absent = UnsafeBufferPointer(start: missing + k, count: rows)
                switch kinds[c] {
                case .int: pieces[c].appendScanned(ints: UnsafeBufferPointer(start: ints + k, count: rows), missing: absent)
                case .float: pieces[c].appendScanned(doubles: UnsafeBufferPointer(start: doubles + k, count: rows), missing: absent)
                case .bool: pieces[c].appendScanned(bools: UnsafeBufferPointer(start: bools + k, count: rows), missing: absent)
                case .string:
                    pieces[c].appendText(starts: UnsafeBufferPointer(start: starts + k, count: rows), lengths: UnsafeBufferPointer(start: lengths + k, count: rows),
                                         flags: UnsafeBufferPointer(start: flags, count: rows), lines: UnsafeBufferPointer(start: lines, count: rows),
                                         base: p, latin1: latin1, na: na)
                case .empty: break
                }
            }
            return rows
        }

        /// The pass over the bytes: the rows read, or nil at the first record that is not plain
        /// (`ranOut` set when the buffers had no room for more rows). `p[n - 1]` is a newline,
        /// so every loop below stops at one without a bounds test.
        private func scan(_ p: UnsafePointer<UInt8>, _ n: Int, kinds: UnsafeBufferPointer<ColumnBuilder.Kind>, delimiter: UInt8,
                          na: ColumnBuilder.MissingTokens) -> Int? {
            let (ints, doubles, bools, missing, starts, lengths) = (ints!, doubles!, bools!, missing!, starts!, lengths!)
            let capacity = self.capacity, width = kinds.count
            let delimiterWord = UInt64(delimiter) &* 0x0101_0101_0101_0101
            let (trueWords, falseWords) = (Self.trueWords, Self.falseWords)
            return Number.powers.withUnsafeBufferPointer { powers -> Int? in
            Self.tens.withUnsafeBufferPointer { tens -> Int? in
                var i = 0, r = 0
                while i < n {
                    guard r < capacity else { ranOut = true; return nil }
                    for c in 0..<width {
                        let slot = c &* capacity &+ r
                        let terminator: UInt8 = c == width - 1 ? 0x0A : delimiter
                        switch kinds[c] {
                        case .int:
                            // Digits up to the terminator: the value, read once.
                            var j = i
                            let negative = Self.sign(p, &j)
                            let first = j
                            let v = Self.number(p, &j, n)
                            if j > first && j - first <= 18 && p[j] == terminator {
                                ints[slot] = negative ? -Int64(v) : Int64(v)
                                missing[slot] = false
                                i = j + 1
                                continue
                            }
                        case .float:
                            // The common form, digits [. digits], as `Number.double` reads it.
                            var j = i
                            let negative = Self.sign(p, &j)
                            let first = j
                            var m = Self.number(p, &j, n)
                            var digits = j - first, fraction = 0
                            if p[j] == 0x2E {
                                j += 1
                                let fractionStart = j
                                let f = Self.digits(p, &j, n)
                                fraction = j - fractionStart
                                m = m &* tens[fraction] &+ f
                                if fraction == 8 {
                                    while case let d = p[j] &- 0x30, d < 10 { m = m &* 10 &+ UInt64(d); j += 1 }
                                    fraction = j - fractionStart
                                }
                                digits += fraction
                            }
                            if digits > 0 && digits <= 19 && m < (1 << 53) && fraction <= 22 && p[j] == terminator {
                                let v = fraction == 0 ? Double(m) : Double(m) / powers[fraction]
                                doubles[slot] = negative ? -v : v
                                missing[slot] = false
                                i = j + 1
                                continue
                            }
                        case .string:
                            let j = Self.fieldEnd(p, i, n, delimiterWord)
                            guard p[j] == terminator else { return nil }
                            // As the split does: a CR before the terminator is the line's ending.
                            let e = j > i && p[j - 1] == 0x0D ? j - 1 : j
                            if c == 0 && e == i && p[j] == 0x0A { return nil }  // a blank line
                            starts[slot] = Int32(truncatingIfNeeded: i)
                            lengths[slot] = Int32(truncatingIfNeeded: e - i)
                            i = j + 1
                            continue
                        case .bool:
                            // True, true, TRUE, False, false, FALSE, compared four bytes at a time.
                            if i + 6 <= n {
                                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self)
                                if (w == trueWords.0 || w == trueWords.1 || w == trueWords.2) && p[i + 4] == terminator {
                                    bools[slot] = true
                                    missing[slot] = false
                                    i += 5
                                    continue
                                }
                                let e = p[i + 4]
                                if ((w == falseWords.0 || w == falseWords.1) && e == 0x65) || (w == falseWords.2 && e == 0x45), p[i + 5] == terminator {
                                    bools[slot] = false
                                    missing[slot] = false
                                    i += 6
                                    continue
                                }
                            }
                        case .empty:
                            break
                        }
                        // Any other form of the field (spaces, an exponent, a CR line ending, a
                        // missing-value token, a Bool): found by its end and read as the split
                        // chunk's fields are.
                        let j = Self.fieldEnd(p, i, n, delimiterWord)
                        guard p[j] == terminator else { return nil }
                        let e = j > i && p[j - 1] == 0x0D ? j - 1 : j
                        if c == 0 && e == i && p[j] == 0x0A { return nil }
                        let field = p + i, length = e - i
                        switch kinds[c] {
                        case .int:
                            if let v = Number.int(field, length) { ints[slot] = v; missing[slot] = false } else {
                                guard na.matches(field, length, quoted: false) else { return nil }
                                ints[slot] = 0; missing[slot] = true
                            }
                        case .float:
                            if let v = Number.double(field, length) { doubles[slot] = v; missing[slot] = false } else {
                                guard na.matches(field, length, quoted: false) else { return nil }
                                doubles[slot] = 0; missing[slot] = true
                            }
                        case .bool:
                            if let v = Number.bool(field, length) { bools[slot] = v; missing[slot] = false } else {
                                guard na.matches(field, length, quoted: false) else { return nil }
                                bools[slot] = false; missing[slot] = true
                            }
                        case .string, .empty:
                            return nil
                        }
                        i = j + 1
                    }
                    r += 1
                }
                return r
            }}
        }

        /// Whether a minus sign is at `j`; `j` moves past a sign.
        @inline(__always)
        private static func sign(_ p: UnsafePointer<UInt8>, _ j: inout Int) -> Bool {
            let negative = p[j] == 0x2D
            if negative || p[j] == 0x2B { j += 1 }
            return negative
        }

        /// The value of all the digits at `j` (wrapping past 19 of them: the caller counts
        /// them); `j` moves past them.
        @inline(__always)
        private static func number(_ p: UnsafePointer<UInt8>, _ j: inout Int, _ n: Int) -> UInt64 {
            let first = j
            var v = digits(p, &j, n)
            if j - first == 8 { while case let d = p[j] &- 0x30, d < 10 { v = v &* 10 &+ UInt64(d); j += 1 } }
            return v
        }

        /// 10 to the powers 0...8.
        private static let tens: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

        /// The value of the digits at `j`, at most eight of them, read eight bytes at a time
        /// (a loop per digit ended in a mispredicted branch at each field's end); `j` moves past them.
        @inline(__always)
        private static func digits(_ p: UnsafePointer<UInt8>, _ j: inout Int, _ n: Int) -> UInt64 {
            guard j + 8 <= n else {
                var v: UInt64 = 0, k = 0
                while k < 8, case let d = p[j] &- 0x30, d < 10 { v = v &* 10 &+ UInt64(d); j += 1; k += 1 }
                return v
            }
            let w = UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self)
            // A byte is a digit when its high nibble is 3 before and after adding 6 ('9' + 6
            // is 0x3F, ':' + 6 is 0x40); a carry out of a byte comes only from one that is not
            // a digit, and so changes only the bytes after the first non-digit.
            let x = ((w & 0xF0F0_F0F0_F0F0_F0F0) | (((w &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)) ^ 0x3333_3333_3333_3333
            let nonDigit = (x | ((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F)) & 0x8080_8080_8080_8080
            let count = nonDigit.trailingZeroBitCount >> 3
            j += count
            guard count > 0 else { return 0 }
            // The digits moved to the top bytes, the bytes below them zeros (leading zeros),
            // then added up in pairs, fours and eights.
            var v = (w &<< UInt64(64 - 8 * count)) & 0x0F0F_0F0F_0F0F_0F0F
            v = (v &* 2561) >> 8 & 0x00FF_00FF_00FF_00FF
            v = (v &* 6_553_601) >> 16 & 0x0000_FFFF_0000_FFFF
            return (v &* 42_949_672_960_001) >> 32
        }

        /// "True", "true", "TRUE" and the first four letters of "False", "false", "FALSE" as
        /// little-endian words.
        private static let trueWords = (word("True"), word("true"), word("TRUE"))
        private static let falseWords = (word("Fals"), word("fals"), word("FALS"))

        private static func word(_ s: StaticString) -> UInt32 {
            s.withUTF8Buffer { b in UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24 }
        }

        /// The first delimiter or newline at or after `i`, found eight bytes at a time (there
        /// is a newline at `n - 1`).
        @inline(__always)
        private static func fieldEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ delimiterWord: UInt64) -> Int {
            var j = i
            let raw = UnsafeRawPointer(p)
            while j + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let hit = Parser.zeroBytes(w ^ delimiterWord) | Parser.zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
                if hit != 0 { return j + hit.trailingZeroBitCount >> 3 }
                j += 8
            }
            let delimiter = UInt8(truncatingIfNeeded: delimiterWord)
            while p[j] != delimiter && p[j] != 0x0A { j += 1 }
            return j
        }
    }
}
