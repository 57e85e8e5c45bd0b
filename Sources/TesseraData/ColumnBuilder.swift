import Foundation

/// Builds one column of a CSV file chunk by chunk: each chunk's fields are typed as the
/// narrowest type that holds them all (int64, then float64, then bool, then string),
/// and the column widens when a later chunk needs it (int64 and float64 make float64;
/// any other mix makes string), as pandas infers per chunk. A type given in `types:`
/// is kept, and values that do not convert become missing and are reported.
struct ColumnBuilder: Sendable {
    enum Kind: Sendable { case empty, int, float, bool, string }

    private(set) var forced: Column.DType?
    private(set) var kind: Kind = .empty
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private var codes: [Int32] = []
    private var interner = StringInterner()
    /// True where a value is missing. The builder that collects a column's chunks keeps it
    /// empty until the first missing value (most columns have none: a million Bools less
    /// to write and page in for each).
    private var missing: [Bool] = []
    /// Rows whose field was a quoted empty `""` read as missing because the column held
    /// numbers or Bools then: if the column becomes text, they are the empty text again.
    private var quotedEmpties: [Int] = []
    /// Values read as numbers or Bools were turned into text (a later chunk held text).
    private(set) var widenedFromValues = false
    private var count = 0
    // Per-chunk working arrays, kept from chunk to chunk so that each chunk does not
    // allocate (and the kernel does not zero) fresh pages.
    private var isNA: [Bool] = []
    private var blockInts: [Int64] = []
    private var blockDoubles: [Double] = []
    private var blockBools: [Bool] = []

    /// Values of bytes that are not UTF-8, first seen in this builder's rows: the code, the
    /// line and the report's message (reported by the builder that collects the chunks, and
    /// only for values new to it).
    private var undecodable: [(code: Int32, line: Int32, message: String)] = []
    /// The same for a listed column (see `settleDistinct`): the entry, and the line in the file.
    private var pendingUndecodable: [(code: Int32, line: Int32, message: String)] = []
    /// A listed column's entries as Strings, made chunk by chunk on the cores that read them
    /// (a million made at the end were a tenth of the read). Used only while it has one
    /// String per entry; otherwise the interner makes them.
    private var listedTexts: [String] = []

    /// A builder of a forced type, or one that reads its first chunk as `kind` (the type
    /// of the chunks before it, when a chunk is read on its own).
    init(forced: Column.DType?, kind: Kind = .empty) {
        self.forced = forced
        self.kind = forced.map(Kind.init) ?? kind
    }

    /// The tokens that read as missing, indexed for the per-field test: by length (tokens
    /// of 16 bytes or more are never matched) and by first byte. Built once per read.
    struct MissingTokens: Sendable {
        let byLength: [[[UInt8]]]
        let firstBytes: [Bool]
        let includesEmpty: Bool
        /// Whether some token reads as a number (`-999`, `0`): then a field that parses must
        /// still be compared with the tokens, and the one-pass typed reading is off.
        let hasNumericToken: Bool

        init(_ tokens: Set<String>) {
            var byLength = [[[UInt8]]](repeating: [], count: 16)
            var firstBytes = [Bool](repeating: false, count: 256)
            for t in tokens.map({ Array($0.utf8) }) where t.count < 16 {
                byLength[t.count].append(t)
                if let f = t.first { firstBytes[Int(f)] = true }
            }
            self.byLength = byLength
            self.firstBytes = firstBytes
            includesEmpty = tokens.contains("")
            hasNumericToken = tokens.contains { t in
                let b = Array(t.utf8)
                return !b.isEmpty && b.withUnsafeBufferPointer { p in
                    Number.int(p.baseAddress!, p.count) != nil || Number.double(p.baseAddress!, p.count) != nil || Number.bool(p.baseAddress!, p.count) != nil
                }
            }
        }

