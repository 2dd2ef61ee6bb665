/// Server-side code injection (`code_injection`): reads the value as code in the languages that
/// evaluate strings — PHP, server-side JavaScript, Python, Ruby, Java/EL/OGNL — by walking
/// identifier chains (`Runtime.getRuntime().exec`, `os.system`, `child_process.execSync`) and
/// judging each *call* by its callee (a table keyed by the last segment and, where the name is
/// generic, its qualifier) and by its first argument (a string, a variable or another call — not a
/// word of prose). Language markers that only code carries (`<?php`, OGNL `#_memberAccess`, Spring
/// `T(java.lang.Runtime)`, Python dunder chains, Ruby `%x{}`) are read alongside.
public struct CodeInjectionDetector: Detector {
    public let name = "code_injection"

    public init() {}

    public struct Finding: Sendable, Equatable {
        public var confidence: Double
        public var rule: String
        public var range: Range<Int>
    }

    /// Bytes one of the call and marker readings' conditions needs (`(`, `__`, `<?`, `%x`, `#`,
    /// `` ` ``, `@`).
    static let callGateBytes = ByteSet("(_?%#`@")
    /// A necessary condition of any reading: the call and marker readings' bytes, or the server
    /// directives' (`ServerDirectives.gateBytes`).
    static let gateBytes = callGateBytes.union(ServerDirectives.gateBytes)

    public func detect(_ value: ArraySlice<UInt8>, context: DetectionContext, hits: inout [Hit]) {
        guard let finding = Self.analyze(value, bytes: context.bytes(of: value)) else { return }
        hits.append(
            Hit(
                attackClass: .codeInjection, point: -1, confidence: finding.confidence,
                evidence: Evidence.excerpt(value, around: finding.range, fieldName: context.fieldName),
                rule: finding.rule))
    }

    /// Identifier chains examined per value.
    static let maxChains = 512

    /// Bytes that are a pre-filter condition on their own.
    static let markBytes = ByteSet("#`@")

    public static func analyze(_ value: ArraySlice<UInt8>) -> Finding? {
        analyze(value, bytes: ByteSet(presentIn: value))
    }

    /// `bytes`: the bytes present in `value` (`DetectionContext.bytes(of:)`). The pre-filter of
    /// the call and marker readings: a `(`, a `#`/`` ` ``/`@`, or one of the pairs `__`, `<?`, `%x`
    /// (looked for only when the single bytes are absent); the server directives have their own.
    static func analyze(_ value: ArraySlice<UInt8>, bytes: ByteSet) -> Finding? {
        guard value.count >= 4, bytes.intersects(gateBytes) else { return nil }
        var best = ExecBest()
        let paren = bytes.contains(UInt8(ascii: "("))
        if paren || bytes.intersects(markBytes) || (bytes.intersects(callGateBytes) && hasMarkerPair(value)) {
            let prose = ExecBytes.proseWords(value, limit: 8)
            if paren {
                scanCalls(value, &best)
                statementBreakout(value, &best)
            }
            scanMarkers(value, &best)
            if prose >= 6, best.confidence > 0 { best.confidence *= 0.75 }
        }
        // Not discounted in prose: a directive runs wherever it sits in a served page.
        ServerDirectives.read(value, bytes: bytes, &best)
        guard best.confidence >= 0.3 else { return nil }
        return Finding(confidence: min(best.confidence, 0.99), rule: best.rule, range: best.range)
    }

    /// Whether `__`, `<?` or `%x`/`%X` occurs in `value`.
    static func hasMarkerPair(_ value: ArraySlice<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in value {
            switch byte {
            case UInt8(ascii: "_"): if previous == UInt8(ascii: "_") { return true }
            case UInt8(ascii: "?"): if previous == UInt8(ascii: "<") { return true }
            case UInt8(ascii: "x"), UInt8(ascii: "X"): if previous == UInt8(ascii: "%") { return true }
            default: break
            }
            previous = byte
        }
        return false
    }

