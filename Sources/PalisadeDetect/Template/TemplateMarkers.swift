/// What inside a template expression reaches past the template into the interpreter: object-graph
/// walks (`__class__`, `getClass().forName`), engine internals (`_self.env`, `?new()`), process and
/// file APIs. Case matters where the languages are case-sensitive.
enum TemplateMarkers {
    /// Markers that only a sandbox escape or command execution uses (case-sensitive).
    static let strong: [StaticString] = [
        "__class__", "__mro__", "__subclasses__", "__globals__", "__builtins__", "__init__", "__import__",
        "__base__", "__bases__", "__dict__", "__getattribute__", "getRuntime", "ProcessBuilder", "java.lang.",
        "freemarker.template.utility", "?new(", "ObjectConstructor", "JythonRuntime", "forName(", "getClass()",
        "getClassLoader", "classLoader", ".exec(", "popen(", "system(", "subprocess", "_self.env",
        "registerUndefinedFilterCallback", "getFilter(", "filter('system')", "filter(\"system\")", "map('system')",
        "map(\"system\")", "filter('exec')", "map('exec')", "['system']", ".sub.apply", "constructor",
        "mainModule", "child_process", "require(", "File.open", "File.read", "IO.popen", "IO.read", "Kernel.",
        "`", "T(java", "T(org", "T (java", "new java.", "@java.", "_TemplateReference__context", "os.popen",
        "os.system", "import os", "import subprocess", "module.cache", "self.module", "Process.Start",
        "System.Diagnostics", "System.IO.File", "readFileSync", "execSync", "global.process", "process.binding",
        "process.env", "passthru(", "shell_exec(", "eval(", "exec(", "phpinfo(", "Smarty_Internal", "/etc/passwd",
        "getTemplateVars", ".class.inspect", "$class.inspect", ".getClass(", "getMethod(", "invoke(", "getDeclared",
        "ScriptEngineManager", "ognl", "#_memberAccess", "application.__", "request.application", "lipsum.",
        "cycler.", "joiner.", "namespace.", "url_for.", "get_flashed_messages.", "config.from", "attr('__",
        "attr(\"__", "|attr(", "getRuntime()", "Runtime.", "execute(", "open(", "read()", "readlines",
        "applicationScope", "pageContext", "sessionScope", "getServletContext", "getWriter", "('system')",
        "(\"system\")", "('passthru')", "('exec')", "('shell_exec')", "app.request.server", "Open3.", "capture2(",
        "popen3(", ".data_model", "?api.", "?eval", "?interpret", "Dir.entries", "Dir.glob", "ENV.", "ENV[",
        ".getOptionalTemplate",
    ]

    /// 0 when the body holds nothing dangerous; otherwise the confidence it earns.
    static func strength(_ body: ArraySlice<UInt8>) -> Double {
        var found = 0
        for marker in strong where ExecBytes.findExactly(body, marker) != nil {
            found += 1
            if found >= 2 { break }
        }
        guard found > 0 else { return 0 }
        // A single weak-ish call marker (`open(`, `read()`, `execute(`, `eval(`) in an otherwise
        // plain expression is less telling than an object-graph walk.
        if found == 1, weakOnly(body) { return 0.55 }
        return found >= 2 ? 0.93 : 0.88
    }

    static let weak: [StaticString] = ["open(", "read()", "execute(", "invoke(", "`", "readlines", "require(", "eval("]

    static func weakOnly(_ body: ArraySlice<UInt8>) -> Bool {
        for marker in weak where ExecBytes.findExactly(body, marker) != nil { return true }
        return false
    }
}
