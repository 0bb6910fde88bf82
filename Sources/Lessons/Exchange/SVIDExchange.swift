// The two-service SVID exchange: lands with the mTLS issue.
import SpiffeIdentity
