import Foundation

/// Steps for the Workload lessons.
let workloadSteps: [Step] = []
