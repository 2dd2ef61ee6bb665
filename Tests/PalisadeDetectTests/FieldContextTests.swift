import Testing

@testable import PalisadeDetect

/// Context gates: delay functions in prose are not time-based SQLi, and command-named fields
/// (`cmd`, `exec`, `shell`…) need less evidence for RCE — both ways, at default sensitivity.
@Suite struct FieldContextTests {
    @Test(arguments: [
        "1' AND SLEEP(5)--", "1;SELECT pg_sleep(5)", "'||(SELECT sleep(5))||'",
        "1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)",
        "BENCHMARK(1000000,MD5(1))", "WAITFOR DELAY '0:0:5'", "sleep(5)", "1 and sleep(5)", "' AND SLEEP(5) AND '1'='1",
        "1; sleep(5)", "1) AND SLEEP(5) AND (1337=1337",
    ])
    func delayPayloadsFire(_ value: String) {
        #expect(Corpus.fires(value, detector: SQLiDetector()), "\(SQLiDetector.explain(Array(value.utf8)[...]))")
    }

    @Test(arguments: [
        ("comment", "I need to sleep(5) hours"), ("review", "wait(2) minutes before the doors open"),
        ("description", "Call sleep(5) between retries"),
        ("comment", "The function returns true; sleep(100) is just for the demo"),
        ("review", "The baby finally sleeps; sleep(4) hours straight and we're happy"),
        ("q", "how many hours should I sleep(8) or 9"),
    ])
    func delayInProseIsQuiet(_ field: String, _ value: String) {
        #expect(
            !Corpus.fires(value, detector: SQLiDetector(), field: field),
            "\(SQLiDetector.explain(Array(value.utf8)[...]))")
    }

    @Test(arguments: [
        ("cmd", "cat /etc/passwd"), ("cmd", "ls -la /tmp"), ("command", "ping -c 1 example.com"), ("exec", "uname -a"),
        ("shell", "id -u"), ("script", "curl -s http://198.51.100.7/a"), ("runCmd", "whoami > /tmp/o"),
    ])
    func commandFieldFires(_ field: String, _ value: String) {
        #expect(Corpus.fires(value, detector: RCEDetector(), field: field))
        // In an ordinary field the same command line alone stays under the default threshold.
        if value != "cat /etc/passwd" { #expect(!Corpus.fires(value, detector: RCEDetector(), field: "name")) }
    }

    @Test(arguments: [
        ("command", "create"), ("cmd", "save"), ("cmd", "list"), ("exec", "true"), ("command", "run the tests"),
        ("cmd", "find my order"), ("command", "ping me when you are back"), ("script", "make it shorter"),
        ("cmd", "sort by date"),
    ])
    func commandFieldWordsAreQuiet(_ field: String, _ value: String) {
        #expect(!Corpus.fires(value, detector: RCEDetector(), field: field))
    }

    @Test func commandFieldNames() {
        for name in ["cmd", "command", "exec", "shell", "script", "runCmd", "shell_command", "CMDLINE", "ßcmd"] {
            #expect(FieldProfile.isCommand(name), "\(name)")
        }
        for name in ["q", "comment", "name", "id", "commentary", nil] as [String?] {
            #expect(!FieldProfile.isCommand(name), "\(name ?? "nil")")
        }
    }
}
