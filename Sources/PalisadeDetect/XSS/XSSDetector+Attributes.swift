/// The attribute reading: new event-handler attributes written into an existing tag.
extension XSSDetector {
    // Attribute injection without a tag

    /// `" onmouseover="alert(1)`, `' autofocus onfocus=alert(1) x='`, ` onload=alert(1)`:
    /// a new event-handler attribute written into an existing tag.
    static func scanInjectedHandlers(_ v: ArraySlice<UInt8>, _ best: inout Best) {
        let end = v.endIndex
        var i = v.startIndex
        var quoteBefore = false
        let firstContent = v.firstIndex { !Bytes.isSpace($0) } ?? end
        var examined = 0
        while i + 4 < end, examined < 256 {
            let b = v[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "`") { quoteBefore = true }
            guard b | 0x20 == UInt8(ascii: "o"), v[i + 1] | 0x20 == UInt8(ascii: "n") else {
                i += 1
                continue
            }
            let prev: UInt8 = i > v.startIndex ? v[i - 1] : 0x20
            guard
                Bytes.isSpace(prev) || prev == UInt8(ascii: "/") || prev == UInt8(ascii: "\"")
                    || prev == UInt8(ascii: "'") || prev == UInt8(ascii: "`") || prev == 0
            else {
                i += 1
                continue
            }
            var j = i + 2
            while j < end, isLetter(v[j]) { j += 1 }
            let event = v[(i + 2)..<j]
            var k = j
            while k < end, Bytes.isSpace(v[k]) { k += 1 }
            guard k < end, v[k] == UInt8(ascii: "="), XSSVocabulary.isEvent(event) else {
                i = max(j, i + 1)
                continue
            }
            examined += 1
            k += 1
            while k < end, Bytes.isSpace(v[k]) { k += 1 }
            if k < end, v[k] == UInt8(ascii: "\"") || v[k] == UInt8(ascii: "'") { k += 1 }
            // The handler body: up to 256 bytes.
            let bodyEnd = min(end, k + 256)
            let body = v[k..<bodyEnd]
            let jsLike =
                body.contains(UInt8(ascii: "(")) || body.contains(UInt8(ascii: "`"))
                || body.contains(UInt8(ascii: "=")) || body.contains(UInt8(ascii: ";"))
                || XSSScanner.mentionsSink(body)
            let atStart = i <= firstContent
            // A handler calling a sink (alert, eval, fetch, location…) is an attack wherever it
            // sits; other code is convincing only right after a quote or as the whole value
            // (prose about `onclick=handler()` stays below the default threshold).
            let sink =
                XSSScanner.mentionsSink(body) || containsCall(body)
                || Bytes.containsIgnoringCase(body, "location") || Bytes.containsIgnoringCase(body, "javascript:")
            let c: Double
            if jsLike && sink {
                c = quoteBefore ? 0.9 : atStart ? 0.85 : 0.8
            } else if jsLike {
                c = quoteBefore ? 0.8 : atStart ? 0.7 : 0.5
            } else {
                c = body.isEmpty ? 0.3 : 0.45
            }
            best.consider(c, "xss.attribute_injection", i..<min(end, k + 40))
            i = j
        }
    }
}
