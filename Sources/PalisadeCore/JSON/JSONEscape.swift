/// JSON string escapes, shared by every reader of JSON text (JSONReader, JSONFlattener, the
/// mirror's capture-line reader) so they agree on what an escape means.
public enum JSONEscape {
    /// The byte a one-character escape stands for (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`
    /// — the byte after the backslash); nil for `u` (four hex digits follow) and for escapes JSON
    /// does not have.
    @inlinable
    public static func simple(_ escaped: UInt8) -> UInt8? {
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escaped
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }
}
