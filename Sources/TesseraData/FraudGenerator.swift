import Foundation
import TesseraTensor

/// A seeded synthetic card-fraud set: about 1% fraud, heavy-tailed amounts, and a few
/// large-amount frauds (on premium cards) that carry most of the fraud dollars, so that catching 99% of
/// frauds can still miss most of the money. Behavioural features (night-time, foreign
/// merchant, new device, card not present, young account, bursts of transactions,
/// spending far above the card's average) make fraud learnable but not trivial.
///
/// `dirty` plants the defects that `check` exists to find: malformed CSV lines, an
/// unnamed column, missing values spelled several ways (one of them, `?`, turns a
/// numeric column into text), exact duplicates, rows repeated with flipped labels,
/// non-positive and absurd amounts, infinite ratios, a constant column, a column that
/// leaks the label, a class with three rows, and drift in the last fifth of the rows.
public struct FraudGenerator: Sendable {
    public let rows: Int
    public let seed: UInt64

    public init(rows: Int = 50_000, seed: UInt64 = 1) {
        self.rows = max(rows, 100)
        self.seed = seed
    }

    static let categories = ["grocery", "restaurant", "fuel", "online", "electronics", "travel", "pharmacy", "entertainment"]
    static let categoryWeights = [0.26, 0.18, 0.12, 0.16, 0.07, 0.05, 0.08, 0.08]
    static let riskyCategories: Set<String> = ["online", "electronics", "travel"]

    /// The column names, in order.
    public static let columns = ["time", "hour", "amount", "merchant_category", "card_present", "foreign", "new_device",
                                 "account_age_days", "txn_count_24h", "distance_km", "avg_amount_30d", "amount_ratio", "label"]

    /// About how many bytes one row takes while it is made (the columns, and the text of
    /// the dirty variant), to check a large request against memory first.
    public static let bytesPerRow = 512

    public func frame(dirty: Bool = false, isCancelled: () -> Bool = { false }) throws -> Frame {
        try HostMemory.check(count: rows, bytesEach: Self.bytesPerRow, what: "dataset(\"fraud\", rows: \(rows))")
        let clean = try generate(isCancelled)
        return dirty ? try makeDirty(clean) : clean
    }

    func generate(_ isCancelled: () -> Bool = { false }) throws -> Frame {
        var rng = RandomGenerator(seed: seed &* 0x9E37_79B9 &+ 17)
        let n = rows
        var time = [Double](), hour = [Int64](), amount = [Double](), category = [String?](), present = [Bool]()
        var foreign = [Bool](), newDevice = [Bool](), age = [Int64](), burst = [Int64](), distance = [Double]()
        var average = [Double](), ratio = [Double](), label = [Int64]()
        for i in 0..<n {
            if i & 4095 == 0, isCancelled() { throw CSVReader.Cancelled() }
            let t = (Double(i) + rng.nextDouble()) * 720 / Double(n)  // 30 days, in hours
            let h = Int64(t) % 24
            var u = rng.nextDouble(), k = 0
            while k < Self.categoryWeights.count - 1 && u > Self.categoryWeights[k] { u -= Self.categoryWeights[k]; k += 1 }
            let cat = Self.categories[k]
            let cardPresent = cat == "online" ? false : rng.nextDouble() < 0.82
            let isForeign = rng.nextDouble() < 0.05
            let device = rng.nextDouble() < 0.08
            let accountAge = Int64(1 + min(3650, -900 * log(max(1e-12, rng.nextDouble()))))
            var count: Int64 = 1
            while rng.nextDouble() < 0.55 && count < 40 { count += 1 }
            let dist = (exp(1.5 + 1.0 * rng.nextNormal()) * 10).rounded() / 10
            // One card in twelve is a premium card that usually spends more.
            let premium = rng.nextDouble() < 0.085
            var avg = (exp((premium ? 5.0 : 3.6) + (premium ? 0.5 : 0.6) * rng.nextNormal()) * 100).rounded() / 100
            let night = h < 6
            let logit = -7.1 + 1.4 * (night ? 1 : 0) + 1.7 * (isForeign ? 1 : 0) + 1.5 * (device ? 1 : 0)
                + 0.9 * (Self.riskyCategories.contains(cat) ? 1 : 0) + 0.7 * (cardPresent ? 0 : 1)
                + 0.9 * (accountAge < 60 ? 1 : 0) + 0.22 * Double(min(count, 10))
            let isFraud = rng.nextDouble() < 1 / (1 + exp(-logit))
            var amt: Double
            if isFraud {
                // Most frauds test the card with modest sums; a few empty a premium card.
                if rng.nextDouble() < 0.15 {
                    avg = (exp(5.0 + 0.5 * rng.nextNormal()) * 100).rounded() / 100
                    amt = avg * exp(2.3 + 0.4 * rng.nextNormal())
                } else {
                    amt = avg * exp(0.9 + 0.7 * rng.nextNormal())
                }
            } else {
                amt = avg * exp(0.6 * rng.nextNormal())
            }
            amt = max(0.5, (amt * 100).rounded() / 100)
            time.append((t * 100).rounded() / 100); hour.append(h); amount.append(amt); category.append(cat)
            present.append(cardPresent); foreign.append(isForeign); newDevice.append(device); age.append(accountAge)
            burst.append(count); distance.append(dist); average.append(avg); ratio.append((amt / avg * 1000).rounded() / 1000)
            label.append(isFraud ? 1 : 0)
        }
        return try! Frame(columns: [
            Column(name: "time", storage: .float64(time)), Column(name: "hour", storage: .int64(hour)),
            Column(name: "amount", storage: .float64(amount)), Column("merchant_category", strings: category),
            Column(name: "card_present", storage: .bool(present)), Column(name: "foreign", storage: .bool(foreign)),
            Column(name: "new_device", storage: .bool(newDevice)), Column(name: "account_age_days", storage: .int64(age)),
            Column(name: "txn_count_24h", storage: .int64(burst)), Column(name: "distance_km", storage: .float64(distance)),
            Column(name: "avg_amount_30d", storage: .float64(average)), Column(name: "amount_ratio", storage: .float64(ratio)),
            Column(name: "label", storage: .int64(label)),
        ], target: "label")
    }

