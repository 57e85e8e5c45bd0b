import Foundation

/// A chart in one line of text (`▁▂▄▇█`), for terminals and plain-text fallbacks.
public enum Sparkline {
    static let bars = Array("▁▂▃▄▅▆▇█")

    /// The values as bars, resampled to at most `width` characters (each the mean of its
    /// bucket); non-finite values are shown as spaces.
    public static func render(_ values: [Double], width: Int = 40) -> String {
        guard !values.isEmpty, width > 0 else { return "" }
        let buckets = min(width, values.count)
        var sampled: [Double] = []
        for b in 0..<buckets {
            let lo = b * values.count / buckets, hi = max(lo + 1, (b + 1) * values.count / buckets)
            let part = values[lo..<hi].filter(\.isFinite)
            sampled.append(part.isEmpty ? .nan : part.reduce(0, +) / Double(part.count))
        }
        let finite = sampled.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return String(repeating: " ", count: sampled.count) }
        return String(sampled.map { v -> Character in
            guard v.isFinite else { return " " }
            if high == low { return bars[bars.count / 2] }
            return bars[min(bars.count - 1, Int((v - low) / (high - low) * Double(bars.count - 1) + 0.5))]
        })
    }

    /// A sparkline of the first line drawn in an SVG (`<polyline points>` or a `<path d>`
    /// of straight segments): its y coordinates, flipped because SVG's y grows downward.
    /// Nil when the SVG draws no such line.
    public static func fromSVG(_ svg: String, width: Int = 40) -> String? {
        guard let ys = lineYs(svg), ys.count >= 2 else { return nil }
        return render(ys.map { -$0 }, width: width)
    }

    static func lineYs(_ svg: String) -> [Double]? {
        for (tag, attribute) in [("<polyline", "points"), ("<path", "d")] {
            guard let t = svg.range(of: tag) else { continue }
            let rest = svg[t.upperBound...]
            guard let close = rest.firstIndex(of: ">"),
                  let a = rest[..<close].range(of: " \(attribute)=\"") else { continue }
            let value = rest[a.upperBound...].prefix { $0 != "\"" }
            // Numbers in order are x, y pairs (path commands M and L are skipped).
            let numbers = value.split(whereSeparator: { " ,MLml\n\t".contains($0) }).compactMap { Double($0) }
            guard numbers.count >= 4, numbers.count % 2 == 0 else { continue }
            return stride(from: 1, to: numbers.count, by: 2).map { numbers[$0] }
        }
        return nil
    }
}
