import Testing

@testable import PalisadeCore

@Suite struct PercentPairTests {
    /// The pairs of `text` read the plain way: split at `separator` (empty pieces dropped), the
    /// name up to the first `=`, the value after it (nil without `=`).
    static func splitPairs(_ text: [UInt8], separator: UInt8) -> [([UInt8], [UInt8]?)] {
        text.split(separator: separator, omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return (Array(pair), nil) }
            return (Array(pair[..<equals]), Array(pair[(equals + 1)...]))
        }
    }

    static func iteratedPairs(_ text: [UInt8], separator: UInt8, stopAfter: Int = .max) -> [([UInt8], [UInt8]?)] {
        var pairs: [([UInt8], [UInt8]?)] = []
        text.withUnsafeBufferPointer { bytes in
            Percent.forEachPair(in: bytes, separator: separator) { name, value in
                pairs.append((Array(name), value.map { Array($0) }))
                return pairs.count < stopAfter
            }
        }
        return pairs
    }

    static func same(_ a: [([UInt8], [UInt8]?)], _ b: [([UInt8], [UInt8]?)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    @Test("forEachPair: raw names and values, empty pairs skipped, nil value without `=`")
    func examples() {
        let pairs = Self.iteratedPairs(Array("&a=1&&b&=c&d==2&%41=%zz&".utf8), separator: UInt8(ascii: "&"))
        #expect(pairs.map { String(decoding: $0.0, as: UTF8.self) } == ["a", "b", "", "d", "%41"])
        #expect(pairs.map { $0.1.map { String(decoding: $0, as: UTF8.self) } } == ["1", nil, "c", "=2", "%zz"])
        #expect(Self.iteratedPairs([], separator: UInt8(ascii: "&")).isEmpty)
        // Stops when the body says so.
        #expect(Self.iteratedPairs(Array("a=1&b=2&c=3".utf8), separator: UInt8(ascii: "&"), stopAfter: 2).count == 2)
    }

    @Test("forEachPair agrees with splitting over generated queries and cookies")
    func generated() {
        var random = SplitMix64(seed: 11)
        let pieces = ["&", ";", "=", "==", "&&", ";;", "a", "key", "%41", "%", "+", "é", "☃", " ", "\u{0}", "x=y"]
        for _ in 0..<4_000 {
            let text = (0..<Int(random.next() % 10)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined()
            let bytes = Array(text.utf8)
            for separator in [UInt8(ascii: "&"), UInt8(ascii: ";")] {
                #expect(
                    Self.same(
                        Self.iteratedPairs(bytes, separator: separator), Self.splitPairs(bytes, separator: separator)),
                    "\(text)")
            }
        }
    }
}
