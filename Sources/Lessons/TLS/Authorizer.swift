// mTLS with SVIDs: lands with the mTLS issue.
import SpiffeIdentity
