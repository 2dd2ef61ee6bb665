import Testing
import PalisadeDetect

@Suite struct ScratchTests {
    @Test func sqliCorpus() {
        let d = SQLiDetector()
        var missed = 0
        let values = Corpus.load("sqli.txt")
        for v in values {
            let f = SQLiDetector.analyze(Array(v.utf8)[...])
            if (f?.confidence ?? 0) < 0.6 { missed += 1; print("MISS \(f?.confidence ?? 0) \(f?.rule ?? "-") | \(v)") }
        }
        print("sqli missed \(missed)/\(values.count)")
        _ = d
    }
}