    // MARK: - Statement breakout

    /// `';exit(md5('x'));//`, `".print(f(1));#`, `a;die(x());//`,
    /// `';d=new Date();do{c=new Date();}while(c-d<9000);//`: the value ends the application's string
    /// or statement (`;`, or a quote and `.` concatenation), runs simple statements and comments out
    /// the rest of the line — whatever the callees. Only the exact shape counts: an optional word, an
    /// optional quote, the break, one to eight statements each ending with `;` (a call `a.b(…)`, an
    /// assignment `x=…` of a call or `new` call, or a `do{…}while(…)`/`while(…)`/`for(…)`/`if(…)`
    /// loop or branch, brackets balanced), and a short line comment ending the value.
    static func statementBreakout(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var i = value.startIndex
        while i < end, i - value.startIndex < 64, ExecBytes.isIdent(value[i]) { i += 1 }
        var quote = false
        if i < end, value[i] == UInt8(ascii: "'") || value[i] == UInt8(ascii: "\"") {
            quote = true
            i += 1
        }
        guard i < end, value[i] == UInt8(ascii: ";") || (quote && value[i] == UInt8(ascii: ".")) else { return }
        let start = i
        i += 1
        var statements = 0
        while true {
            guard statements < 8, let after = simpleStatement(value, from: ExecBytes.skipSpaces(value, i)) else {
                return
            }
            statements += 1
            i = ExecBytes.skipSpaces(value, after)
            guard i < end, value[i] == UInt8(ascii: ";") else { return }
            i = ExecBytes.skipSpaces(value, i + 1)
            let comment =
                i < end
                && (value[i] == UInt8(ascii: "#")
                    || (i + 1 < end && value[i] == UInt8(ascii: "/")
                        && (value[i + 1] == UInt8(ascii: "/") || value[i + 1] == UInt8(ascii: "*"))))
            if comment { break }
        }
        guard end - i <= 24, !value[i...].contains(0x0A) else { return }
        best.consider(0.85, "code_injection.statement_breakout", start..<end)
    }

    /// The index after one simple statement at `s` (see `statementBreakout`), or nil.
    static func simpleStatement(_ value: ArraySlice<UInt8>, from s: Int) -> Int? {
        let end = value.endIndex
        func word(_ i: Int) -> Int {
            var j = i
            while j < end, j - i < 64, ExecBytes.isIdent(value[j]) || value[j] == UInt8(ascii: ".") { j += 1 }
            return j
        }
        var i = s
        let first = word(i)
        let keyword = value[i..<first]
        for loop: StaticString in ["while", "for", "if"]
        where keyword.count == loop.utf8CodeUnitCount && ExecBytes.matches(keyword, at: i, loop) {
            guard let close = balanced(value, at: ExecBytes.skipSpaces(value, first), UInt8(ascii: "(")) else {
                return nil
            }
            let body = ExecBytes.skipSpaces(value, close)
            return balanced(value, at: body, UInt8(ascii: "{")) ?? close
        }
        if keyword.count == 2, ExecBytes.matches(keyword, at: i, "do") {
            guard let block = balanced(value, at: ExecBytes.skipSpaces(value, first), UInt8(ascii: "{")) else {
                return nil
            }
            let w = ExecBytes.skipSpaces(value, block)
            guard w + 5 <= end, ExecBytes.matches(value, at: w, "while") else { return nil }
            return balanced(value, at: ExecBytes.skipSpaces(value, w + 5), UInt8(ascii: "("))
        }
        // `x = …`: an assignment of what follows.
        let afterTarget = ExecBytes.skipSpaces(value, first)
        if first > i, afterTarget + 1 < end, value[afterTarget] == UInt8(ascii: "="),
            value[afterTarget + 1] != UInt8(ascii: "=")
        {
            i = ExecBytes.skipSpaces(value, afterTarget + 1)
        }
        if ExecBytes.matchesExactly(value, at: i, "new ") { i = ExecBytes.skipSpaces(value, i + 4) }
        let name = i
        i = word(i)
        guard i - name >= 2 || (i > name && name > s), ExecBytes.isAlpha(value[name]) else { return nil }
        return balanced(value, at: i, UInt8(ascii: "("))
    }

