/// The dashboard's static files, compiled into the binary (nothing is fetched at run time).
enum DashboardAssets {
    struct Asset: Sendable {
        var contentType: String
        var body: String
        /// Changes with the content, for `ETag`.
        var tag: String
    }

    static let files: [String: Asset] = [
        "app.js": asset("text/javascript; charset=utf-8", script),
        "app.css": asset("text/css; charset=utf-8", stylesheet),
        "favicon.svg": asset("image/svg+xml", favicon),
    ]

    private static func asset(_ type: String, _ body: String) -> Asset {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in body.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Asset(contentType: type, body: body, tag: "\"\(String(hash, radix: 16))\"")
    }

    /// Auto-refresh (`<body data-refresh="S">`, switchable, remembered in localStorage), selects
    /// that submit their filter form, and quick table filters. No inline handlers anywhere.
    static let script = #"""
        "use strict";
        (function () {
          var KEY = "palisade.autorefresh";
          function refreshOn() {
            try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
          }
          function busy() {
            var el = document.activeElement;
            return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
          }
          document.addEventListener("DOMContentLoaded", function () {
            var period = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
            var box = document.getElementById("autorefresh");
            if (box) {
              box.checked = refreshOn();
              box.addEventListener("change", function () {
                try { window.localStorage.setItem(KEY, box.checked ? "on" : "off"); } catch (e) { /* private mode */ }
              });
            }
            if (period > 0) {
              window.setInterval(function () {
                if (refreshOn() && !document.hidden && !busy()) { window.location.reload(); }
              }, period * 1000);
            }
            document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
              select.addEventListener("change", function () { select.form.submit(); });
            });
            document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
              var table = document.getElementById(input.getAttribute("data-filter-table"));
              var counter = document.getElementById(input.getAttribute("data-filter-count") || "");
              if (!table) { return; }
              input.addEventListener("input", function () {
                var needle = input.value.toLowerCase();
                var shown = 0;
                table.querySelectorAll("tbody > tr").forEach(function (row) {
                  var match = row.textContent.toLowerCase().indexOf(needle) >= 0;
                  row.hidden = !match;
                  if (match) { shown += 1; }
                });
                if (counter) { counter.textContent = String(shown); }
              });
            });
          });
        })();
        """#

    static let stylesheet = #"""
        :root { --fg: #1d2430; --muted: #5b6575; --line: #d8dde5; --bg: #f5f7fa; --card: #fff;
          --accent: #2457c5; --bad: #b42318; --warn: #b54708; --ok: #067647; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { background: #1d2430; color: #fff; }
        header nav { display: flex; align-items: center; gap: 18px; padding: 10px 20px; flex-wrap: wrap; }
        header a { color: #cfd8e6; text-decoration: none; }
        header a.active, header a:hover { color: #fff; text-decoration: underline; }
        header .brand { font-weight: 700; color: #fff; margin-right: 12px; }
        header .spacer { flex: 1; }
        header form { margin: 0; }
        header label { color: #cfd8e6; font-size: 12px; }
        main { padding: 16px 20px 40px; max-width: 1400px; }
        h1 { font-size: 20px; margin: 4px 0 14px; }
        h2 { font-size: 16px; margin: 0 0 10px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 14px; margin-bottom: 16px; overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 12px; color: var(--muted); font-weight: 600; }
        td.num, th.num { text-align: right; }
        code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; word-break: break-all; }
        .chain code { background: #eef2f8; padding: 1px 4px; border-radius: 3px; }
        .chain .sep { color: var(--muted); padding: 0 3px; }
        .muted { color: var(--muted); }
        .badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; background: #eef2f8; }
        .badge.bad { background: #fde7e6; color: var(--bad); }
        .badge.warn { background: #fdf0e3; color: var(--warn); }
        .badge.ok { background: #e4f6ec; color: var(--ok); }
        .badge.unknown { background: #eceff3; color: var(--muted); }
        .notice { padding: 8px 12px; border-radius: 4px; margin-bottom: 12px; background: #e4f6ec; color: var(--ok); }
        .error { padding: 8px 12px; border-radius: 4px; margin-bottom: 12px; background: #fde7e6; color: var(--bad); }
        form.filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
        form.filters label, form.stack label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        form.stack { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 8px; align-items: end; }
        input, select, textarea, button { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        textarea { width: 100%; min-height: 140px; font-family: ui-monospace, monospace; }
        .pager { display: flex; gap: 16px; margin-top: 10px; }
        .login { max-width: 380px; margin: 80px auto; }
        .login input { width: 100%; margin: 6px 0 12px; }
        svg.chart { width: 100%; height: auto; max-height: 220px; }
        svg.chart .grid { stroke: #e3e7ee; stroke-width: 1; }
        svg.chart .axis, svg.chart .label, svg.chart .value { fill: var(--muted); font-size: 11px; }
        svg.chart .empty { fill: var(--muted); font-size: 13px; }
        svg.chart .series { fill: none; stroke: var(--accent); stroke-width: 2; }
        svg.chart .area { fill: #2457c522; stroke: none; }
        svg.chart .dot { fill: var(--accent); }
        svg.chart .bar { fill: var(--bad); }
        svg.chart.bars { max-height: none; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        ul.params { margin: 0; padding-left: 16px; }
        """#

    static let favicon = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2430"/><path d="M3 3h2v10H3zM7 3h2v10H7zM11 3h2v10h-2z" fill="#fff"/></svg>
        """#
}
