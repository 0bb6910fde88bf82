#!/usr/bin/env bash
# Regenerates the committed gRPC code: Sources/WorkloadAPIProto from workload.proto (the
# Workload API) and Sources/SpireAPIProto from spire_*.proto (the SPIRE model's server APIs).
#
# The generated Swift is committed, so building the package never needs protoc. Run this only
# after editing workload.proto. It needs Debian's protoc (apt: protobuf-compiler) and builds the
# two protoc plugins in release, once, in a scratch directory outside the repository's .build:
#   protoc-gen-swift          from swift-protobuf       (SWIFT_PROTOBUF_VERSION)
#   protoc-gen-grpc-swift-2   from grpc-swift-protobuf  (GRPC_SWIFT_PROTOBUF_VERSION)
# grpc-swift-protobuf's SwiftPM build plugin is not used: it builds protoc from C++ source.
#
# Environment:
#   PROTOGEN_DIR   scratch directory for the clones and builds (default /tmp/spiffe-workbook-protogen)
#   PROTOC         protoc binary (default: protoc on PATH)
#   PROTOC_GEN_SWIFT, PROTOC_GEN_GRPC   prebuilt plugins of exactly those versions (skips the builds)
set -euo pipefail
# Make a failing build inside $(...) stop the script too.
shopt -s inherit_errexit

SWIFT_PROTOBUF_VERSION=1.39.0
GRPC_SWIFT_PROTOBUF_VERSION=2.4.1
SWIFT_PROTOBUF_REPO=${SWIFT_PROTOBUF_REPO:-https://github.com/apple/swift-protobuf.git}
GRPC_SWIFT_PROTOBUF_REPO=${GRPC_SWIFT_PROTOBUF_REPO:-https://github.com/grpc/grpc-swift-protobuf.git}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${PROTOGEN_DIR:-/tmp/spiffe-workbook-protogen}
PROTOC=${PROTOC:-protoc}

command -v "$PROTOC" >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
mkdir -p "$WORK"

# clone_at REPO TAG DIR: a shallow clone of exactly that tag (re-cloned if the tag differs).
clone_at() {
    local repo=$1 tag=$2 dir=$3
    if [ -d "$dir/.git" ] && [ "$(git -C "$dir" describe --tags --exact-match 2>/dev/null)" = "$tag" ]; then
        return
    fi
    rm -rf "$dir"
    git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$tag" "$repo" "$dir"
}

# build_plugin DIR PRODUCT: release build with its own scratch path; prints the binary's path.
build_plugin() {
    local dir=$1 product=$2
    local scratch="$WORK/scratch-$product"
    swift build -c release --package-path "$dir" --scratch-path "$scratch" --product "$product" >&2
    echo "$(swift build -c release --package-path "$dir" --scratch-path "$scratch" --show-bin-path)/$product"
}

if [ -z "${PROTOC_GEN_SWIFT:-}" ] || [ -z "${PROTOC_GEN_GRPC:-}" ]; then
    clone_at "$SWIFT_PROTOBUF_REPO" "$SWIFT_PROTOBUF_VERSION" "$WORK/swift-protobuf"
    clone_at "$GRPC_SWIFT_PROTOBUF_REPO" "$GRPC_SWIFT_PROTOBUF_VERSION" "$WORK/grpc-swift-protobuf"
    PROTOC_GEN_SWIFT=$(build_plugin "$WORK/swift-protobuf" protoc-gen-swift)
    PROTOC_GEN_GRPC=$(build_plugin "$WORK/grpc-swift-protobuf" protoc-gen-grpc-swift-2)
fi

# google/protobuf/struct.proto (for ValidateJWTSVIDResponse.claims) ships with Debian's protoc.
INCLUDE=${PROTOC_INCLUDE:-/usr/include}

# generate OUT PROTO...: the messages (*.pb.swift) and the gRPC services (*.grpc.swift).
generate() {
    local OUT=$1; shift
    local PROTOS=("$@")
    "$PROTOC" \
        --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
        --plugin=protoc-gen-grpc-swift-2="$PROTOC_GEN_GRPC" \
        --proto_path="$OUT" \
        --proto_path="$INCLUDE" \
        --swift_out="$OUT" \
        --swift_opt=Visibility=Public \
        --grpc-swift-2_out="$OUT" \
        --grpc-swift-2_opt=Visibility=Public,Client=true,Server=true \
        "${PROTOS[@]}"

    # The target depends on GRPCCore, GRPCProtobuf and SwiftProtobuf only; fail loudly if the
    # generators start importing anything else.
    imports=$(grep -h -E '^(public |internal |package )?import ' "$OUT"/*.pb.swift "$OUT"/*.grpc.swift \
        | sed -E 's/^(public |internal |package )?import +//' | sort -u)
    for module in $imports; do
        case "$module" in
            GRPCCore|GRPCProtobuf|SwiftProtobuf|Foundation|FoundationEssentials) ;;
            *) echo "generated code imports $module, which $(basename "$OUT") does not depend on" >&2; exit 1 ;;
        esac
    done
    echo "generated in $OUT: $(cd "$OUT" && ls *.swift | tr '\n' ' ')"
}

generate "$ROOT/Sources/WorkloadAPIProto" "$ROOT/Sources/WorkloadAPIProto/workload.proto"
generate "$ROOT/Sources/SpireAPIProto" "$ROOT"/Sources/SpireAPIProto/spire_*.proto