    /// The index after the bracket group opened by `open` at `i` (`(…)` or `{…}`, quotes respected,
    /// at most 512 bytes), or nil when none opens there or it does not close.
    static func balanced(_ value: ArraySlice<UInt8>, at i: Int, _ open: UInt8) -> Int? {
        guard i < value.endIndex, value[i] == open else { return nil }
        let close = open == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "}")
        var depth = 0
        var inQuote: UInt8 = 0
        var j = i
        while j < value.endIndex, j - i < 512 {
            let b = value[j]
            if inQuote != 0 {
                if b == inQuote { inQuote = 0 }
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                inQuote = b
            } else if b == open {
                depth += 1
            } else if b == close {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        return nil
    }

    // MARK: - Calls

    static func scanCalls(_ value: ArraySlice<UInt8>, _ best: inout ExecBest) {
        let end = value.endIndex
        var i = value.startIndex
        var chains = 0
        while i < end, chains < maxChains {
            let byte = value[i]
            guard ExecBytes.isIdentStart(byte) || byte == UInt8(ascii: "$"),
                i == value.startIndex || !(ExecBytes.isIdent(value[i - 1]) || value[i - 1] == UInt8(ascii: "$"))
            else {
                i += 1
                continue
            }
            chains += 1
            let chainStart = i
            // The notable segments are looked up only for a chain that calls a sink (few do).
            let (j, last, qualifier, _) = chain(value, from: i, notables: false)
            let open = ExecBytes.skipSpaces(value, j)
            if open + 1 < end, value[open] == UInt8(ascii: "("), value[open + 1] == UInt8(ascii: "`") {
                // Any call on a backtick command (`print(`id`)`): shell execution in PHP/Ruby/Perl.
                backtickCommand(value, at: open + 1, start: chainStart, &best)
            }
            if open < end, value[open] == UInt8(ascii: "("), let sink = sinks[last] {
                let qualifiers = chain(value, from: chainStart, notables: true).qualifiers
                judgeCall(
                    value, sink: sink, qualifier: qualifier, qualifiers: qualifiers, start: chainStart,
                    open: open, phpTag: ExecBytes.contains(value, "<?"), &best)
            }
            i = max(j, i + 1)
        }
    }

    /// The identifier chain starting at `i` (`a.b().c`, `A::b`, `$x->y`, at most 12 segments):
    /// where it ends, the hashes of its last segment and the one before, and — when `notables` —
    /// the bits of its notable segments.
    @inline(__always)
    static func chain(_ value: ArraySlice<UInt8>, from i: Int, notables: Bool)
        -> (end: Int, last: UInt64, qualifier: UInt64, qualifiers: UInt32)
    {
        let end = value.endIndex
        var last: UInt64 = 0
        var qualifier: UInt64 = 0
        var segments = 0
        var qualifiers: UInt32 = 0  // bits of notable segments seen in the chain
        var j = i
        while j < end, segments < 12 {
            var h = WordHash.seed
            let segStart = j
            if value[j] == UInt8(ascii: "$") { j += 1 }
            while j < end, ExecBytes.isIdent(value[j]), j - segStart < 48 {
                h = WordHash.add(h, value[j])
                j += 1
            }
            while j < end, ExecBytes.isIdent(value[j]) { j += 1 }
            if j == segStart { break }
            segments += 1
            qualifier = last
            last = h
            if notables, let bit = notable[h] { qualifiers |= bit }
            // `()` between segments: `getRuntime().exec`.
            var k = j
            if k + 1 < end, value[k] == UInt8(ascii: "("), value[k + 1] == UInt8(ascii: ")") { k += 2 }
            if k < end, value[k] == UInt8(ascii: "."), k + 1 < end, ExecBytes.isIdentStart(value[k + 1]) {
                j = k + 1
                continue
            }
            if k + 2 < end,
                (value[k] == UInt8(ascii: ":") && value[k + 1] == UInt8(ascii: ":"))
                    || (value[k] == UInt8(ascii: "-") && value[k + 1] == UInt8(ascii: ">")),
                ExecBytes.isIdentStart(value[k + 2])
            {
                j = k + 2
                continue
            }
            break
        }
        return (j, last, qualifier, qualifiers)
    }

    struct Sink {
        var rule: String
        var confidence: Double
        /// Generic names (`exec`, `system`, `eval`) need a code-shaped argument.
        var generic: Bool
        /// When non-zero, one of these qualifier bits must be in the chain.
        var needs: UInt32 = 0
        /// The call may have no argument (`phpinfo()`).
        var bare = false
    }

    // Qualifier bits.
    static let qRuntime: UInt32 = 1
    static let qChildProcess: UInt32 = 2
    static let qSubprocess: UInt32 = 4
    static let qOS: UInt32 = 8
    static let qKernel: UInt32 = 16
    static let qIO: UInt32 = 32
    static let qOpen3: UInt32 = 64
    static let qProcess: UInt32 = 128
    static let qConstructor: UInt32 = 256
    static let qPickle: UInt32 = 512
    static let qScript: UInt32 = 1024
    static let qClass: UInt32 = 2048
    static let qRequire: UInt32 = 4096

    static let notable = WordTable<UInt32>([
        WordHash.of("getruntime"): qRuntime, WordHash.of("runtime"): qRuntime,
        WordHash.of("child_process"): qChildProcess, WordHash.of("subprocess"): qSubprocess,
        WordHash.of("os"): qOS, WordHash.of("posix"): qOS, WordHash.of("kernel"): qKernel, WordHash.of("io"): qIO,
        WordHash.of("open3"): qOpen3, WordHash.of("process"): qProcess, WordHash.of("mainmodule"): qProcess,
        WordHash.of("constructor"): qConstructor, WordHash.of("pickle"): qPickle, WordHash.of("cpickle"): qPickle,
        WordHash.of("yaml"): qPickle, WordHash.of("marshal"): qPickle,
        WordHash.of("scriptenginemanager"): qScript, WordHash.of("getenginebyname"): qScript,
        WordHash.of("forname"): qClass, WordHash.of("getclass"): qClass, WordHash.of("getmethod"): qClass,
        WordHash.of("require"): qRequire,
    ])

    static let sinks = WordTable<Sink>(
        {
            var t: [UInt64: Sink] = [:]
            func add(_ names: [String], _ sink: Sink) { for n in names { t[WordHash.of(n)] = sink } }
            // PHP
            add(
                ["shell_exec", "passthru", "proc_open", "pcntl_exec", "popen"],
                Sink(rule: "code_injection.php_exec", confidence: 0.9, generic: true))
            add(["system"], Sink(rule: "code_injection.exec_call", confidence: 0.88, generic: true))
            add(["exec"], Sink(rule: "code_injection.exec_call", confidence: 0.85, generic: true))
            add(
                ["eval", "assert", "create_function", "call_user_func", "call_user_func_array", "array_map", "usort"],
                Sink(rule: "code_injection.eval", confidence: 0.85, generic: true))
            add(["phpinfo"], Sink(rule: "code_injection.php_probe", confidence: 0.85, generic: false, bare: true))
            add(
                ["base64_decode", "gzinflate", "str_rot13", "gzuncompress", "hex2bin", "chr"],
                Sink(rule: "code_injection.php_decode", confidence: 0.5, generic: true))
            add(
                ["file_put_contents", "fwrite", "highlight_file", "show_source", "file_get_contents", "readfile"],
                Sink(rule: "code_injection.php_file", confidence: 0.7, generic: true))
            add(["preg_replace"], Sink(rule: "code_injection.preg_replace_e", confidence: 0.5, generic: true))
            // Python
            add(["__import__"], Sink(rule: "code_injection.python_import", confidence: 0.95, generic: false))
            add(
                ["popen", "system", "execv", "execve", "execl", "execlp", "spawnv", "getoutput", "getstatusoutput"],
                Sink(rule: "code_injection.python_os", confidence: 0.93, generic: true, needs: qOS | qSubprocess))
            add(
                ["check_output", "check_call", "call", "run", "popen", "getoutput"],
                Sink(rule: "code_injection.python_subprocess", confidence: 0.93, generic: true, needs: qSubprocess))
            add(["compile"], Sink(rule: "code_injection.eval", confidence: 0.55, generic: true))
            add(["loads"], Sink(rule: "code_injection.python_loads", confidence: 0.75, generic: true, needs: qPickle))
            // JavaScript (server)
            add(["require"], Sink(rule: "code_injection.js_require", confidence: 0.6, generic: true))
            add(
                ["execsync", "spawnsync", "execfile", "execfilesync", "spawn", "fork"],
                Sink(
                    rule: "code_injection.js_child_process", confidence: 0.93, generic: true,
                    needs: qChildProcess | qRequire | qProcess))
            add(["binding"], Sink(rule: "code_injection.js_process", confidence: 0.9, generic: false, needs: qProcess))
            add(["function"], Sink(rule: "code_injection.js_function", confidence: 0.8, generic: true))
            add(["settimeout", "setinterval"], Sink(rule: "code_injection.eval", confidence: 0.6, generic: true))
            // Ruby
            add(
                ["instance_eval", "class_eval", "module_eval", "instance_exec", "binding_eval"],
                Sink(rule: "code_injection.ruby_eval", confidence: 0.85, generic: true))
            add(
                ["spawn", "exec", "system", "open", "popen", "popen3", "capture2", "capture3"],
                Sink(rule: "code_injection.ruby_exec", confidence: 0.92, generic: true, needs: qKernel | qIO | qOpen3))
            add(
                ["send", "public_send", "__send__"],
                Sink(rule: "code_injection.ruby_send", confidence: 0.5, generic: true))
            // Java
            add(["exec"], Sink(rule: "code_injection.exec_call", confidence: 0.85, generic: true))
            add(["processbuilder"], Sink(rule: "code_injection.java_processbuilder", confidence: 0.9, generic: true))
            add(
                ["getenginebyname", "getenginebyextension"],
                Sink(rule: "code_injection.java_script_engine", confidence: 0.85, generic: true))
            add(["forname"], Sink(rule: "code_injection.java_reflection", confidence: 0.5, generic: true))
            add(["getruntime"], Sink(rule: "code_injection.java_runtime", confidence: 0.5, generic: false, bare: true))
            add(
                ["defineclass", "newinstance"],
                Sink(rule: "code_injection.java_reflection", confidence: 0.55, generic: false, bare: true))
            return t
        }())

    static func judgeCall(
        _ value: ArraySlice<UInt8>, sink: Sink, qualifier: UInt64, qualifiers: UInt32, start: Int, open: Int,
        phpTag: Bool, _ best: inout ExecBest
    ) {
        var sink = sink
        let end = value.endIndex
        let name = lastSegmentLower(value, start: start, open: open)
        // Same-named sinks in several languages: pick by qualifiers.
        if name == "exec" || name == "system" || name == "popen" || name == "spawn" || name == "open" {
            if qualifiers & qRuntime != 0 {
                sink = Sink(rule: "code_injection.java_runtime", confidence: 0.97, generic: false, bare: false)
            } else if qualifiers & (qOS | qSubprocess) != 0 {
                sink = Sink(rule: "code_injection.python_os", confidence: 0.93, generic: true)
            } else if qualifiers & (qKernel | qIO | qOpen3) != 0 {
                sink = Sink(rule: "code_injection.ruby_exec", confidence: 0.92, generic: true)
            } else if qualifiers & (qChildProcess | qRequire) != 0 {
                sink = Sink(rule: "code_injection.js_child_process", confidence: 0.93, generic: true)
            } else if name == "open" || name == "spawn" {
                // Ruby/Perl `open("|cmd")`: a pipe as the file name runs the command.
                let a = ExecBytes.skipSpaces(value, open + 1)
                if name == "open", a + 2 < value.endIndex,
                    value[a] == UInt8(ascii: "\"") || value[a] == UInt8(ascii: "'"), value[a + 1] == UInt8(ascii: "|"),
                    ExecBytes.isIdentStart(value[a + 2])
                {
                    best.consider(0.88, "code_injection.ruby_exec", start..<min(value.endIndex, open + 24))
                }
                return
            } else {
                sink = Sink(rule: "code_injection.exec_call", confidence: name == "system" ? 0.88 : 0.85, generic: true)
            }
        } else if sink.needs != 0, qualifiers & sink.needs == 0 {
            // `run(…)`, `call(…)` without their module are ordinary functions.
            if name == "popen" || name == "getoutput" {
                sink = Sink(rule: "code_injection.php_exec", confidence: 0.85, generic: true)
            } else {
                return
            }
        }
        // The first argument.
        let a = ExecBytes.skipSpaces(value, open + 1)
        guard a <= end else { return }
        let first: UInt8 = a < end ? value[a] : 0
        var argument = 0.0  // 1 = code-shaped, 0.4 = unclear
        switch first {
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "$"), UInt8(ascii: "@"),
            UInt8(ascii: "["):
            argument = 1
        case UInt8(ascii: ")"):
            argument = sink.bare ? 1 : 0.3
        case 0:
            argument = sink.bare ? 0.9 : 0.5
        default:
            if ExecBytes.isIdentStart(first) {
                // Another call or a chain (`eval(base64_decode(…))`, `system(chr(105).chr(100))`).
                var k = a
                while k < end, ExecBytes.isIdent(value[k]) || value[k] == UInt8(ascii: ".") { k += 1 }
                let after = ExecBytes.skipSpaces(value, k)
                if after < end, value[after] == UInt8(ascii: "(") || value[after] == UInt8(ascii: "[") {
                    argument = 1
                } else if after < end, value[after] == UInt8(ascii: ")") || value[after] == UInt8(ascii: ",") {
                    // A bare identifier: a variable in code, a word in prose.
                    argument = k - a >= 2 && value[a..<k].contains(UInt8(ascii: "_")) ? 0.7 : 0.45
                } else if after < end, value[after] == UInt8(ascii: ".") || value[after] == UInt8(ascii: "+") {
                    argument = 0.8
                } else {
                    argument = 0.3
                }
            } else if ExecBytes.isDigit(first) {
                argument = 0.4
            } else {
                argument = 0.3
            }
        }
        var confidence = sink.confidence * (sink.generic || sink.bare ? argument : max(argument, 0.9))
        if sink.generic, !closes(value, open: open) { confidence *= 0.6 }
        // Specific shapes.
        switch sink.rule {
        case "code_injection.js_require":
            let arg = value[a..<min(end, a + 40)]
            if ExecBytes.contains(arg, "child_process") {
                confidence = 0.95
            } else if ExecBytes.contains(arg, "'fs'") || ExecBytes.contains(arg, "\"fs\"")
                || ExecBytes.contains(arg, "'net'")
                || ExecBytes.contains(arg, "'os'") || ExecBytes.contains(arg, "\"os\"")
            {
                confidence =
                    ExecBytes.contains(value[a...], "readfile") || ExecBytes.contains(value[a...], "exec")
                        || ExecBytes.contains(value[a...], "writefile") ? 0.85 : 0.55
            } else {
                confidence = 0.3
            }
        case "code_injection.preg_replace_e":
            let args = value[a..<min(end, a + 120)]
            if ExecBytes.findExactly(args, "/e'") != nil || ExecBytes.findExactly(args, "/e\"") != nil
                || ExecBytes.findExactly(args, "/ie'") != nil || ExecBytes.findExactly(args, "/ei'") != nil
            {
                confidence = 0.9
            }
        case "code_injection.js_function":
            // `Function("return process")()` / `new Function('…')`: a string body.
            if first != UInt8(ascii: "'") && first != UInt8(ascii: "\"") && first != UInt8(ascii: "`") { return }
            confidence = ExecBytes.contains(value, "process") || ExecBytes.contains(value, "require") ? 0.92 : 0.7
        case "code_injection.ruby_send":
            let arg = value[a..<min(end, a + 20)]
            if ExecBytes.contains(arg, ":system") || ExecBytes.contains(arg, ":eval")
                || ExecBytes.contains(arg, ":exec")
                || ExecBytes.contains(arg, "'eval'") || ExecBytes.contains(arg, ":instance_eval")
            {
                confidence = 0.88
            }
        case "code_injection.java_reflection":
            if ExecBytes.contains(value, "java.lang.Runtime") || ExecBytes.contains(value, "ProcessBuilder")
                || ExecBytes.contains(value, "\"exec\"") || ExecBytes.contains(value, "'exec'")
            {
                confidence = 0.9
            }
        default: break
        }
        // Evaluating a decoded string is the classic webshell shape.
        if sink.rule == "code_injection.eval", argument == 1, first != UInt8(ascii: "'"), first != UInt8(ascii: "\"") {
            confidence = max(confidence, 0.85)
        }
        // A breakout before the call (`';system('id');//`, `".eval(…)."`), or a PHP tag.
        if confidence >= 0.5 {
            if phpTag { confidence += 0.07 }
            if let p = ExecBytes.previousNonSpace(value, start) {
                switch value[p] {
                case UInt8(ascii: ";"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "|"),
                    UInt8(ascii: "@"), UInt8(ascii: "="):
                    confidence += 0.05
                default: break
                }
            } else {
                confidence += 0.03
            }
        }
        best.consider(confidence, sink.rule, start..<min(end, open + 24))
    }