        /// Whether the field's bytes are a missing-value token. An empty field is one (when
        /// "" is a token) quoted or not: pandas writes a missing value of a one-column
        /// frame as `""`. Other quoted fields never are.
        @inline(__always)
        func matches(_ p: UnsafePointer<UInt8>, _ len: Int, quoted: Bool) -> Bool {
            if len == 0 { return includesEmpty }
            guard !quoted, len < 16, firstBytes[Int(p[0])] else { return false }
            for t in byLength[len] where t[0] == p[0] && memcmp(p, t, len) == 0 { return true }
            return false
        }
    }

    /// Nothing appended yet.
    var isEmpty: Bool { count == 0 }

    /// Adds one chunk of this column: each field's start and length in `bytes` (length -1:
    /// absent, a short row), how it was quoted, and the line of each record. A chunk's builder
    /// reads one chunk; the column's builder takes the chunks in (`absorb`) and sizes itself.
    mutating func append(starts: UnsafeBufferPointer<Int32>, lengths: UnsafeBufferPointer<Int32>, flags: UnsafeBufferPointer<UInt8>,
                         lines: UnsafeBufferPointer<Int32>, bytes p: UnsafeBufferPointer<UInt8>, latin1: Bool, na: MissingTokens,
                         report: inout ParseReport) {
        let base = p.baseAddress!
        let n = starts.count
        if forced == nil && !na.hasNumericToken && (kind == .int || kind == .float || kind == .bool),
           appendSettled(starts: starts, lengths: lengths, flags: flags, base: base, na: na) {
            return
        }
        if kind == .string {
            appendText(starts: starts, lengths: lengths, flags: flags, lines: lines, base: base, latin1: latin1, na: na)
            return
        }
        Self.reset(&isNA, n, true)
        var present = false
        var quotedEmpty = false
        // Integers are tried in the same pass that finds the missing values: the common
        // case (an integer column) then reads each field once.
        var tryInts = forced == nil && (kind == .empty || kind == .int)
        Self.reset(&blockInts, tryInts ? n : 0, 0)
        isNA.withUnsafeMutableBufferPointer { missingOut in
        blockInts.withUnsafeMutableBufferPointer { intsOut in
            for r in 0..<n {
                let len = Int(lengths[r])
                guard len >= 0 else { continue }  // absent: missing
                let s = Int(starts[r])
                let missingValue = na.matches(base + s, len, quoted: flags[r] != 0)
                // "" (quoted) is missing for the type (pandas writes a one-column frame's
                // missing values so) but an empty text if the column turns out text
                // (writeCSV writes one so): see `quotedEmpties`.
                if missingValue && len == 0 && flags[r] != 0 { quotedEmpty = true }
                missingOut[r] = missingValue
                if missingValue { continue }
                present = true
                if tryInts {
                    if let v = Number.int(base + s, len) { intsOut[r] = v } else { tryInts = false }
                }
            }
        }}
        if !tryInts { blockInts.removeAll(keepingCapacity: true) }

        // The chunk's own type.
        var blockKind: Kind
        blockDoubles.removeAll(keepingCapacity: true)
        blockBools.removeAll(keepingCapacity: true)
        if let forced {
            blockKind = Kind(forced)
        } else if !present {
            // Nothing but missing values (quoted empties among them stay undecided: empty
            // texts if the column turns out text, missing otherwise).
            blockKind = .empty
        } else if kind == .string {
            blockKind = .string
        } else {
            blockKind = .string
            if tryInts {
                blockKind = .int
            } else if kind != .bool, Self.parse(base, starts, lengths, isNA, into: &blockDoubles, zero: 0, Number.double) {
                blockKind = .float
            } else if kind == .empty || kind == .bool, Self.parse(base, starts, lengths, isNA, into: &blockBools, zero: false, Number.bool) {
                blockKind = .bool
            }
        }
        func bytes(_ r: Int) -> (UnsafePointer<UInt8>, Int) { (base + Int(starts[r]), Int(max(0, lengths[r]))) }
        let records = lines

        // Widen what was built so far, or the chunk, until they agree.
        if kind == .empty && blockKind != .empty {
            kind = blockKind
            startValues(reserving: count + n)
        }
        if blockKind != .empty && blockKind != kind {
            if kind == .int && blockKind == .float {
                doubles = ints.map(Double.init); ints = []; kind = .float
            } else if kind == .float && blockKind == .int {
                blockDoubles = blockInts.map(Double.init); blockKind = .float
            } else {
                widenToString()
                blockKind = .string
            }
        }
        if blockKind == .empty { blockKind = kind }
        if quotedEmpty && kind != .string {
            for r in 0..<n where lengths[r] == 0 && flags[r] != 0 { quotedEmpties.append(count + r) }
        }

        // Append the chunk in the column's type.
        switch kind {
        case .empty:
            break
        case .int:
            if blockInts.isEmpty && present { blockInts = convertForced(n, isNA: &isNA, bytes, records, latin1: latin1, report: &report, zero: Int64(0)) { Number.int($0, $1) } }
            defer { blockInts.removeAll(keepingCapacity: true) }
            if blockInts.isEmpty { ints += repeatElement(0, count: n) } else { ints += blockInts }
        case .float:
            if blockDoubles.isEmpty && present { blockDoubles = convertForced(n, isNA: &isNA, bytes, records, latin1: latin1, report: &report, zero: 0.0) { Number.double($0, $1) } }
            if blockDoubles.isEmpty { doubles += repeatElement(0, count: n) } else { doubles += blockDoubles }
        case .bool:
            if blockBools.isEmpty && present { blockBools = convertForced(n, isNA: &isNA, bytes, records, latin1: latin1, report: &report, zero: false) { Number.bool($0, $1) } }
            if blockBools.isEmpty { bools += repeatElement(false, count: n) } else { bools += blockBools }
        case .string:
            // Out of `self` while the interner (part of `self`) fills it.
            var written = codes
            codes = []
            let start = written.count
            written += repeatElement(-1, count: n)
            written.withUnsafeMutableBufferPointer { all in
                let out = all.baseAddress! + start
                for r in 0..<n where !isNA[r] || (quotedEmpty && lengths[r] == 0 && flags[r] != 0) {
                    isNA[r] = false
                    out[r] = internText(base, Int(starts[r]), Int(lengths[r]), flags[r], line: lines[r], latin1: latin1)
                }
            }
            codes = written
        }
        missing += isNA
        count += n
    }

