// The Workload API client: lands with the Workload API issue.
import SpiffeIdentity
