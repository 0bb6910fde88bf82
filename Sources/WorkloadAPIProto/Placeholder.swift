// Generated code from workload.proto lands here (scripts/generate-proto.sh).
