import Testing

@testable import PalisadeCore

/// Hand-built protobuf wire bytes for the protobuf and gRPC suites.
enum ProtobufBytes {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    static func tag(_ number: Int, _ wireType: Int) -> [UInt8] { varint(UInt64(number) << 3 | UInt64(wireType)) }
    static func field(_ number: Int, varint value: UInt64) -> [UInt8] { tag(number, 0) + varint(value) }
    static func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
        tag(number, 2) + varint(UInt64(bytes.count)) + bytes
    }
    static func field(_ number: Int, string: String) -> [UInt8] { field(number, bytes: Array(string.utf8)) }
    static func field(_ number: Int, fixed64 value: UInt64) -> [UInt8] {
        tag(number, 1) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
    static func field(_ number: Int, fixed32 value: UInt32) -> [UInt8] {
        tag(number, 5) + (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }
    static func group(_ number: Int, _ content: [UInt8]) -> [UInt8] { tag(number, 3) + content + tag(number, 4) }
}

@Suite struct ProtobufDecoderTests {
    typealias F = BinaryFixtures
    typealias P = ProtobufBytes
    let decoder = ProtobufDecoder()

    func decode(_ bytes: [UInt8], declared: Bool = true, budget: inout DecodeBudget) -> Decoded? {
        decoder.decode(bytes[...], context: F.context(declared: declared), budget: &budget)
    }

    func decode(_ bytes: [UInt8], declared: Bool = true) -> Decoded? {
        var budget = F.budget()
        return decode(bytes, declared: declared, budget: &budget)
    }

    /// (path, value, kind) of every child, in order.
    func summary(_ decoded: Decoded?) -> [String] {
        (decoded?.children ?? []).map { child in
            let value =
                child.kind == .binary
                ? child.value.map { String($0, radix: 16) }.joined(separator: " ")
                : String(decoding: child.value, as: UTF8.self)
            return "\(child.path)=\(value) (\(child.kind))"
        }
    }

    static let sample: [UInt8] =
        P.field(1, varint: 150) + P.field(2, string: "hello")
        + P.field(3, bytes: P.field(1, string: "' OR 1=1--") + P.field(2, varint: 7))
        + P.field(4, string: "a") + P.field(4, string: "b")
        + P.field(5, fixed32: 0xDEAD_BEEF) + P.field(6, fixed64: 0x0102_0304_0506_0708)
        + P.field(7, varint: UInt64.max) + P.field(8, bytes: [0xFF, 0x00, 0xFE])
        + P.field(536_870_911, string: "max field")

    @Test func decodesFieldsNestedMessagesAndRepeatedFields() {
        let decoded = decode(Self.sample)
        #expect(
            summary(decoded) == [
                ".1=150 (number)", ".2=hello (text)", ".3.1=' OR 1=1-- (text)", ".3.2=7 (number)", ".4=a (text)",
                ".4=b (text)", ".5=3735928559 (number)", ".6=72623859790382856 (number)",
                ".7=18446744073709551615 (number)", ".8=ff 0 fe (binary)", ".536870911=max field (text)",
            ])
        #expect(decoded?.annotations.isEmpty == true)
        #expect(decoded?.children[2].fieldName == "1")
    }

    @Test func printableBytesAreTextEvenWhenTheyParseAsAMessage() {
        // `(A` is field 5 = 65 on the wire, and text first.
        #expect(summary(decode(P.field(1, string: "(A"))) == [".1=(A (text)"])
    }

    @Test func shortNestedMessagesAreMessagesThoughMostlyPrintable() {
        // `0a 0c` + 12 printable bytes: 93% printable, but the form feed is a control character.
        let decoded = decode(P.field(3, bytes: P.field(1, string: "id; rm -rf /")))
        #expect(summary(decoded) == [".3.1=id; rm -rf / (text)"])
    }

    @Test func nestedMessageIndistinguishableFromTextStaysText() {
        // `0a 20` + 32 printable bytes reads as "\n " + text: valid both ways, text wins, and
        // the string is still there to judge.
        let string = String(repeating: "x", count: 30) + "--"
        let decoded = decode(P.field(3, bytes: P.field(1, string: string)))
        #expect(summary(decoded) == [".3=\n \(string) (text)"])
    }

    @Test func emptyLengthDelimitedIsEmptyText() {
        #expect(summary(decode(P.field(1, bytes: []) + P.field(2, varint: 0))) == [".1= (text)", ".2=0 (number)"])
    }

    @Test func groupsAreReadAsNestedMessages() {
        let bytes =
            P.group(1, P.field(2, string: "in group") + P.group(3, P.field(4, varint: 9))) + P.field(5, varint: 1)
        #expect(summary(decode(bytes)) == [".1.2=in group (text)", ".1.3.4=9 (number)", ".5=1 (number)"])
        // End tag of another group, or none at all: invalid. Declared, the fields read before
        // are kept; sniffed, nothing is claimed.
        for bytes in [P.tag(1, 3) + P.field(2, varint: 1) + P.tag(2, 4), P.tag(1, 3) + P.field(2, varint: 1)] {
            let decoded = decode(bytes)
            #expect(summary(decoded) == [".1.2=1 (number)"])
            #expect(decoded?.annotations.map(\.code) == [.malformed])
            #expect(decode(bytes, declared: false) == nil)
        }
        #expect(decode(P.tag(1, 4)) == nil)
        #expect(decode(P.tag(1, 4), declared: false) == nil)
    }

    @Test func nestedGroupsCostOnePass() {
        var message = Array([[UInt8]](repeating: P.field(1, varint: 1), count: 400_000).joined())
        for _ in 0..<60 { message = P.group(1, message) }
        for declared in [true, false] {
            var budget = F.budget()
            let clock = ContinuousClock()
            var decoded: Decoded?
            let elapsed = clock.measure { decoded = decode(message, declared: declared, budget: &budget) }
            #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
            #expect(decoded?.children.count == 4096)
            #expect(decoded?.children.first?.path == String(repeating: ".1", count: 61))
        }
    }

    @Test func groupsBeyondTheStructureLimitAreSkipped() {
        var message = P.field(2, varint: 5)
        for _ in 0..<10 { message = P.group(1, message) }
        message += P.field(3, varint: 6)
        var budget = F.budget(maxStructureDepth: 4)
        let decoded = decode(message, budget: &budget)
        #expect(summary(decoded) == [".3=6 (number)"])
        #expect(decoded?.annotations.map(\.code) == [.limitStructureDepth])
        #expect(budget.hits == [.structureDepth])
    }

    @Test func sniffsBinaryMessagesOnly() {
        let decoded = decode(Self.sample, declared: false)
        #expect(summary(decoded).count == 11)
        #expect(decode(Array("hello world".utf8), declared: false) == nil)
        #expect(decode(Array("(A".utf8), declared: false) == nil)  // parses, but is text
        #expect(decode(Array("(A(A(A(A(A(A(A".utf8), declared: false) == nil)
        #expect(decode([0x08], declared: false) == nil)
        #expect(decode(P.field(1, string: "x") + [0x12], declared: false) == nil)  // incomplete
        for seed in UInt64(1)...100 {
            #expect(decode(F.noise(64, seed: seed), declared: false) == nil)
        }
    }

    @Test(
        arguments: [
            ("field number 0", [0x02, 0x01, 0x41]),
            ("field number 2^29", P.tag(536_870_912, 0) + [0x01]),
            ("tag beyond 32 bits", P.varint(UInt64(1) << 35) + [0x01]),
            ("varint of 11 bytes", [0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01]),
            ("varint overflowing 64 bits", [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02]),
            ("varint cut short", [0x08, 0xFF, 0xFF]),
            ("length 2^63", P.tag(1, 2) + P.varint(UInt64(1) << 63) + [0x41, 0x42]),
            ("length beyond input", P.tag(1, 2) + P.varint(10) + [0x41, 0x42]),
            ("fixed64 cut short", P.tag(1, 1) + [1, 2, 3]),
            ("fixed32 cut short", P.tag(1, 5) + [1, 2, 3]),
            ("wire type 6", P.tag(1, 6) + [1]),
            ("wire type 7", P.tag(1, 7) + [1]),
        ] as [(String, [UInt8])])
    func rejectsInvalidWireData(_ label: String, _ bytes: [UInt8]) {
        #expect(decode(bytes) == nil, "\(label)")
        #expect(decode(bytes, declared: false) == nil, "\(label)")
        // After a valid field, declared: the field is kept and the rest annotated.
        let prefixed = P.field(1, varint: 42) + bytes
        let decoded = decode(prefixed)
        #expect(summary(decoded) == [".1=42 (number)"], "\(label)")
        #expect(decoded?.annotations == [Annotation(.malformed, detail: "protobuf: invalid field at byte 2", value: 2)])
    }

    @Test func hugeLengthInANestedFieldMakesItBinary() {
        let inner = P.tag(1, 2) + P.varint(UInt64(1) << 63) + [0x41]
        #expect(summary(decode(P.field(1, bytes: inner))) == [".1=a 80 80 80 80 80 80 80 80 80 1 41 (binary)"])
    }

    @Test func tenThousandDeepNestingStopsAtTheStructureLimit() {
        var message = P.field(2, string: "deep")
        for _ in 0..<10_000 { message = P.field(2, bytes: message) }
        var budget = F.budget()
        let clock = ContinuousClock()
        var decoded: Decoded?
        let elapsed = clock.measure { decoded = decode(message, budget: &budget) }
        #expect(elapsed < .seconds(10))  // a hang guard, not a speed test
        #expect(decoded?.children.isEmpty == true)
        #expect(decoded?.annotations == [Annotation(.limitStructureDepth, detail: "protobuf", value: 64)])
        #expect(budget.hits == [.structureDepth])
    }

    @Test func nestingUpToTheLimitIsDecoded() {
        var message = P.field(2, string: "deep")
        for _ in 0..<3 { message = P.field(2, bytes: message) }
        var budget = F.budget(maxStructureDepth: 4)
        #expect(summary(decode(message, budget: &budget)) == [".2.2.2.2=deep (text)"])
        #expect(budget.hits.isEmpty)
        message = P.field(2, bytes: message) + P.field(3, varint: 1)
        budget = F.budget(maxStructureDepth: 4)
        let decoded = decode(message, budget: &budget)
        #expect(summary(decoded) == [".3=1 (number)"])
        #expect(decoded?.annotations.map(\.code) == [.limitStructureDepth])
    }

    @Test func deeplyNestedGroupsAreRejectedCleanly() {
        var message = P.field(1, varint: 1)
        for _ in 0..<10_000 { message = P.group(1, message) }
        #expect(decode(message) == nil)
    }

    @Test func manyFieldsStopAtThePointLimit() {
        let bytes = Array([[UInt8]](repeating: P.field(1, varint: 1), count: 5_000).joined())
        var budget = F.budget()
        let decoded = decode(bytes, budget: &budget)
        #expect(decoded?.children.count == DecodeLimits().maxPoints)
        #expect(decoded?.annotations == [Annotation(.limitPoints, detail: "protobuf", value: 4096)])
        #expect(budget.hits == [.points])
    }

    @Test func bytesComeFromTheBudget() {
        var budget = F.budget(maxDecodedBytes: 10)
        let decoded = decode(P.field(1, string: "12345678") + P.field(2, string: "abcdef"), budget: &budget)
        #expect(summary(decoded) == [".1=12345678 (text)"])
        #expect(decoded?.annotations == [Annotation(.limitBytes, detail: "protobuf", value: 6)])
        #expect(budget.hits == [.bytes])
    }

    @Test func hostileBytesNeverTrap() {
        for seed in UInt64(1)...300 {
            let noise = F.noise(Int(seed % 200), seed: seed)
            _ = decode(noise)
            _ = decode(noise, declared: false)
            _ = decode(P.field(1, bytes: noise) + noise)
        }
    }
}
