// An mTLS service built on the toolkit, the way a Swift service of your own would use it:
// its identity comes from the SPIFFE Workload API, it rotates without a restart, and it
// authorizes each client by SPIFFE ID.
//
//     SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock \
//         spiffe-example-service 7443 spiffe://example.org/client
//
// Then, from a workload registered as spiffe://example.org/client:
//
//     spiffe-demo tls-client --live --connect 127.0.0.1:7443 --expect-td example.org
import Foundation
import SpiffeIdentity
import SpiffeTLS
import SpiffeWorkloadAPI

/// Prints a line at once (stdout may be a pipe, which would otherwise hold it back).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let port = Int(arguments.first!), let allowed = try? SpiffeID(arguments.last!) else {
    FileHandle.standardError.write(Data("usage: spiffe-example-service <port> <allowed-client-spiffe-id>\n".utf8))
    exit(64)
}

do {
    // 1. The identity: an X509Source keeps the current SVID and bundles, following rotations.
    let source = X509Source(client: try WorkloadAPIClient(socket: nil))   // SPIFFE_ENDPOINT_SOCKET
    defer { source.close() }
    try await source.waitUntilReady()

    // 2. The server: authenticates every client against the bundle, then authorizes its ID.
    let server = try await MTLSServer.bind(
        host: "127.0.0.1", port: port, svids: source, bundles: source, authorizer: .id(allowed)
    ) { event in say("\(event)") }
    say("listening on 127.0.0.1:\(server.localAddress.port ?? port) as \(try source.x509SVID().spiffeID)")
    try await server.serve()
} catch {
    FileHandle.standardError.write(Data("spiffe-example-service: \(error)\n".utf8))
    exit(1)
}
