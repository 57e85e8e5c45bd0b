import Foundation

/// A line chart as SVG (axes, ticks, labelled series, an optional marked point) with a
/// text fallback (a sparkline per series and the marked point): ROC and PR curves,
/// threshold sweeps, reliability diagrams, training histories.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var dashed: Bool
        /// Dots at the points instead of a line (each trial of a study).
        public var points: Bool
        /// A line to compare against (chance, perfect calibration): grey and dashed, and
        /// takes no colour from the data's series.
        public var reference: Bool
        public init(_ name: String, x: [Double], y: [Double], dashed: Bool = false, points: Bool = false, reference: Bool = false) {
            self.name = name; self.x = x; self.y = y; self.dashed = dashed || reference; self.points = points; self.reference = reference
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A point to mark and label (the best threshold).
    public var marker: (x: Double, y: Double, label: String)?
    /// Fixed axis ranges (e.g. 0...1 for rates); nil fits the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var width = 480.0, height = 320.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    /// Ten colours told apart also by readers with a colour-vision deficiency (Tableau 10);
    /// past ten series the colours repeat with a dash pattern, so no two series look alike.
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#17becf"]
    static let referenceColour = "#999999"
    static let dashPatterns = ["", "6,3", "2,3", "8,3,2,3"]

    /// The colour and dash pattern of each series: data series take the palette in order,
    /// reference lines grey.
    var styles: [(colour: String, dash: String)] {
        var k = 0
        return series.map { line in
            if line.reference { return (Self.referenceColour, "5,4") }
            defer { k += 1 }
            let dash = line.dashed ? "5,4" : Self.dashPatterns[(k / Self.palette.count) % Self.dashPatterns.count]
            return (Self.palette[k % Self.palette.count], dash)
        }
    }

    /// Legend entries are cut to this many characters.
    static let legendCharacters = 28

    /// The width the legend takes right of the plot (none for a single series): the legend
    /// sits outside the plotting area, so it never covers a line.
    var legendWidth: Double {
        guard series.count > 1 else { return 0 }
        let longest = series.map { min($0.name.count, Self.legendCharacters) }.max() ?? 0
        return 34 + 6.5 * Double(longest)
    }

    public var svg: String {
        let left = 56.0, right = 16.0 + legendWidth, top = 34.0, bottom = 44.0
        let width = self.width + legendWidth
        let pw = width - left - right, ph = height - top - bottom
        let xs = series.flatMap(\.x).filter(\.isFinite), ys = series.flatMap(\.y).filter(\.isFinite)
        var xr = xRange ?? ((xs.min() ?? 0)...(xs.max() ?? 1))
        var yr = yRange ?? ((ys.min() ?? 0)...(ys.max() ?? 1))
        if xr.lowerBound == xr.upperBound { xr = (xr.lowerBound - 1)...(xr.upperBound + 1) }
        if yr.lowerBound == yr.upperBound { yr = (yr.lowerBound - 1)...(yr.upperBound + 1) }
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * pw }
        func py(_ y: Double) -> Double { top + ph - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        // Epochs, trial numbers and counts are whole: no tick at 1.5 between them.
        for t in Self.ticks(xr, whole: !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }) {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\" fill=\"#555\">\(Self.label(t))</text>"
        }
        for t in Self.ticks(yr) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" fill=\"#555\">\(Self.label(t))</text>"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#999\"/>"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        s += "<text transform=\"translate(14,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        let styles = self.styles
        // Reference lines first, so the data's lines are drawn over them.
        for k in series.indices.sorted(by: { series[$0].reference && !series[$1].reference }) {
            let line = series[k], (colour, dash) = styles[k]
            let points = zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
            if line.points {
                for (x, y) in zip(line.x, line.y) where x.isFinite && y.isFinite {
                    s += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(y)))\" r=\"2.5\" fill=\"\(colour)\" fill-opacity=\"0.7\"/>"
                }
            } else {
                s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(line.reference ? 1.5 : 2)\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") points=\"\(points.joined(separator: " "))\"/>"
            }
        }
        if series.count > 1 {
            let lx = left + pw + 14
            for (k, line) in series.enumerated() {
                let (colour, dash) = styles[k], ly = top + 10 + Double(k) * 16
                s += line.points
                    ? "<circle cx=\"\(f(lx + 9))\" cy=\"\(f(ly - 4))\" r=\"3\" fill=\"\(colour)\"/>"
                    : "<line x1=\"\(f(lx))\" y1=\"\(f(ly - 4))\" x2=\"\(f(lx + 18))\" y2=\"\(f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
                let name = line.name.count > Self.legendCharacters ? String(line.name.prefix(Self.legendCharacters - 1)) + "…" : line.name
                s += "<text x=\"\(f(lx + 24))\" y=\"\(f(ly))\" class=\"legend\">\(HTML.escape(name))</text>"
            }
        }
        if let m = marker, m.x.isFinite, m.y.isFinite {
            let mx = px(m.x), my = py(m.y)
            s += "<circle cx=\"\(f(mx))\" cy=\"\(f(my))\" r=\"4\" fill=\"#c0392b\"/>"
            // The label stays inside the plot: beside the point, below it when the point is
            // near the top (above the plot it would run into the title).
            let anchor = mx > left + pw * 0.6 ? "end" : "start"
            let ly = my - 8 < top + 12 ? my + 17 : my - 8
            s += "<text x=\"\(f(mx + (anchor == "end" ? -7 : 7)))\" y=\"\(f(ly))\" text-anchor=\"\(anchor)\" fill=\"#c0392b\" class=\"marker\">\(HTML.escape(m.label))</text>"
        }
        return s + "</svg>"
    }

    public var plainText: String {
        var lines = [title]
        for line in series {
            let spark = Sparkline.render(line.y, width: 40)
            let lo = line.y.filter(\.isFinite).min().map(Self.label) ?? "-", hi = line.y.filter(\.isFinite).max().map(Self.label) ?? "-"
            lines.append("\(line.name): \(spark)  (\(yLabel) \(lo) to \(hi) over \(xLabel))")
        }
        if let m = marker { lines.append(m.label) }
        return lines.joined(separator: "\n")
    }

    public var bundle: MimeBundle {
        var b = MimeBundle(plain: plainText)
        b.set("image/svg+xml", svg)
        return b
    }

    /// About five round ticks across the range; only whole numbers when `whole`.
    static func ticks(_ r: ClosedRange<Double>, whole: Bool = false) -> [Double] {
        let span = r.upperBound - r.lowerBound
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let nice: [Double] = whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]
        var step = nice.map { $0 * magnitude }.first { $0 >= raw } ?? raw
        if whole { step = max(1, step.rounded()) }
        var t = (r.lowerBound / step).rounded(.up) * step
        var out: [Double] = []
        while t <= r.upperBound + step * 1e-9 { out.append(t); t += step }
        return out
    }

    public static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return abs(v) >= 1000 || abs(v) < 0.01 ? String(format: "%.2g", v) : String(format: "%.3g", v)
    }
}

