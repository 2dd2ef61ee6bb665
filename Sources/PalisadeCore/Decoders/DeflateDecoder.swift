/// Deflate data: zlib-wrapped (RFC 1950) when sniffed; for `Content-Encoding: deflate`
/// (declared) zlib first, then raw deflate (RFC 1951), which some servers send instead.
///
/// Sniffed values need a valid zlib header (CM 8, window ≤ 32 KiB, header check, no preset
/// dictionary) and must inflate to something without a data error. Limits as for gzip.
public struct DeflateDecoder: ValueDecoder {
    public let name = "deflate"
    public let isContainer = false
    /// A zlib CMF byte (method 8, window ≤ 32 KiB).
    public var sniffGate: SniffGate {
        SniffGate(first: ByteSet(where: { $0 & 0x0F == 8 && $0 >> 4 <= 7 }), minCount: 6)
    }

    public init() {}

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        let zlib = Self.hasZlibHeader(input)
        guard context.declared else {
            guard zlib else { return nil }
            return BoundedInflation.run(input, format: .zlib, label: name, rejectCorrupt: true, budget: &budget)?
                .decoded
        }
        guard !input.isEmpty else { return nil }
        if zlib {
            let inflation = BoundedInflation.run(input, format: .zlib, label: name, budget: &budget)
            // Not zlib after all (a raw stream whose first bytes pass the header check)?
            if !(inflation.ending == .corrupt && inflation.bytes.isEmpty) { return inflation.decoded }
        }
        return BoundedInflation.run(input, format: .raw, label: name, budget: &budget).decoded
    }

    /// CMF/FLG: compression method 8, window size ≤ 32 KiB, `(CMF·256 + FLG) mod 31 = 0`, and no
    /// preset dictionary (we have none to offer).
    static func hasZlibHeader(_ input: ArraySlice<UInt8>) -> Bool {
        guard input.count >= 6 else { return false }
        let cmf = input[input.startIndex]
        let flg = input[input.startIndex + 1]
        return cmf & 0x0F == 8 && cmf >> 4 <= 7 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0 && flg & 0x20 == 0
    }
}
