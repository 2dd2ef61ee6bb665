extension CodeInjectionDetector {
    /// Every marker reading below starts from one of these (ASCII case-insensitively), except a
    /// value that opens with a backtick.
    static let markerNeedles = NeedleSet([
        "<?php", "<?=", "#_memberaccess", "ognl.ognlcontext", "default_member_access", "#context[",
        "@java.lang.", "#container", "@org.apache.", "@javax.", "%{(", "t(java.", "t (java.", "t(org.",
        "t(javax.", "new java.lang.processbuilder", "java.lang.runtime.getruntime", "__", "%x", "process",
        "constructor", "class", "$_",
    ])

    /// Constructs only code carries: PHP open tags, OGNL member-access tricks, Spring EL type
    /// references, Python dunder chains (sandbox escapes), Ruby `%x{}`, Node `process.mainModule`
    /// and `constructor.constructor`.
    static func scanMarkers(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        guard value.first == UInt8(ascii: "`") || markerNeedles.occurs(in: value) else { return }
        let end = value.endIndex
        // PHP open tag followed by code.
        if let t = ExecBytes.find(value, "<?php") ?? ExecBytes.find(value, "<?=") {
            let rest = value[t...]
            let code =
                rest.contains(UInt8(ascii: "(")) || rest.contains(UInt8(ascii: "$")) || rest.contains(UInt8(ascii: "`"))
            best.consider(code ? 0.8 : 0.55, "code_injection.php_tag", t..<min(end, t + 24))
        }
        // OGNL (Struts): `%{(#_memberAccess…)}`, `@java.lang.Runtime@getRuntime()`, `#context[…]`.
        for marker: StaticString in [
            "#_memberAccess", "@ognl.OgnlContext", "DEFAULT_MEMBER_ACCESS", "#context[", "@java.lang.Runtime@",
            "#container", "ognl.OgnlContext", "@org.apache.commons.io.IOUtils@", "#_memberaccess",
        ] {
            if let m = ExecBytes.find(value, marker) {
                best.consider(0.95, "code_injection.ognl", m..<min(end, m + 32))
                break
            }
        }
        if let m = ExecBytes.findExactly(value, "@java.lang.") ?? ExecBytes.findExactly(value, "@javax.")
            ?? ExecBytes.findExactly(value, "@org.apache.")
        {
            // OGNL static member access `@class@member`.
            if value[(m + 1)...].prefix(80).contains(UInt8(ascii: "@")) {
                best.consider(0.9, "code_injection.ognl", m..<min(end, m + 32))
            }
        }
        // A command in backticks followed by a method call (Ruby `` `id`.to_s ``) or as the value.
        if value.first == UInt8(ascii: "`"), ExecBytes.proseWords(value, limit: 3) < 3 {
            backtickCommand(value, at: value.startIndex, start: value.startIndex, &best)
        }
        if let m = ExecBytes.find(value, "%{("), ExecBytes.contains(value[m...], "#") {
            best.consider(0.85, "code_injection.ognl", m..<min(end, m + 32))
        }
        // Spring EL / Java type references.
        if let t = ExecBytes.findExactly(value, "T(java.") ?? ExecBytes.findExactly(value, "T (java.")
            ?? ExecBytes.findExactly(value, "T(org.") ?? ExecBytes.findExactly(value, "T(javax.")
        {
            let strong =
                ExecBytes.contains(value, "Runtime") || ExecBytes.contains(value, "ProcessBuilder")
                || ExecBytes.contains(value, "exec") || ExecBytes.contains(value, "forName")
                || ExecBytes.contains(value, "System")
            best.consider(strong ? 0.95 : 0.75, "code_injection.spring_el", t..<min(end, t + 32))
        }
        if let n = ExecBytes.find(value, "new java.lang.ProcessBuilder")
            ?? (ExecBytes.contains(value, "exec(") ? ExecBytes.find(value, "java.lang.Runtime.getRuntime") : nil)
        {
            best.consider(0.95, "code_injection.java_runtime", n..<min(end, n + 32))
        }
        // Python sandbox escapes through dunder attributes.
        // Counted only when accessed as attributes or keys (`.__class__`, `['__globals__']`), which
        // prose naming them does not do.
        var dunders = 0
        var firstDunder = -1
        // Every marker below starts with `__`: one scan settles most values.
        let mayHoldDunder = ExecBytes.findExactly(value, "__") != nil
        for marker: StaticString in [
            "__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__bases__", "__base__",
            "__init__", "__getattribute__", "__dict__", "__import__", "__reduce__", "__code__", "__loader__",
        ] {
            if mayHoldDunder, let d = ExecBytes.findExactly(value, marker), d > value.startIndex {
                let before = value[d - 1]
                guard
                    before == UInt8(ascii: ".") || before == UInt8(ascii: "'") || before == UInt8(ascii: "\"")
                        || before == UInt8(ascii: "[")
                else { continue }
                dunders += 1
                if firstDunder < 0 || d < firstDunder { firstDunder = d }
            }
        }
        if dunders >= 2 {
            best.consider(
                min(0.8 + 0.05 * Double(dunders - 2), 0.95), "code_injection.python_dunder",
                firstDunder..<min(end, firstDunder + 40))
        }
        // Ruby `%x{…}` / `%x(…)`.
        if let x = ExecBytes.findExactly(value, "%x"), x + 2 < end {
            let open = value[x + 2]
            if open == UInt8(ascii: "{") || open == UInt8(ascii: "(") || open == UInt8(ascii: "[")
                || open == UInt8(ascii: "|")
            {
                best.consider(0.85, "code_injection.ruby_exec", x..<min(end, x + 24))
            }
        }
        // Node internals.
        if ExecBytes.contains(value, "process"),
            let p = ExecBytes.find(value, "process.mainModule") ?? ExecBytes.find(value, "global.process")
                ?? ExecBytes.find(value, "process.binding")
        {
            best.consider(0.9, "code_injection.js_process", p..<min(end, p + 32))
        }
        if ExecBytes.contains(value, "constructor"),
            let c = ExecBytes.find(value, "constructor.constructor") ?? ExecBytes.find(
                value, "constructor[\"constructor\"]")
                ?? ExecBytes.find(value, "constructor['constructor']")
        {
            best.consider(0.85, "code_injection.js_function", c..<min(end, c + 32))
        }
        // Java reflection walks from any object to a class loader or `forName`.
        if ExecBytes.contains(value, "class"),
            let g = ExecBytes.find(value, ".getClass().getClassLoader()") ?? ExecBytes.find(
                value, ".getClass().forName(")
                ?? ExecBytes.find(value, ".class.forName(")
        {
            best.consider(0.85, "code_injection.java_reflection", g..<min(end, g + 32))
        }
        // Serialized-callback and webshell idioms.
        if ExecBytes.findExactly(value, "$_") != nil,
            let e = ExecBytes.find(value, "$_GET[") ?? ExecBytes.find(value, "$_POST[") ?? ExecBytes.find(
                value, "$_REQUEST[")
                ?? ExecBytes.find(value, "$_COOKIE[") ?? ExecBytes.find(value, "$_SERVER[")
        {
            let call = value[..<e].contains(UInt8(ascii: "("))
            best.consider(call ? 0.85 : 0.55, "code_injection.php_superglobal", e..<min(end, e + 24))
        }
    }
}