/// A matrix of counts as an HTML heatmap (cells shaded by their share of the row) and
/// aligned text: confusion matrices.
public struct Heatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double]]
    public var rowAxis: String, columnAxis: String

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], rowAxis: String, columnAxis: String) {
        self.title = title; self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.values = values
        self.rowAxis = rowAxis; self.columnAxis = columnAxis
    }

    static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.3g", v) }

    public var html: String {
        var s = "<table class=\"tessera-table tessera-heatmap \(HTML.noMath)\"><caption>\(HTML.escape(title))</caption>"
        s += "<thead><tr><th>\(HTML.escape(rowAxis)) \\ \(HTML.escape(columnAxis))</th>" + columnLabels.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in values.enumerated() {
            let total = row.reduce(0, +)
            s += "<tr><th>\(HTML.escape(rowLabels[i]))</th>"
            for v in row {
                let share = total > 0 ? v / total : 0
                let alpha = String(format: "%.2f", 0.1 + 0.8 * share)
                let ink = share > 0.6 ? "white" : "black"
                s += "<td style=\"background:rgba(31,111,139,\(alpha));color:\(ink);text-align:right\">\(Self.format(v))</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table>"
    }

    public var table: Table {
        Table(columns: ["\(rowAxis) \\ \(columnAxis)"] + columnLabels, rows: values.enumerated().map { [rowLabels[$0.offset]] + $0.element.map(Self.format) },
              numericColumns: Set(1...max(1, columnLabels.count)), caption: title)
    }

    /// The same as an SVG image: shaded cells with their values and axis labels.
    public var svg: String {
        let cell = 56.0, left = 90.0, top = 56.0
        let width = left + cell * Double(columnLabels.count) + 16, height = top + cell * Double(rowLabels.count) + 16
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(Int(width / 2))\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        s += "<text x=\"\(Int(left + cell * Double(columnLabels.count) / 2))\" y=\"34\" text-anchor=\"middle\" fill=\"#555\">\(HTML.escape(columnAxis))</text>"
        for (j, c) in columnLabels.enumerated() {
            s += "<text x=\"\(Int(left + cell * (Double(j) + 0.5)))\" y=\"\(Int(top - 6))\" text-anchor=\"middle\">\(HTML.escape(c))</text>"
        }
        for (i, row) in values.enumerated() {
            let total = row.reduce(0, +)
            let y = top + cell * Double(i)
            s += "<text x=\"\(Int(left - 8))\" y=\"\(Int(y + cell / 2 + 4))\" text-anchor=\"end\">\(HTML.escape(rowAxis)) \(HTML.escape(rowLabels[i]))</text>"
            for (j, v) in row.enumerated() {
                let share = total > 0 ? v / total : 0
                let x = left + cell * Double(j)
                s += "<rect x=\"\(Int(x))\" y=\"\(Int(y))\" width=\"\(Int(cell - 2))\" height=\"\(Int(cell - 2))\" fill=\"rgba(31,111,139,\(String(format: "%.2f", 0.1 + 0.8 * share)))\"/>"
                s += "<text x=\"\(Int(x + cell / 2 - 1))\" y=\"\(Int(y + cell / 2 + 4))\" text-anchor=\"middle\" fill=\"\(share > 0.6 ? "white" : "black")\">\(Self.format(v))</text>"
            }
        }
        return s + "</svg>"
    }

    public var bundle: MimeBundle {
        var b = MimeBundle(plain: table.plainText)
        b.set("text/html", html)
        b.set("image/svg+xml", svg)
        return b
    }
}
