// swift-tools-version:6.1
// spiffe-workbook: a literate workbook for SPIFFE and SPIRE, and the toolkit its exercises run on.
//
// The toolkit (Sources/Lessons) is split into one module per SPIFFE concept, the way go-spiffe has
// spiffeid, x509svid, jwtsvid, workloadapi and tlsconfig: a reader finds a concept by its spec
// name, and an edit to one concept rebuilds only what depends on it.
//
// Three names that sound alike:
// - Sources/Lessons/ is the folder of the toolkit the lessons quote: the Spiffe* modules, one
//   per concept folder (Identity, Formats, Bundles, X509, JWT, LocalTrustDomain, WorkloadEndpoint,
//   WorkloadAPI, Agent, TLS, Exchange). The bundle module is SpiffeBundles, plural: a module named
//   SpiffeBundle would be shadowed by its own type SpiffeBundle;
// - the `Lessons` module (Sources/Lessons/Steps) is only the step registry: step id -> the
//   toolkit function a lesson runs and quotes;
// - `Workbook/Lesson` (Sources/Workbook/Lesson) is the parser of the lesson files in days/.
// The `workbook` executable lives in Sources/WorkbookCommand, not Sources/workbook, so that it
// cannot merge with Sources/Workbook on a case-insensitive file system (macOS's default).
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "spiffe-workbook",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spiffe-demo", targets: ["spiffe-demo"]),
        .executable(name: "workbook", targets: ["WorkbookCommand"]),
        .executable(name: "workbook-kernel", targets: ["WorkbookKernel"]),
        .executable(name: "exercise-grader", targets: ["ExerciseGrader"]),
        .executable(name: "spiffe-bench", targets: ["spiffe-bench"]),
        // The toolkit as libraries, one per concept, for Swift services of your own (README:
        // "Use the toolkit in your own Swift service").
        .library(name: "SpiffeIdentity", targets: ["SpiffeIdentity"]),
        .library(name: "SpiffeFormats", targets: ["SpiffeFormats"]),
        .library(name: "SpiffeX509", targets: ["SpiffeX509"]),
        .library(name: "SpiffeBundles", targets: ["SpiffeBundles"]),
        .library(name: "SpiffeJWT", targets: ["SpiffeJWT"]),
        .library(name: "SpiffeWorkloadAPI", targets: ["SpiffeWorkloadAPI"]),
        .library(name: "SpiffeTLS", targets: ["SpiffeTLS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // MARK: The SPIFFE toolkit (what the lessons quote)
        .target(
            name: "SpiffeIdentity",
            path: "Sources/Lessons/Identity",
            swiftSettings: swiftSettings
        ),
        // The formats the specs are written in: PEM and DER certificates, base64url, JSON, the
        // SPIFFE ID in a URI SAN, times as text, files read and written safely (go-spiffe keeps
        // these in internal/pemutil, internal/jwtutil and friends).
        .target(
            name: "SpiffeFormats",
            dependencies: [
                "SpiffeIdentity",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/Lessons/Formats",
            swiftSettings: swiftSettings
        ),
        // Trust bundles, as go-spiffe's bundle/x509bundle, jwtbundle and spiffebundle: what a
        // trust domain publishes, and what validators of both SVID kinds stand on.
        .target(
            name: "SpiffeBundles",
            dependencies: [
                "SpiffeIdentity", "SpiffeFormats",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/Lessons/Bundles",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeX509",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/Lessons/X509",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeJWT",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/Lessons/JWT",
            swiftSettings: swiftSettings
        ),
        // The Workload API endpoint address (SPIFFE_ENDPOINT_SOCKET), with no gRPC or crypto, so
        // the workbook's front end can read it too.
        .target(
            name: "SpiffeWorkloadEndpoint",
            path: "Sources/Lessons/WorkloadEndpoint",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WorkloadAPIProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/WorkloadAPIProto",
            exclude: ["workload.proto"],
            swiftSettings: swiftSettings
        ),
        // SPIRE's server APIs (agent.v1, svid.v1, entry.v1, bundle.v1), trimmed: generated code.
        .target(
            name: "SpireAPIProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/SpireAPIProto",
            exclude: ["spire_api.proto", "spire_server_agent.proto", "spire_server_svid.proto", "spire_server_entry.proto", "spire_server_bundle.proto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeWorkloadAPI",
            dependencies: [
                "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeWorkloadEndpoint", "WorkloadAPIProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            path: "Sources/Lessons/WorkloadAPI",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeAgent",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeLocalTrustDomain", "SpiffeWorkloadAPI", "WorkloadAPIProto",
                "SpiffeTLS", "SpiffeFederation", "SpireAPIProto",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Lessons/Agent",
            swiftSettings: swiftSettings
        ),
        // SPIRE's server in miniature (week 2): CA, datastore, node attestation, the agent APIs.
        .target(
            name: "SpiffeServer",
            dependencies: [
                "SpiffeAgent", "SpiffeBundles", "SpiffeFederation", "SpiffeFormats", "SpiffeIdentity", "SpiffeTLS", "SpiffeX509", "SpireAPIProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/Lessons/Server",
            swiftSettings: swiftSettings
        ),
        // A trust domain kept on this machine (CA, JWT keys, sequence number), several side by
        // side: what plays the SPIRE server's CA in simulated mode and the local agent's.
        // Post-quantum sizes for Day 19: ML-DSA certificates made with swift-asn1 (swift-certificates
        // has no ML-DSA), ML-KEM shares, measured rather than quoted.
        .target(
            name: "SpiffePQC",
            dependencies: [
                "SpiffeIdentity", "SpiffeX509",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Lessons/PQC",
            swiftSettings: swiftSettings
        ),
        // SPIFFE federation: bundle endpoints (SPIFFE_Federation.md), served and fetched over
        // both profiles.
        .target(
            name: "SpiffeFederation",
            dependencies: [
                "SpiffeBundles", "SpiffeFormats", "SpiffeIdentity", "SpiffeOIDC", "SpiffeTLS", "SpiffeX509",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Lessons/Federation",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeLocalTrustDomain",
            dependencies: [
                "SpiffeBundles", "SpiffeFormats", "SpiffeIdentity", "SpiffeJWT", "SpiffeX509",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Lessons/LocalTrustDomain",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeTLS",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Lessons/TLS",
            swiftSettings: swiftSettings
        ),
        // SPIRE's OIDC Discovery Provider in miniature: the two documents over HTTP(S).
        .target(
            name: "SpiffeOIDC",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Sources/Lessons/OIDC",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SpiffeExchange",
            dependencies: ["SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509"],
            path: "Sources/Lessons/Exchange",
            swiftSettings: swiftSettings
        ),
        // The step registry: step id -> the Swift function a lesson runs and quotes.
        .target(
            name: "Lessons",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeLocalTrustDomain", "SpiffeWorkloadAPI", "SpiffeAgent",
                "SpiffeTLS", "SpiffeExchange", "SpiffeOIDC", "SpiffeServer", "SpiffePQC", "SpiffeFederation", "WorkbookProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Lessons/Steps",
            // The committed listing `workbook show` reads; not a resource of the kernel.
            exclude: ["registry.json"],
            swiftSettings: swiftSettings
        ),

        // MARK: The workbook
        .systemLibrary(
            name: "CCmark",
            path: "Sources/CCmark",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // What the workbook's front end and its kernel say to each other; no dependencies.
        .target(
            name: "WorkbookProtocol",
            path: "Sources/WorkbookProtocol",
            swiftSettings: swiftSettings
        ),
        // The front end: lessons, rendering, checks, progress. No gRPC, TLS or crypto: steps
        // and X.509 evidence run in workbook-kernel, so this builds in about a minute.
        .target(
            name: "Workbook",
            dependencies: [
                "CCmark", "SpiffeWorkloadEndpoint", "WorkbookProtocol",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Sources/Workbook",
            swiftSettings: swiftSettings
        ),

        // MARK: Command-line tools
        // The one main of spiffe-demo and workbook: one-line errors, honest exit statuses.
        .target(
            name: "CommandLineMain",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/CommandLineMain",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "spiffe-demo",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeLocalTrustDomain", "SpiffeWorkloadAPI", "SpiffeAgent",
                "SpiffeTLS", "SpiffeExchange", "SpiffeOIDC", "SpiffeServer", "SpiffePQC", "SpiffeFederation", "SpireAPIProto", "CommandLineMain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/spiffe-demo",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WorkbookCommand",
            dependencies: [
                "Workbook", "CommandLineMain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/WorkbookCommand",
            swiftSettings: swiftSettings
        ),
        // The README's example: an mTLS service on the library products, built by every build
        // so it cannot rot, and run against the local agent by the TLS tests.
        .executableTarget(
            name: "spiffe-example-service",
            dependencies: ["SpiffeIdentity", "SpiffeTLS", "SpiffeWorkloadAPI"],
            path: "Examples/MTLSService",
            swiftSettings: swiftSettings
        ),
        // The kernel: the only executable that links the step registry (and with it the toolkit).
        .executableTarget(
            name: "WorkbookKernel",
            dependencies: [
                "CommandLineMain", "Lessons", "WorkbookProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/WorkbookKernel",
            swiftSettings: swiftSettings
        ),
        // MARK: Exercises the learner writes
        // The cases and the types the exercises use; the learner never edits these.
        .target(
            name: "ExerciseKit",
            dependencies: [
                "SpiffeIdentity",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/ExerciseKit",
            swiftSettings: swiftSettings
        ),
        // The learner's files: one per exercise, each a stub that throws .notDone until written.
        .target(
            name: "Exercises",
            dependencies: [
                "ExerciseKit", "SpiffeIdentity",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Exercises",
            swiftSettings: swiftSettings
        ),
        // The reference solutions, graded in CI and shown by `workbook solution N`.
        .target(
            name: "ExerciseSolutions",
            dependencies: [
                "ExerciseKit", "SpiffeIdentity",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/ExerciseSolutions",
            swiftSettings: swiftSettings
        ),
        // Grades Sources/Exercises; small (no gRPC, no TLS), so a rebuild after an edit is quick.
        .executableTarget(
            name: "ExerciseGrader",
            dependencies: ["ExerciseKit", "Exercises"],
            path: "Sources/ExerciseGrader",
            swiftSettings: swiftSettings
        ),
        // Benchmarks print figures; they are never timed tests.
        .executableTarget(
            name: "spiffe-bench",
            dependencies: [
                "SpiffeFormats", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeWorkloadAPI", "SpiffeAgent", "SpiffeTLS", "SpiffeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/spiffe-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpiffeIdentityTests",
            dependencies: ["SpiffeIdentity"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpiffeX509Tests",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "Lessons", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpiffeJWTTests",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeLocalTrustDomain", "Lessons", "TestSupport", "WorkbookProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkloadAPITests",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeJWT", "SpiffeWorkloadAPI", "SpiffeAgent", "WorkloadAPIProto", "TestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TLSTests",
            dependencies: [
                "SpiffeFormats", "SpiffeBundles", "SpiffeIdentity", "SpiffeX509", "SpiffeLocalTrustDomain", "SpiffeTLS", "SpiffeExchange", "SpiffePQC", "SpiffeFederation", "SpiffeAgent", "Lessons", "TestSupport", "WorkbookProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkbookTests",
            dependencies: ["Lessons", "TestSupport", "Workbook", "WorkbookProtocol"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExerciseTests",
            dependencies: [
                "ExerciseKit", "Exercises", "ExerciseSolutions", "SpiffeIdentity",
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DockerTests",
            dependencies: ["TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["SpiffeFormats", "SpiffeIdentity", "SpiffeX509", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)

// MARK: Fuzz targets (scripts/fuzz)
// libFuzzer harnesses for every parser of untrusted input, in Fuzz/<target>/. They exist only
// when SPIFFE_WORKBOOK_FUZZ is set, as scripts/fuzz sets it for its own build folder
// (.build-fuzz, every Swift module compiled with -sanitize=fuzzer), so the everyday build and
// the tests never see them. Each has a Swift main (SwiftPM gives every executable one) that
// calls libFuzzer's driver; libFuzzer's own main, pulled in with its archive, is dropped by
// --gc-sections (else it wants an LLVMFuzzerTestOneInput), and lld links them (gold crashes on
// that archive).
if Context.environment["SPIFFE_WORKBOOK_FUZZ"] != nil {
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings))
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-spiffe-id", ["SpiffeIdentity"]),
        ("fuzz-workload-address", ["SpiffeWorkloadEndpoint"]),
        ("fuzz-certificates", ["SpiffeFormats", "SpiffeIdentity", "SpiffeX509"]),
        ("fuzz-spiffe-bundle", ["SpiffeBundles", "SpiffeIdentity"]),
        ("fuzz-jwt", ["SpiffeBundles", "SpiffeIdentity", "SpiffeJWT"]),
        ("fuzz-agent-request", [
            "SpiffeAgent", "SpiffeIdentity", "SpiffeJWT", "SpiffeX509", "WorkloadAPIProto",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHPACK", package: "swift-nio-http2"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        ("fuzz-lesson", ["Workbook"]),
        ("fuzz-answers", ["Workbook"]),
        ("fuzz-progress", ["Workbook"]),
        ("fuzz-entry-store", ["SpiffeAgent"]),
    ]
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: target.name, dependencies: ["FuzzSupport"] + target.dependencies, path: "Fuzz/\(target.name)",
            swiftSettings: swiftSettings, linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "--gc-sections"])]))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
