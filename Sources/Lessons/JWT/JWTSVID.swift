// JWT-SVIDs (JWT-SVID.md): lands with the JWT-SVID issue.
import SpiffeIdentity
