import FuzzSupport
import SpiffeWorkloadEndpoint

// SPIFFE_ENDPOINT_SOCKET values (Workload Endpoint §4): unix:// paths and tcp:// IP addresses.
// Parsed or refused, never a crash.
runFuzzer { bytes in
    _ = try? WorkloadAPIAddress(text(bytes))
}