    /// The clean frame written out as a CSV with defects, and read back as a user would.
    func makeDirty(_ clean: Frame) throws -> Frame {
        var rng = RandomGenerator(seed: seed &+ 0xD1E7)
        let n = clean.rowCount
        let header = Self.columns + ["currency", "chargeback", ""]
        var lines: [[String]] = []
        lines.reserveCapacity(n + n / 50)
        for i in 0..<n {
            var cells = clean.columns.map { $0.text(at: i) ?? "" }
            let label = cells[12]
            // Drift: the last fifth of the rows come from farther away.
            if i >= n * 4 / 5, let d = Double(cells[9]) { cells[9] = String((d * 3 * 10).rounded() / 10) }
            cells += ["USD", label, ""]
            lines.append(cells)
        }
        func some(_ fraction: Double) -> [Int] { (0..<n).filter { _ in rng.nextDouble() < fraction } }
        let naSpellings = ["", "NA", "n/a", "null", "?"]
        for i in some(0.03) { lines[i][9] = naSpellings[rng.nextInt(naSpellings.count)] }          // distance_km
        for i in some(0.02) { lines[i][3] = ["", "N/A"][rng.nextInt(2)] }                          // merchant_category
        for i in some(0.003) { lines[i][2] = rng.nextDouble() < 0.5 ? "0" : "-" + lines[i][2] }    // non-positive amounts
        for i in some(0.0002) + [n / 3] { lines[i][2] = "9999999.99" }                             // absurd amounts
        for i in some(0.0002) + [n / 2] { lines[i][11] = "inf" }                                    // an average of zero upstream
        for i in (0..<3).map({ _ in rng.nextInt(n) }) { lines[i][12] = "2"; lines[i][14] = "2" }    // a label typo: class 2
        for i in some(0.01) { lines[i][15] = "see note" }                                           // notes in an unnamed column
        // Exact duplicates, and rows repeated with the label flipped.
        var extra: [[String]] = []
        for i in some(0.01) { extra.append(lines[i]) }
        // A second review relabelled a fifth of the frauds as genuine, and both rows were kept.
        for i in (0..<n).filter({ lines[$0][12] == "1" && rng.nextDouble() < 0.2 }) {
            var flipped = lines[i]
            flipped[12] = "0"  // the label only: the features (the chargeback too) stay identical
            extra.append(flipped)
        }
        for e in extra { lines.insert(e, at: rng.nextInt(lines.count + 1)) }
        var text = header.joined(separator: ",") + "\n"
        for (k, cells) in lines.enumerated() {
            var row = cells
            // Malformed lines: a few with a stray extra field, a few cut short.
            if k % 9973 == 4241 { row.append("oops") }
            if k % 12007 == 777 { row = Array(row.prefix(8)) }
            text += row.map(Self.quote).joined(separator: ",") + "\n"
        }
        var o = CSVOptions()
        o.target = "label"
        o.types = ["label": .int64]
        return try CSVReader.read(text: text, name: "fraud (dirty)", options: o)
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
