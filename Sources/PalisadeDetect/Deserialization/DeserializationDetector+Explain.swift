extension DeserializationDetector {
    /// Why the value reads as a serialized object — for `palisade scan --explain`: the verdict, the
    /// format recognised and the magic or structure it was recognised by, and the gadget classes the
    /// value names.
    public static func explain(_ value: ArraySlice<UInt8>, fieldName: String? = nil) -> [String] {
        let finding = analyze(value, fieldName: fieldName)
        var lines = [ExplainText.verdict("deserialization", finding, in: value)]
        if let finding {
            let format = formatNames[finding.rule] ?? finding.rule
            lines.append(
                "format: \(format), recognised by "
                    + ExplainText.show(ExplainText.slice(value, finding.range), limit: 40))
        }
        var gadgets: [String] = []
        for (list, strength) in [(strongGadgets, "strong"), (weakGadgets, "weak")] {
            for name in list where gadgets.count < 6 && ExecBytes.findExactly(value, name) != nil {
                gadgets.append("`\(name)` (\(strength))")
            }
        }
        if !gadgets.isEmpty { lines.append("gadget classes: " + gadgets.joined(separator: ", ")) }
        return lines
    }

    /// What each rule recognised.
    static let formatNames: [String: String] = [
        "deserialization.java_stream": "Java serialization stream (magic AC ED 00 05, raw or Base64 rO0AB)",
        "deserialization.java_stream_base64": "Java serialization stream in Base64 (rO0AB)",
        "deserialization.pickle_base64": "Python pickle in Base64",
        "deserialization.java_stream_hex": "Java serialization stream written in hex (aced0005)",
        "deserialization.dotnet_binaryformatter": ".NET BinaryFormatter header",
        "deserialization.pickle": "Python pickle opcodes",
        "deserialization.ruby_marshal": "Ruby Marshal (04 08) naming Ruby gadget classes",
        "deserialization.php_object": "PHP serialized object O:<len>:\"<class>\" with a matching length",
        "deserialization.phar_wrapper": "PHP phar:// wrapper (metadata deserialized on file access)",
        "deserialization.yaml_java": "YAML tag constructing a Java object",
        "deserialization.yaml_python": "YAML tag constructing a Python object",
        "deserialization.yaml_ruby": "YAML tag constructing a Ruby object",
        "deserialization.typed_json": "polymorphic JSON with a type key naming a class",
        "deserialization.java_xmldecoder": "java.beans.XMLDecoder object graph",
        "deserialization.xstream": "XStream XML object graph",
        "deserialization.xaml_objectdataprovider": "XAML ObjectDataProvider object graph",
        "deserialization.node_serialize": "node-serialize function marker _$$ND_FUNC$$_",
        "deserialization.gzip_blob": "gzip-compressed serialized blob (H4sI)",
        "deserialization.gadget_name": "a gadget class name without a serialization format",
    ]
}
