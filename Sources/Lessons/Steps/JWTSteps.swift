import Foundation

/// Steps for the JWT lessons.
let jwtSteps: [Step] = []
