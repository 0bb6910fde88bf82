# syntax=docker/dockerfile:1
# The image of the two workload services in compose.yaml: this repository's spiffe-demo, built in
# the official Swift image and copied into a plain Ubuntu runtime.
#
# Built by `docker compose build` (bootstrap.sh does it) with the repository root as the context;
# spiffe-demo.Dockerfile.dockerignore keeps .build and other local state out of that context.
# NOTE: this file has never been built on the project's machines (they have no Docker daemon);
# see README.md, "What was tested and what was not".

FROM swift:6.3-noble AS build
WORKDIR /src
COPY . .
# Only the spiffe-demo product and what it depends on: the workbook runner (and its libcmark
# dependency) is not needed in a workload. The Swift runtime and Foundation are linked
# statically, so the runtime image needs no Swift toolchain.
RUN swift build -c release --product spiffe-demo --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/spiffe-demo" /out/spiffe-demo

FROM ubuntu:24.04
COPY --from=build /out/spiffe-demo /usr/local/bin/spiffe-demo
# /exchange is where svid-exchange leaves each service's certificate for the other. A named
# volume mounted there starts as a copy of this directory: world-writable with the sticky bit,
# like /tmp, so uid 1000 and uid 1001 can each write their own file and not replace the other's.
RUN mkdir -m 1777 /exchange
# Not root. compose.yaml sets the exact uid of each service (1000 for service-a, 1001 for
# service-b), because the uid is what the unix workload attestor turns into a selector.
USER 1000:1000
CMD ["spiffe-demo", "--help"]
