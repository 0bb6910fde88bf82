import Foundation

/// Steps for the X509 lessons.
let x509Steps: [Step] = []