    /// `array` with `n` elements, all `value`, reusing its storage.
    @inline(__always)
    private static func reset<T>(_ array: inout [T], _ n: Int, _ value: T) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: repeatElement(value, count: n))
    }

    /// Every non-missing field parsed into `out`; false (and `out` emptied) at the first
    /// that does not parse.
    @inline(__always)
    private static func parse<T>(_ base: UnsafePointer<UInt8>, _ sp: UnsafeBufferPointer<Int32>, _ lp: UnsafeBufferPointer<Int32>,
                                 _ na: [Bool], into out: inout [T], zero: T, _ convert: (UnsafePointer<UInt8>, Int) -> T?) -> Bool {
        reset(&out, sp.count, zero)
        let ok = out.withUnsafeMutableBufferPointer { o -> Bool in
            na.withUnsafeBufferPointer { np in
                for r in 0..<sp.count where !np[r] {
                    guard lp[r] >= 0, let v = convert(base + Int(sp[r]), Int(lp[r])) else { return false }
                    o[r] = v
                }
                return true
            }
        }
        if !ok { out.removeAll(keepingCapacity: true) }
        return ok
    }

    /// A forced type: values that do not convert become missing and are reported.
    private func convertForced<T>(_ n: Int, isNA: inout [Bool], _ bytes: (Int) -> (UnsafePointer<UInt8>, Int),
                                  _ lines: UnsafeBufferPointer<Int32>, latin1: Bool, report: inout ParseReport, zero: T,
                                  _ parse: (UnsafePointer<UInt8>, Int) -> T?) -> [T] {
        var out = [T](repeating: zero, count: n)
        for r in 0..<n where !isNA[r] {
            let (q, l) = bytes(r)
            if let v = parse(q, l) { out[r] = v } else {
                isNA[r] = true
                // Decoded as the file is (no U+FFFD for Latin-1 bytes), then cut by characters.
                let field = UnsafeBufferPointer(start: q, count: l)
                let full = latin1 ? TextDecoding.latin1(field) : TextDecoding.repairingUTF8(field)
                let text = full.count > 40 ? full.prefix(40) + "…" : full
                report.add(Int(lines[r]), .conversion, "'\(text)' is not \(forced.map { $0.rawValue } ?? "a number"); read as missing")
            }
        }
        return out
    }

    private mutating func emptyCode() -> Int32 {
        var ignored = false
        let byte: UInt8 = 0
        return withUnsafePointer(to: byte) { interner.code($0, 0, latin1: false, undecodable: &ignored) }
    }

    /// The one-pass reading of a chunk when the column's type is settled by earlier chunks
    /// (the common case): each field is parsed as that type and compared with the missing
    /// tokens only when it does not parse. False, with nothing appended, when a field is
    /// neither (the chunk then takes the general path, which widens the column).
    private mutating func appendSettled(starts: UnsafeBufferPointer<Int32>, lengths: UnsafeBufferPointer<Int32>, flags: UnsafeBufferPointer<UInt8>,
                                        base: UnsafePointer<UInt8>, na: MissingTokens) -> Bool {
        let n = starts.count
        Self.reset(&isNA, n, false)
        var soft: [Int] = []
        let ok: Bool
        switch kind {
        case .int: ok = Self.parseSettled(Number.IntField.self, into: &ints, n, starts, lengths, flags, base, na, &isNA, &soft)
        case .float: ok = Self.parseSettled(Number.DoubleField.self, into: &doubles, n, starts, lengths, flags, base, na, &isNA, &soft)
        case .bool: ok = Self.parseSettled(Number.BoolField.self, into: &bools, n, starts, lengths, flags, base, na, &isNA, &soft)
        default: ok = false
        }
        guard ok else { return false }
        for r in soft { quotedEmpties.append(count + r) }
        missing += isNA
        count += n
        return true
    }

    /// A chunk of a text column: each field a code, or missing when it is a missing-value
    /// token (a quoted empty field is the empty text). A split chunk's fields come here, and
    /// a scanned one's (`CSVReader.TypedScan`).
    mutating func appendText(starts: UnsafeBufferPointer<Int32>, lengths: UnsafeBufferPointer<Int32>, flags: UnsafeBufferPointer<UInt8>,
                                     lines: UnsafeBufferPointer<Int32>, base: UnsafePointer<UInt8>, latin1: Bool, na: MissingTokens) {
        let n = starts.count
        Self.reset(&isNA, n, false)
        // Out of `self` while the interner (part of `self`) fills them.
        var written = codes, absent = isNA
        codes = []
        isNA = []
        let start = written.count
        written += repeatElement(-1, count: n)
        written.withUnsafeMutableBufferPointer { all in
            absent.withUnsafeMutableBufferPointer { m in
                let out = all.baseAddress! + start
                for r in 0..<n {
                    let len = Int(lengths[r])
                    if len < 0 { m[r] = true; continue }
                    let quoted = flags[r] != 0
                    if na.matches(base + Int(starts[r]), len, quoted: quoted) && !(len == 0 && quoted) { m[r] = true; continue }
                    out[r] = internText(base, Int(starts[r]), len, flags[r], line: lines[r], latin1: latin1)
                }
            }
        }
        codes = written
        isNA = absent
        missing += isNA
        count += n
    }

    /// A chunk's values read by `CSVReader.TypedScan` as this builder's type (see there).
    mutating func appendScanned(ints values: UnsafeBufferPointer<Int64>, missing absent: UnsafeBufferPointer<Bool>) {
        ints.append(contentsOf: values)
        appendScannedMissing(absent)
    }

    mutating func appendScanned(doubles values: UnsafeBufferPointer<Double>, missing absent: UnsafeBufferPointer<Bool>) {
        doubles.append(contentsOf: values)
        appendScannedMissing(absent)
    }

    mutating func appendScanned(bools values: UnsafeBufferPointer<Bool>, missing absent: UnsafeBufferPointer<Bool>) {
        bools.append(contentsOf: values)
        appendScannedMissing(absent)
    }

    /// The flags only when one is set: most columns have no missing value, and their chunks
    /// then carry no flags to copy and search (see `absorb`).
    private mutating func appendScannedMissing(_ absent: UnsafeBufferPointer<Bool>) {
        if let base = absent.baseAddress, memchr(base, 1, absent.count) != nil {
            if missing.count < count { missing += repeatElement(false, count: count - missing.count) }
            missing.append(contentsOf: absent)
        } else if !missing.isEmpty {
            missing += repeatElement(false, count: absent.count)
        }
        count += absent.count
    }

    /// The code of one field's text (its quotes' doubled quotes made single), added when new;
    /// bytes that are not UTF-8 are noted for the report.
    @inline(__always)
    private mutating func internText(_ base: UnsafePointer<UInt8>, _ start: Int, _ length: Int, _ flag: UInt8, line: Int32, latin1: Bool) -> Int32 {
        var undecodable = false
        let code: Int32
        if flag == 2 {
            let raw = CSVReader.Block.unescape(Array(UnsafeBufferPointer(start: base + start, count: length)))
            code = raw.withUnsafeBufferPointer { interner.code($0.baseAddress ?? base, $0.count, latin1: latin1, undecodable: &undecodable) }
        } else {
            code = interner.code(base + start, length, latin1: latin1, undecodable: &undecodable)
        }
        if undecodable { noteUndecodable(code, base + start, length, line: line) }
        return code
    }

    private mutating func noteUndecodable(_ code: Int32, _ p: UnsafePointer<UInt8>, _ length: Int, line: Int32) {
        let field = UnsafeBufferPointer(start: p, count: length)
        undecodable.append((code, line,
                            "bytes that are not UTF-8 in '\(TextDecoding.repairingUTF8(field))' (\(TextDecoding.invalidBytes(field))); each was read as the Latin-1 character it encodes, the rest as UTF-8"))
    }

    /// `n` fields parsed onto the end of `out` (nothing added when one is neither a value
    /// nor a missing-value token). One loop per type, specialized with its parser inlined
    /// (a closure argument was called per field).
    @inline(__always)
    private static func parseSettled<P: Number.FieldParser>(_ parser: P.Type, into out: inout [P.Value], _ n: Int, _ starts: UnsafeBufferPointer<Int32>,
                                                           _ lengths: UnsafeBufferPointer<Int32>, _ flags: UnsafeBufferPointer<UInt8>,
                                                           _ base: UnsafePointer<UInt8>, _ na: MissingTokens,
                                                           _ isNA: inout [Bool], _ soft: inout [Int]) -> Bool {
        let start = out.count
        out.append(contentsOf: repeatElement(P.zero, count: n))
        let ok = out.withUnsafeMutableBufferPointer { all in
            isNA.withUnsafeMutableBufferPointer { m in
                let o = all.baseAddress! + start
                for r in 0..<n {
                    let len = Int(lengths[r])
                    if len < 0 { m[r] = true; continue }
                    let q = base + Int(starts[r])
                    if let v = P.parse(q, len) { o[r] = v; continue }
                    guard na.matches(q, len, quoted: flags[r] != 0) else { return false }
                    m[r] = true
                    if len == 0 && flags[r] != 0 { soft.append(r) }
                }
                return true
            }
        }
        if !ok { out.removeLast(n) }
        return ok
    }

    private mutating func code(for text: String) -> Int32 {
        var bytes = Array(text.utf8)
        var ignored = false
        return bytes.withUnsafeMutableBufferPointer { interner.code($0.baseAddress!, $0.count, latin1: false, undecodable: &ignored) }
    }

    /// This builder emptied for another chunk, its memory kept: reading a chunk then writes
    /// into pages already there instead of new ones the kernel must zero.
    /// `distinct`: the column's texts have been nearly all different so far (see
    /// `StringInterner.listsOnly`).
    mutating func recycle(forced: Column.DType?, kind: Kind, distinct: Bool = false) {
        self = ColumnBuilder(reusing: self, forced: forced, kind: kind)
        interner.listsOnly = distinct
    }

    /// A chunk's listed texts as Strings (see `listedTexts`), on the thread that read it.
    mutating func makeListedTexts() {
        if kind == .string && interner.listsOnly { listedTexts = interner.strings() }
    }

    /// A text column whose values have been nearly all different (an id).
    var mostlyDistinct: Bool { kind == .string && interner.listsOnly }

    private init(reusing old: ColumnBuilder, forced: Column.DType?, kind: Kind) {
        self = old
        self.forced = forced
        self.kind = forced.map(Kind.init) ?? kind
        count = 0
        ints.removeAll(keepingCapacity: true)
        doubles.removeAll(keepingCapacity: true)
        bools.removeAll(keepingCapacity: true)
        codes.removeAll(keepingCapacity: true)
        missing.removeAll(keepingCapacity: true)
        quotedEmpties.removeAll(keepingCapacity: true)
        widenedFromValues = false
        undecodable.removeAll(keepingCapacity: true)
        listedTexts.removeAll(keepingCapacity: true)
        interner.removeAll()
    }

    /// Appends the rows of `piece`, a builder that read the next chunk on its own starting
    /// from type `readAs`, as if this builder had read that chunk: when the column's type
    /// is not what the piece started from and the piece found another, `reread` reads the
    /// chunk again from the column's type (`append` widens from there); then the two agree,
    /// or one widens (int and float make float; anything else, text). `lineShift` is where
    /// the chunk starts in the file; `capacity`, when not 0, the rows the column will hold.
    mutating func absorb(_ piece: ColumnBuilder, readAs: Kind, capacity: Int, lineShift: Int, report: inout ParseReport,
                         reread: (Kind) -> ColumnBuilder) {
        var piece = piece
        if piece.widenedFromValues { widenedFromValues = true }
        if forced == nil && readAs != kind && piece.kind != kind && kind != .empty && piece.kind != .empty {
            piece = reread(kind)
        }
        if piece.kind == .string && kind != .string && kind != .empty && piece.count > 0 && forced == nil {
            if kind == .float || kind == .int || kind == .bool { widenToString() }
        }
        if kind == .string && piece.kind != .string && piece.kind != .empty {
            piece = reread(.string)
        }
        if kind == .empty && piece.kind != .empty { kind = piece.kind }
        if (ints.isEmpty && doubles.isEmpty && bools.isEmpty && codes.isEmpty) && kind != .empty {
            startValues(reserving: Swift.max(capacity, count + piece.count))
        }
        if kind == .int && piece.kind == .float { doubles = ints.map(Double.init); ints = []; kind = .float }
        let n = piece.count
        switch kind {
        case .empty: break
        case .int: if piece.kind == .int { ints += piece.ints } else { ints += repeatElement(0, count: n) }
        case .float:
            switch piece.kind {
            case .float: doubles += piece.doubles
            case .int: doubles += piece.ints.lazy.map(Double.init)
            default: doubles += repeatElement(0, count: n)
            }
        case .bool: if piece.kind == .bool { bools += piece.bools } else { bools += repeatElement(false, count: n) }
        case .string:
            if piece.kind == .string && interner.listsOnly {
                // Nearly every value different so far (an id): the chunk's values are listed
                // after the others, and the repeats found once, at the end (`settleDistinct`).
                let shift = Int32(interner.count)
                if listedTexts.count == interner.count && piece.listedTexts.count == piece.interner.count { listedTexts += piece.listedTexts }
                interner.appendList(piece.interner)
                codes.append(contentsOf: piece.codes.lazy.map { $0 >= 0 ? $0 + shift : -1 })
                for u in piece.undecodable { pendingUndecodable.append((u.code + shift, Int32(clamping: Int(u.line) + lineShift), u.message)) }
            } else if piece.kind == .string {
                let (map, added) = interner.absorb(piece.interner)
                let start = codes.count
                codes += repeatElement(-1, count: n)
                codes.withUnsafeMutableBufferPointer { out in
                    map.withUnsafeBufferPointer { m in
                        piece.codes.withUnsafeBufferPointer { local in
                            for r in 0..<n where local[r] >= 0 { out[start + r] = m[Int(local[r])] }
                        }
                    }
                }
                for u in piece.undecodable where added[Int(u.code)] {
                    report.add(Int(u.line) + lineShift, .undecodable, u.message)
                }
                if count + n >= 4096 && interner.count * 4 > (count + n) * 3 {
                    interner.listsOnly = true
                    listedTexts = interner.strings()
                }
            } else {
                codes += repeatElement(-1, count: n)
            }
        }
        // A piece without flags has no missing value (see `appendScannedMissing`).
        let pieceMissing = n > 0 && piece.missing.count == n && piece.missing.withUnsafeBufferPointer { memchr($0.baseAddress!, 1, n) != nil }
        if !missing.isEmpty || pieceMissing {
            if missing.isEmpty {
                missing.reserveCapacityInHugePages(Swift.max(capacity, count + n))
                missing += repeatElement(false, count: count)
            }
            if pieceMissing { missing += piece.missing } else { missing += repeatElement(false, count: n) }
        }
        for r in piece.quotedEmpties { quotedEmpties.append(count + r) }
        count += n
        if kind == .string {
            // Room for the whole column at once rather than growing a dozen times.
            if capacity > count, count >= 4096, interner.count * 2 > count { interner.reserve(capacity, bytesEach: interner.bytesPerValue) }
            settleQuotedEmptiesAsText()
        }
    }

    /// A column whose texts were listed (see `absorb`): its repeats found, so that each
    /// distinct text has one code, in order of first appearance, and each value that is not
    /// UTF-8 reported once, at its first line.
    mutating func settleDistinct(report: inout ParseReport) {
        guard kind == .string, interner.listsOnly else { return }
        let listed = listedTexts.count == interner.count
        let (values, deduplicated) = interner.deduplicated()
        interner = values
        if !listed { listedTexts = [] }
        // Without repeats each entry's number is its code already.
        guard let remap = deduplicated else {
            for u in pendingUndecodable { report.add(Int(u.line), .undecodable, u.message) }
            pendingUndecodable = []
            return
        }
        if listed {
            // An entry is a value's first when its code is the next one not yet seen.
            var next: Int32 = 0, firsts: [String] = []
            firsts.reserveCapacity(interner.count)
            for (e, c) in remap.enumerated() where c == next { firsts.append(listedTexts[e]); next += 1 }
            listedTexts = firsts
        }
        codes.withUnsafeMutableBufferPointer { c in
            remap.withUnsafeBufferPointer { m in
                for r in c.indices where c[r] >= 0 { c[r] = m[Int(c[r])] }
            }
        }
        var reported = Set<Int32>()
        for u in pendingUndecodable.sorted(by: { $0.code < $1.code }) where reported.insert(remap[Int(u.code)]).inserted {
            report.add(Int(u.line), .undecodable, u.message)
        }
        pendingUndecodable = []
    }

    /// The column's first values, of the type it now has: room for `reserve` of them, after
    /// placeholders for the missing values before them.
    private mutating func startValues(reserving reserve: Int) {
        switch kind {
        case .int: ints.reserveCapacityInHugePages(reserve); ints += repeatElement(0, count: count)
        case .float: doubles.reserveCapacityInHugePages(reserve); doubles += repeatElement(0, count: count)
        case .bool: bools.reserveCapacityInHugePages(reserve); bools += repeatElement(false, count: count)
        case .string: codes.reserveCapacityInHugePages(reserve); codes += repeatElement(-1, count: count); settleQuotedEmptiesAsText()
        case .empty: break
        }
    }

    /// The quoted empty fields read so far, now that the column is text: empty texts.
    private mutating func settleQuotedEmptiesAsText() {
        guard !quotedEmpties.isEmpty else { return }
        let empty = emptyCode()
        for r in quotedEmpties where r < codes.count && r < missing.count {
            codes[r] = empty
            missing[r] = false
        }
        quotedEmpties.removeAll()
    }

    /// Earlier chunks were numbers or booleans; a later one holds text: keep the values as text.
    private mutating func widenToString() {
        let old = kind
        kind = .string
        // Numbers and Bools written back as text may not be the file's text ("007", "1.50",
        // "true"): the reader reads such a column again as text (see `CSVReader.read`).
        if old != .empty && count > 0 { widenedFromValues = true }
        var texts: [String?] = []
        texts.reserveCapacity(count)
        let anyMissing = !missing.isEmpty
        for i in 0..<count {
            if anyMissing && missing[i] { texts.append(nil); continue }
            switch old {
            case .int: texts.append(String(ints[i]))
            case .float: texts.append(Column.format(doubles[i]))
            case .bool: texts.append(bools[i] ? "True" : "False")
            default: texts.append(nil)
            }
        }
        for r in quotedEmpties { texts[r] = ""; missing[r] = false }
        quotedEmpties = []
        ints = []; doubles = []; bools = []
        codes = texts.map { $0.map { code(for: $0) } ?? -1 }
    }

    func column(named name: String) -> Column {
        if interner.listsOnly && kind == .string {
            // Not settled by the reader (a chunk's own builder): settled here, its reports dropped.
            var settled = self
            var ignored = ParseReport()
            settled.settleDistinct(report: &ignored)
            return settled.column(named: name)
        }
        switch kind {
        case .empty where !quotedEmpties.isEmpty:
            // Nothing but missing values and quoted empty texts: a text column.
            var copy = self
            copy.kind = .string
            copy.codes = [Int32](repeating: -1, count: count)
            copy.settleQuotedEmptiesAsText()
            return copy.column(named: name)
        case .empty:
            // Nothing but missing values: a float column, as pandas makes it.
            return Column(name: name, storage: .float64([Double](repeating: 0, count: count)), missing: count > 0 ? missing : nil)
        case .int: return Column(name: name, storage: .int64(ints), missing: missing)
        case .float: return Column(name: name, storage: .float64(doubles), missing: missing)
        case .bool: return Column(name: name, storage: .bool(bools), missing: missing)
        case .string:
            let categories = !listedTexts.isEmpty && listedTexts.count == interner.count && !interner.listsOnly ? listedTexts : interner.strings()
            return Column(name: name, storage: .string(codes: codes, categories: categories), missing: missing)
        }
    }
}

extension ColumnBuilder.Kind {
    init(_ dtype: Column.DType) {
        switch dtype {
        case .int64: self = .int
        case .float64: self = .float
        case .bool: self = .bool
        case .string: self = .string
        }
    }
}
