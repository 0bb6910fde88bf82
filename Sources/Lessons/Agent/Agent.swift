// The local Workload API agent: lands with the Workload API issue.
import SpiffeIdentity