    /// A backtick string at `tick` whose first word is a known command (`` `id` ``, `` `cat /etc/passwd` ``).
    static func backtickCommand(_ value: ArraySlice<UInt8>, at tick: Int, start: Int, _ best: inout ExecBest) {
        let end = value.endIndex
        var k = tick + 1
        while k < end, ExecBytes.isIdent(value[k]) { k += 1 }
        guard k > tick + 1, k < end, value[k] == UInt8(ascii: "`") || value[k] == UInt8(ascii: " "),
            ShellVocabulary.lookup(value[(tick + 1)..<k]) != nil
        else { return }
        best.consider(0.88, "code_injection.backtick_exec", start..<min(end, k + 16))
    }

    /// Whether the call opened at `open` closes within 512 bytes (quotes respected).
    static func closes(_ value: ArraySlice<UInt8>, open: Int) -> Bool {
        var depth = 0
        var quote: UInt8 = 0
        var k = open
        while k < value.endIndex, k - open < 512 {
            let b = value[k]
            if quote != 0 {
                if b == UInt8(ascii: "\\") {
                    k += 2
                    continue
                }
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "`") {
                quote = b
            } else if b == UInt8(ascii: "(") {
                depth += 1
            } else if b == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return true }
            }
            k += 1
        }
        return false
    }

    /// The callee's last segment, lowercased (short names only; `""` otherwise).
    static func lastSegmentLower(_ value: ArraySlice<UInt8>, start: Int, open: Int) -> String {
        var e = open
        while e > start, Bytes.isSpace(value[e - 1]) { e -= 1 }
        var s = e
        while s > start, ExecBytes.isIdent(value[s - 1]) { s -= 1 }
        guard e - s <= 16 else { return "" }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(e - s)
        for byte in value[s..<e] { bytes.append(Bytes.lower(byte)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
