import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

/// Where and how a role listens: address, optional TLS, limits common to every listener.
public struct ListenerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key; both set = TLS on.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Bearer tokens accepted (several allowed, e.g. one per gateway node).
    public var tokens: [String]

    public init(host: String, port: Int, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil, tokens: [String]) {
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.tokens = tokens
    }

    public var tlsEnabled: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

    /// The settings every listener of role `prefix` has: `<prefix>.listen_host`, `.listen_port`,
    /// `.tls_cert_file`, `.tls_key_file`, `.tokens`.
    public static func definitions(prefix: String, port: Int) -> [Settings.Definition] {
        [
            .init("\(prefix).listen_host", default: "127.0.0.1", "Address to listen on (0.0.0.0 for all interfaces)."),
            .init("\(prefix).listen_port", default: String(port), "TCP port to listen on."),
            .init("\(prefix).tls_cert_file", default: "", "PEM certificate chain; with tls_key_file enables TLS."),
            .init("\(prefix).tls_key_file", default: "", "PEM private key for tls_cert_file."),
            .init(
                "\(prefix).tokens", default: "",
                "Bearer tokens accepted, comma-separated (required; constant-time compared, never logged).",
                secret: true),
        ]
    }

    public static func from(_ settings: Settings, prefix: String) throws(Settings.Error) -> ListenerConfiguration {
        let config = ListenerConfiguration(
            host: settings.string("\(prefix).listen_host"),
            port: try settings.int("\(prefix).listen_port", range: 0...65535),
            tlsCertificatePath: settings.optionalString("\(prefix).tls_cert_file"),
            tlsKeyPath: settings.optionalString("\(prefix).tls_key_file"),
            tokens: settings.list("\(prefix).tokens"))
        if config.tokens.isEmpty {
            throw Settings.Error(
                key: "\(prefix).tokens", origin: settings.origin("\(prefix).tokens"),
                reason: "at least one token is required (every listener requires a bearer token)")
        }
        if (config.tlsCertificatePath == nil) != (config.tlsKeyPath == nil) {
            throw Settings.Error(
                key: "\(prefix).tls_cert_file", origin: settings.origin("\(prefix).tls_cert_file"),
                reason: "tls_cert_file and tls_key_file must be set together")
        }
        return config
    }

    /// The server builder: HTTP/1.1, wrapped in TLS when configured.
    public func serverBuilder() throws -> HTTPServerBuilder {
        guard let certificatePath = tlsCertificatePath, let keyPath = tlsKeyPath else { return .http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        return try .tls(.http1(), tlsConfiguration: tls)
    }

    /// An application serving `router` on this listener.
    public func application<Responder: HTTPResponderBuilder>(
        router: Responder, logger: Logger
    ) throws -> some ApplicationProtocol where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        Application(
            router: router, server: try serverBuilder(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }
}
