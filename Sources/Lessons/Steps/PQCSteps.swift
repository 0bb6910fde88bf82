import Foundation
import SpiffeIdentity
import SpiffePQC
import WorkbookProtocol

/// Day 19: what post-quantum algorithms weigh, measured by the toolkit.
let pqcSteps: [Step] = [
    Step(
        id: "pqc-sizes",
        title: "Keys, signatures and SVIDs: P-256 against ML-DSA-65 and ML-DSA-87",
        sourceFile: "Sources/Lessons/PQC/PQCSizes.swift"
    ) { context in
        let sizes = try PQCSizes.measure(id: try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning"), now: context.now())
        return StepOutput(lines: sizes.report, facts: [
            "p256_public_key_bytes": String(sizes.p256.publicKeyBytes),
            "p256_signature_bytes": String(sizes.p256.signatureBytes),
            "p256_svid_bytes": String(sizes.p256.svidBytes),
            "mldsa65_public_key_bytes": String(sizes.mldsa65.publicKeyBytes),
            "mldsa65_signature_bytes": String(sizes.mldsa65.signatureBytes),
            "mldsa65_svid_bytes": String(sizes.mldsa65.svidBytes),
            "mldsa87_public_key_bytes": String(sizes.mldsa87.publicKeyBytes),
            "mldsa87_signature_bytes": String(sizes.mldsa87.signatureBytes),
            "mldsa87_svid_bytes": String(sizes.mldsa87.svidBytes),
            "mlkem768_encapsulation_key_bytes": String(sizes.mlkem768EncapsulationKeyBytes),
            "mlkem768_ciphertext_bytes": String(sizes.mlkem768CiphertextBytes),
            "handshake_extra_bytes_mldsa65": String(sizes.handshakeExtraBytes(sizes.mldsa65)),
            "handshake_extra_bytes_mldsa87": String(sizes.handshakeExtraBytes(sizes.mldsa87)),
        ])
    },
]
