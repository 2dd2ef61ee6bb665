import Foundation
import Yams

/// Layered configuration for a role: documented defaults < YAML file < environment
/// (`PALISADE_<KEY>`) < command-line overrides. Keys are flat, dotted and snake_case with units
/// in the names (`mirror.max_body_bytes`, `worker.poll_timeout_ms`). Unknown keys in the file are
/// errors (typos must not silently fall back to defaults).
public struct Settings: Sendable {
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case defaults
        case file(String)
        case environment(String)
        case flag

        public var description: String {
            switch self {
            case .defaults: "default"
            case .file(let path): "config file \(path)"
            case .environment(let name): "environment variable \(name)"
            case .flag: "command-line flag"
            }
        }
    }

    /// A configuration problem, naming the key and where its value came from.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var origin: Origin
        public var reason: String
        public var description: String { "\(key) (from \(origin)): \(reason)" }

        public init(key: String, origin: Origin, reason: String) {
            self.key = key
            self.origin = origin
            self.reason = reason
        }
    }

    /// A documented setting: its key, default and what it means (for `--help`-style listings).
    public struct Definition: Sendable {
        public var key: String
        public var defaultValue: String
        public var help: String
        /// Secret values are never echoed (tokens, passwords).
        public var secret: Bool

        public init(_ key: String, default defaultValue: String, _ help: String, secret: Bool = false) {
            self.key = key
            self.defaultValue = defaultValue
            self.help = help
            self.secret = secret
        }
    }

    public private(set) var values: [String: (value: String, origin: Origin)] = [:]
    public let definitions: [String: Definition]

    /// Resolves settings from all layers. `environment` is usually `ProcessEnvironment.current`.
    public init(
        definitions: [Definition], yaml: String? = nil, yamlPath: String = "config",
        environment: [String: String] = [:],
        overrides: [String: String] = [:]
    ) throws(Error) {
        var byKey: [String: Definition] = [:]
        for definition in definitions { byKey[definition.key] = definition }
        self.definitions = byKey
        for definition in definitions where !definition.key.hasSuffix(".*") {
            values[definition.key] = (definition.defaultValue, .defaults)
        }
        if let yaml {
            for (key, value) in try Self.flatten(yaml: yaml, path: yamlPath) {
                guard Self.isKnown(key, byKey) else {
                    throw Error(key: key, origin: .file(yamlPath), reason: "unknown setting")
                }
                values[key] = (value, .file(yamlPath))
            }
        }
        for definition in definitions {
            if definition.key.hasSuffix(".*") {
                // A passthrough: `kafka.properties.*` takes PALISADE_KAFKA_PROPERTIES_SECURITY_PROTOCOL
                // as `kafka.properties.security.protocol` (`_` → `.`, lower-cased, as librdkafka
                // property names use dots only).
                let prefix = String(definition.key.dropLast(2))
                let namePrefix = Self.environmentName(prefix) + "_"
                for (name, value) in environment where name.hasPrefix(namePrefix) && name.count > namePrefix.count {
                    let rest = name.dropFirst(namePrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
                    values[prefix + "." + rest] = (value, .environment(name))
                }
                continue
            }
            let name = Self.environmentName(definition.key)
            if let value = environment[name] { values[definition.key] = (value, .environment(name)) }
        }
        for (key, value) in overrides {
            guard Self.isKnown(key, byKey) else { throw Error(key: key, origin: .flag, reason: "unknown setting") }
            values[key] = (value, .flag)
        }
    }

    /// A key is known when defined, or under a passthrough prefix defined as `prefix.*`.
    static func isKnown(_ key: String, _ definitions: [String: Definition]) -> Bool {
        if definitions[key] != nil { return true }
        var prefix = Substring(key)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            if definitions[prefix + ".*"] != nil { return true }
        }
        return false
    }

    /// `mirror.max_body_bytes` → `PALISADE_MIRROR_MAX_BODY_BYTES`.
    public static func environmentName(_ key: String) -> String {
        "PALISADE_" + String(key.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    public func string(_ key: String) -> String {
        values[key]?.value ?? ""
    }

    public func optionalString(_ key: String) -> String? {
        let value = string(key)
        return value.isEmpty ? nil : value
    }

    public func origin(_ key: String) -> Origin { values[key]?.origin ?? .defaults }

    public func int(_ key: String, range: ClosedRange<Int>? = nil) throws(Error) -> Int {
        let raw = string(key).replacingOccurrences(of: "_", with: "")
        guard let value = Int(raw) else {
            throw Error(key: key, origin: origin(key), reason: "expected an integer, got '\(string(key))'")
        }
        if let range, !range.contains(value) {
            throw Error(
                key: key, origin: origin(key), reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    public func bool(_ key: String) throws(Error) -> Bool {
        switch string(key).lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off", "": return false
        default: throw Error(key: key, origin: origin(key), reason: "expected true or false, got '\(string(key))'")
        }
    }

    /// A comma-separated list (YAML sequences are flattened to this form).
    public func list(_ key: String) -> [String] {
        string(key).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Settings under a prefix with the prefix removed (`kafka.properties.` passthrough).
    public func subtree(_ prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, entry) in values where key.hasPrefix(prefix) && !entry.value.isEmpty {
            out[String(key.dropFirst(prefix.count))] = entry.value
        }
        return out
    }

    /// The effective configuration with secrets masked, for `--print-config` and startup logs.
    public func redactedDescription() -> String {
        values.keys.sorted().map { key in
            let entry = values[key]!
            let shown = isSecret(key) && !entry.value.isEmpty ? "********" : entry.value
            return "\(key) = \(shown)    # \(entry.origin)"
        }.joined(separator: "\n")
    }

    /// Whether `key` is secret: its definition says so, or the passthrough (`prefix.*`) it falls under.
    func isSecret(_ key: String) -> Bool {
        if let definition = definitions[key] { return definition.secret }
        var prefix = Substring(key)
        while let dot = prefix.lastIndex(of: ".") {
            prefix = prefix[..<dot]
            if let definition = definitions[prefix + ".*"] { return definition.secret }
        }
        return false
    }

    /// Flattens a YAML mapping into dotted keys. Sequences of scalars become comma-separated.
    static func flatten(yaml: String, path: String) throws(Error) -> [(String, String)] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw Error(key: "(file)", origin: .file(path), reason: "invalid YAML: \(error)")
        }
        guard let node else { return [] }
        guard case .mapping = node else {
            throw Error(key: "(file)", origin: .file(path), reason: "the top level must be a mapping")
        }
        var out: [(String, String)] = []
        try walk(node, prefix: "", path: path, into: &out)
        return out
    }

    private static func walk(_ node: Node, prefix: String, path: String, into out: inout [(String, String)])
        throws(Error)
    {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    throw Error(key: prefix, origin: .file(path), reason: "keys must be plain strings")
                }
                let name = prefix.isEmpty ? scalar.string : prefix + "." + scalar.string
                // `kafka.properties` is a passthrough map: its keys contain dots themselves.
                if name.hasSuffix(".properties"), case .mapping(let properties) = value {
                    for (pk, pv) in properties {
                        guard case .scalar(let k) = pk, case .scalar(let v) = pv else {
                            throw Error(key: name, origin: .file(path), reason: "properties must be scalars")
                        }
                        out.append((name + "." + k.string, v.string))
                    }
                    continue
                }
                try walk(value, prefix: name, path: path, into: &out)
            }
        case .scalar(let scalar):
            out.append((prefix, scalar.string))
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    throw Error(key: prefix, origin: .file(path), reason: "lists must hold plain values")
                }
                items.append(scalar.string)
            }
            out.append((prefix, items.joined(separator: ",")))
        case .alias:
            throw Error(key: prefix, origin: .file(path), reason: "YAML aliases are not supported")
        }
    }
}
