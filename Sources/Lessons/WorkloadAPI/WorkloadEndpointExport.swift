// The endpoint address has a module of its own (no gRPC, so the workbook's front end can use
// it); a Workload API client always needs it, so importing SpiffeWorkloadAPI brings it along.
@_exported import SpiffeWorkloadEndpoint
