/// Charts drawn by the server as SVG (no script, no inline style: presentation attributes and
/// classes only, so the Content-Security-Policy holds). Every label goes through ``HTML``.
enum SVGChart {
    struct Point: Sendable, Equatable {
        var t: Int64
        var value: Double
    }

    static let width = 640.0
    static let height = 180.0
    static let left = 48.0
    static let right = 12.0
    static let top = 12.0
    static let bottom = 24.0

    /// A time series over [from, to] (ms) as a line with its area; `data-points` counts the
    /// points drawn. Without points, an empty frame that says so.
    static func line(
        _ points: [Point], from: Int64, to: Int64, label: String, unit: String, id: String, into h: inout HTML
    ) {
        let plotW = width - left - right
        let plotH = height - top - bottom
        let maxValue = niceCeiling(points.map(\.value).max() ?? 0)
        h.open(
            "svg",
            [
                "class": "chart", "id": id, "role": "img", "viewBox": "0 0 \(Int(width)) \(Int(height))",
                "data-points": String(points.count), "data-max": format(maxValue),
                "xmlns": "http://www.w3.org/2000/svg",
            ])
        h.element("title", "\(label) (\(unit))")
        // grid and axis labels
        for step in 0...2 {
            let value = maxValue * Double(step) / 2
            let y = top + plotH - plotH * Double(step) / 2
            h.open(
                "line",
                ["class": "grid", "x1": format(left), "x2": format(width - right), "y1": format(y), "y2": format(y)])
            h.close("line")
            h.element(
                "text", ["class": "axis", "x": format(left - 6), "y": format(y + 4), "text-anchor": "end"],
                format(value))
        }
        h.element(
            "text", ["class": "axis", "x": format(left), "y": format(height - 6), "text-anchor": "start"],
            DashboardFormat.clock(from))
        h.element(
            "text", ["class": "axis", "x": format(width - right), "y": format(height - 6), "text-anchor": "end"],
            DashboardFormat.clock(to))
        if points.isEmpty || to <= from {
            h.element(
                "text",
                [
                    "class": "empty", "x": format(left + plotW / 2), "y": format(top + plotH / 2),
                    "text-anchor": "middle",
                ],
                "no data in this range")
        } else {
            let span = Double(to - from)
            func x(_ t: Int64) -> Double { left + plotW * Double(min(max(t, from), to) - from) / span }
            func y(_ v: Double) -> Double { top + plotH - (maxValue > 0 ? plotH * v / maxValue : 0) }
            let coordinates = points.map { "\(format(x($0.t))),\(format(y($0.value)))" }
            let baseline = format(top + plotH)
            let area =
                "M\(format(x(points[0].t))),\(baseline) L" + coordinates.joined(separator: " L")
                + " L\(format(x(points[points.count - 1].t))),\(baseline) Z"
            h.open("path", ["class": "area", "d": area])
            h.close("path")
            h.open("polyline", ["class": "series", "points": coordinates.joined(separator: " ")])
            h.close("polyline")
            for point in points where point.value > 0 {
                h.open("circle", ["class": "dot", "cx": format(x(point.t)), "cy": format(y(point.value)), "r": "2"])
                h.element("title", "\(DashboardFormat.time(point.t)): \(format(point.value)) \(unit)")
                h.close("circle")
            }
        }
        h.close("svg")
    }

    /// Horizontal bars, one per row, longest first as given; `data-bars` counts them.
    static func bars(_ rows: [(label: String, value: Int)], id: String, into h: inout HTML) {
        let rowH = 22.0
        let labelW = 170.0
        let chartH = max(rowH, rowH * Double(rows.count)) + 4
        let maxValue = Double(rows.map(\.value).max() ?? 0)
        h.open(
            "svg",
            [
                "class": "chart bars", "id": id, "role": "img", "viewBox": "0 0 \(Int(width)) \(Int(chartH))",
                "data-bars": String(rows.count), "xmlns": "http://www.w3.org/2000/svg",
            ])
        h.element("title", "attacks by class")
        if rows.isEmpty {
            h.element(
                "text", ["class": "empty", "x": format(width / 2), "y": "16", "text-anchor": "middle"],
                "no attacks in this range")
        }
        for (i, row) in rows.enumerated() {
            let y = 2 + Double(i) * rowH
            let w = maxValue > 0 ? (width - labelW - 60) * Double(row.value) / maxValue : 0
            h.element(
                "text", ["class": "label", "x": format(labelW - 8), "y": format(y + 15), "text-anchor": "end"],
                row.label)
            h.open(
                "rect",
                [
                    "class": "bar", "x": format(labelW), "y": format(y + 3), "width": format(max(w, 1)),
                    "height": format(rowH - 6),
                ])
            h.element("title", "\(row.label): \(row.value)")
            h.close("rect")
            h.element(
                "text", ["class": "value", "x": format(labelW + max(w, 1) + 6), "y": format(y + 15)], String(row.value))
        }
        h.close("svg")
    }

    /// 1, 2 or 5 times a power of ten at or above `value` (at least 1).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    /// A number with at most one decimal, no trailing `.0`.
    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
