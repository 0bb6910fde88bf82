import Foundation
import SwiftASN1
import X509

/// Does a Web PKI certificate name the host of a URL? (RFC 6125 §6, as SPIFFE_Federation
/// §5.2.1.4 asks of an https_web endpoint.) A host name must match a dNSName (a `*` stands for
/// exactly the left-most label), an address an iPAddress; the Common Name counts only when the
/// certificate has neither. swift-nio-ssl's own check also lets an iPAddress SAN match the
/// address a *name* resolved to, which is looser than "the host component of the URL".
enum WebPKIName {
    static func matches(_ certificate: Certificate, host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let names = (try? certificate.extensions.subjectAlternativeNames).map { Array($0) } ?? []
        var dnsNames: [String] = []
        var addresses: [[UInt8]] = []
        for name in names {
            switch name {
            case .dnsName(let dns): dnsNames.append(dns.lowercased())
            case .ipAddress(let octets): addresses.append(Array(octets.bytes))
            default: continue
            }
        }
        if let address = address(host) {
            return addresses.contains(address) || (dnsNames.isEmpty && addresses.isEmpty && commonNames(certificate).contains(host))
        }
        if dnsNames.isEmpty && addresses.isEmpty { return commonNames(certificate).contains(host) }
        return dnsNames.contains { matches(pattern: $0, host: host) }
    }

    static func matches(pattern: String, host: String) -> Bool {
        let host = host.hasSuffix(".") ? String(host.dropLast()) : host
        guard pattern.hasPrefix("*.") else { return pattern == host }
        guard let dot = host.firstIndex(of: ".") else { return false }
        // The wildcard covers one whole label, never a dot, and never the public suffix alone.
        return host[host.index(after: dot)...] == pattern.dropFirst(2) && pattern.dropFirst(2).contains(".")
    }

    static func address(_ host: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func commonNames(_ certificate: Certificate) -> [String] {
        certificate.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.map { $0.value.description.lowercased() }
    }
}
