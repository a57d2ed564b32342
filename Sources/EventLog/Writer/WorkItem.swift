/// One submission to the batching writer: code to run inside the write transaction, and how to
/// answer its caller once the batch's commit is durable (or failed).
final class WorkItem: @unchecked Sendable {  // created by the caller, then touched only by the writer thread
    private let body: (inout LogWriter) -> Void
    private let answer: (Error?) -> Void

    init(body: @escaping (inout LogWriter) -> Void, answer: @escaping (Error?) -> Void) {
        self.body = body
        self.answer = answer
    }

    func run(_ writer: inout LogWriter) { body(&writer) }

    /// Called once, after the commit (nil) or its failure.
    func finish(_ commitError: Error?) { answer(commitError) }
}

/// A result slot filled on the writer thread and read when the batch is answered.
final class ResultBox<R>: @unchecked Sendable {  // written by the writer thread before the commit, read after it
    var result: Result<R, Error>?
}
