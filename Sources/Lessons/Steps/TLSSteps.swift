import Foundation

/// Steps for the TLS lessons.
let tlsSteps: [Step] = []
