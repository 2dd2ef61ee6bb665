/// XML (hand-written, lenient; no library): elements, attributes, text, CDATA, comments,
/// processing instructions and the DOCTYPE with its internal subset. Nothing is ever resolved or
/// fetched: entity declarations are counted and reported, entity references other than the five
/// predefined ones and character references are left verbatim (`&xxe;`).
///
/// Children (paths are a contract, built with `LocationPath.key`):
/// - text of an element (CDATA included, references decoded) at the element's path from the root,
///   `<a><b>x</b><b>y</b></a>` → `.a.b`="x", `.a.b`="y". A text run is the character data between
///   two tags; comments and PIs inside it do not split it (`SEL<!---->ECT` → "SELECT"), so a
///   payload cannot be hidden by splitting it around a comment. Whitespace-only runs are skipped.
/// - attributes at `<element path>@name` (`.a.b@id`), comments at `<element path>#comment`,
///   processing instructions at `<element path>?target` (kind `.markup`, the whole PI; the
///   `<?xml …?>` declaration is skipped), the DOCTYPE at `!doctype` (kind `.markup`, its text up
///   to `XMLScanner.maxDoctypeBytes`). Before and after the root, the element path is empty.
///
/// Sniffed values are claimed only when they start (after whitespace/BOM) with `<?xml`,
/// `<!DOCTYPE` or `<` + a name, are well-formed (one root, balanced tags, quoted attributes,
/// nothing unterminated) and — unless they start with `<?xml`/`<!DOCTYPE` — their root is not an
/// HTML element name, so that HTML-ish XSS payloads stay plain text for the XSS detector, nor an
/// Edge Side Includes or XSLT element (`esi:`, `xsl:`), so that the code-injection detector reads
/// the directive whole (`<esi:include src=…/>`, `<xsl:value-of select="system-property(…)"/>`).
/// Declared values are parsed leniently: problems are reported with one `.malformed` annotation
/// (detail: the first problem, value: how many), unclosed elements are closed at the end; nil
/// only when there is no element at all.
public struct XMLFieldDecoder: ValueDecoder {
    public let name = "xml"
    public let isContainer = true
    /// `<` after whitespace, or a byte-order mark.
    public var sniffGate: SniffGate { SniffGate(firstNonSpace: ByteSet([UInt8(ascii: "<"), 0xEF])) }

    public init() {}

    /// Whether an element name is in the `esi:` or `xsl:` prefix (any case).
    static func isDirectivePrefix(_ name: ArraySlice<UInt8>) -> Bool {
        name.count > 4 && (Bytes.hasPrefixIgnoringCase(name, "esi:") || Bytes.hasPrefixIgnoringCase(name, "xsl:"))
    }

    public func decode(_ input: ArraySlice<UInt8>, context: DecodeContext, budget: inout DecodeBudget) -> Decoded? {
        // Cheap rejection: a sniffed value must start with `<` (after a BOM and whitespace).
        var start = input.startIndex
        if input.count >= 3, input[start] == 0xEF, input[start + 1] == 0xBB, input[start + 2] == 0xBF {
            start += 3
        }
        while start < input.endIndex, Bytes.isSpace(input[start]) { start += 1 }
        let body = input[start...]
        if context.declared {
            guard body.contains(UInt8(ascii: "<")) else { return nil }
        } else {
            guard body.first == UInt8(ascii: "<"), let prologue = XMLScanner.sniffPrologue(body) else { return nil }
            if case .element(let name) = prologue,
                HTMLElementNames.contains(localName: name) || Self.isDirectivePrefix(name)
            {
                return nil
            }
        }
        var scanner = XMLScanner(
            input: body, strict: !context.declared, maxDepth: budget.limits.maxStructureDepth,
            maxChildren: budget.limits.maxPoints, maxBytes: budget.remainingBytes)
        scanner.run()
        if scanner.failed || scanner.elementCount == 0 { return nil }
        // Accepted: charge the budget for what was produced and record the limits that cut it.
        _ = budget.consume(scanner.outputBytes)
        if scanner.bytesCut { budget.hit(.bytes) }
        if scanner.pointsCut { budget.hit(.points) }
        if scanner.depthCut { budget.hit(.structureDepth) }
        return Decoded(children: scanner.children, annotations: scanner.finishAnnotations())
    }
}

extension AnnotationCode {
    /// A DOCTYPE names an external subset (`<!DOCTYPE x SYSTEM "…">`): a fetch by a naive parser.
    /// Reported with `.xmlExternalEntity` too (the external subset is an external parameter entity);
    /// this code only tells the two apart. Detail: the system id excerpt.
    public static let xmlExternalDTD: AnnotationCode = "xml.external_dtd"
}
