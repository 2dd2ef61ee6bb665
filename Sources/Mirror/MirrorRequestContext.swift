import Hummingbird
import NIOCore

/// The mirror's request context: Hummingbird's core context plus the TCP peer's address (the raw
/// mirror believes a client-address header only from trusted proxies).
public struct MirrorRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
