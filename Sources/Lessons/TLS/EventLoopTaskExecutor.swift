import NIOCore

/// Runs the jobs of a task on one NIO event loop instead of Swift's global cooperative pool.
///
/// A TLS connection lives on its channel's event loop. The async work around it (the peer
/// verification swift-certificates offers only as `async`, reading the request, writing the
/// answer) would otherwise hop to the global pool and back at every `await`, and wait there
/// behind whatever else the process is computing: on a busy 2-core machine that wait reached the
/// client's 15 s deadline before the handshake could finish. With this executor as the task's
/// preference (SE-0417), each job is queued on the loop the connection already uses, so a
/// handshake needs no thread but its own. The work is short (one chain validation, a line each
/// way), which is what an event loop is for; nothing here blocks.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
