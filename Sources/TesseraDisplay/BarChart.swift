import Foundation

/// Grouped bars as SVG with a text fallback: one group per item (an operation), one bar
/// per series (a backend). Timings across backends span orders of magnitude, so the scale
/// can be logarithmic; each bar is labelled with its value.
public struct BarChart: Sendable {
    public var title: String
    public var unit: String
    public var groups: [String]
    /// Series name → one value per group (nil where a series has no value).
    public var series: [(name: String, values: [Double?])]
    public var logarithmic: Bool
    public var width = 560.0, height = 320.0

    public init(title: String, unit: String, groups: [String], series: [(name: String, values: [Double?])], logarithmic: Bool) {
        self.title = title; self.unit = unit; self.groups = groups; self.series = series; self.logarithmic = logarithmic
    }

    var values: [Double] { series.flatMap { $0.values.compactMap { $0 } }.filter { $0.isFinite && (!logarithmic || $0 > 0) } }

    public var svg: String {
        let left = 56.0, right = 16.0, top = 34.0, bottom = 58.0
        let pw = width - left - right, ph = height - top - bottom
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let vs = values
        let lo = logarithmic ? floor(log10(vs.min() ?? 1)) : 0
        let hi = logarithmic ? Swift.max(lo + 1, ceil(log10(vs.max() ?? 10))) : Swift.max(vs.max() ?? 1, 1e-12) * 1.1
        func scaled(_ v: Double) -> Double { logarithmic ? (log10(v) - lo) / (hi - lo) : v / hi }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        let ticks: [Double] = logarithmic ? stride(from: lo, through: hi, by: 1).map { pow(10, $0) } : LineChart.ticks(0...hi)
        for t in ticks {
            let y = top + ph - scaled(t) * ph
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + pw))\" y2=\"\(f(y))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#555\">\(LineChart.label(t))</text>"
        }
        s += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(unit + (logarithmic ? " (log scale)" : "")))</text>"
        let groupWidth = pw / Double(Swift.max(1, groups.count)), barWidth = groupWidth * 0.8 / Double(Swift.max(1, series.count))
        for (g, name) in groups.enumerated() {
            let gx = left + Double(g) * groupWidth + groupWidth * 0.1
            for (k, line) in series.enumerated() {
                guard g < line.values.count, let v = line.values[g], v.isFinite, !logarithmic || v > 0 else { continue }
                let h = Swift.max(1, scaled(v) * ph), x = gx + Double(k) * barWidth
                s += "<rect x=\"\(f(x))\" y=\"\(f(top + ph - h))\" width=\"\(f(barWidth - 2))\" height=\"\(f(h))\" fill=\"\(LineChart.palette[k % LineChart.palette.count])\"><title>\(HTML.escape("\(line.name): \(LineChart.label(v)) \(unit)"))</title></rect>"
                s += "<text x=\"\(f(x + barWidth / 2 - 1))\" y=\"\(f(top + ph - h - 3))\" text-anchor=\"middle\" font-size=\"9\" fill=\"#333\">\(LineChart.label(v))</text>"
            }
            s += "<text x=\"\(f(gx + groupWidth * 0.4))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(HTML.escape(name))</text>"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + ph))\" x2=\"\(f(left + pw))\" y2=\"\(f(top + ph))\" stroke=\"#999\"/>"
        for (k, line) in series.enumerated() {
            let lx = left + Double(k) * 110
            s += "<rect x=\"\(f(lx))\" y=\"\(f(height - 18))\" width=\"10\" height=\"10\" fill=\"\(LineChart.palette[k % LineChart.palette.count])\"/>"
            s += "<text x=\"\(f(lx + 14))\" y=\"\(f(height - 9))\">\(HTML.escape(line.name))</text>"
        }
        return s + "</svg>"
    }

    public var plainText: String {
        let table = Table(columns: [""] + series.map(\.name),
                          rows: groups.enumerated().map { g, name in [name] + series.map { g < $0.values.count ? ($0.values[g].map(LineChart.label) ?? "") : "" } },
                          numericColumns: Set(1...Swift.max(1, series.count)))
        return title + " (\(unit))\n" + table.bundle.plain
    }

    public var bundle: MimeBundle {
        var b = MimeBundle(plain: plainText)
        b.set("image/svg+xml", svg)
        return b
    }
}
