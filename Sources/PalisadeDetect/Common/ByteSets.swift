import PalisadeCore

extension ByteSet {
    /// Whitespace as the lenient parsers the detectors model read it: ASCII space, tab, LF, CR,
    /// VT and FF, and 0xA0 (U+00A0's second byte, and NBSP in Latin-1).
    static let whitespace = ByteSet(" \t\n\r\u{0B}\u{0C}", extra: [0xA0])
}
