import CommandProcessing
import Domain

/// What loading the demo company did.
public struct DemoLoadReport: Sendable {
    public var accepted = 0
    public var rejected = 0
    /// Events written (the log's position after the load, as it started empty).
    public var events: UInt64 = 0
    /// The first rejections: the command's 1-based number in the history, its type and the error.
    public var rejections: [(number: Int, type: String, error: DomainError)] = []
    /// Time spent generating commands (overlapped with the processor's work on the previous batch).
    public var generating: Duration = .zero
    /// Time spent waiting for the processor (deciding, appending and committing) after generating.
    public var waiting: Duration = .zero

    public var commands: Int { accepted + rejected }
}

/// Progress while loading: commands run so far and the log's position.
public struct DemoLoadProgress: Sendable {
    public var commands: Int
    public var position: UInt64
    /// Predicted events of the whole history are not known in advance; this is how far into the
    /// year (2025) the history has got, from 0 to 1.
    public var yearFraction: Double
}

/// The demo store could not be loaded.
public struct DemoLoadError: Error, CustomStringConvertible {
    public let description: String
}

extension DemoCompany {
    /// Loads the history of `seed` and `scale` into an empty store through
    /// ``CommandProcessor/executeBatch(_:)``, `batchSize` commands per durable commit. The next batch
    /// is generated while the previous one is decided and committed.
    ///
    /// Used by `chronicle demo` and `chronicle serve --demo`. Throws ``DemoLoadError`` when the log
    /// is not empty, and whatever `executeBatch` throws when a batch cannot commit (the batches
    /// before it stay committed).
    public static func load(
        into processor: CommandProcessor, seed: UInt64 = defaultSeed, scale: Double = 1.0, batchSize: Int = 4000,
        keepRejections: Int = 20, progress: (DemoLoadProgress) -> Void = { _ in }
    ) async throws -> DemoLoadReport {
        guard processor.log.lastPosition == 0 else {
            throw DemoLoadError(
                description:
                    "the log already holds \(processor.log.lastPosition) events; the demo loads into an empty store")
        }
        var iterator = generate(seed: seed, scale: scale).makeIterator()
        var report = DemoLoadReport()
        var running: (task: Task<[Result<CommandReply, DomainError>], Error>, batch: [CommandRequest])?
        var number = 0
        let clock = ContinuousClock()
        while true {
            var batch: [CommandRequest] = []
            batch.reserveCapacity(batchSize)
            report.generating += clock.measure {
                while batch.count < batchSize, let request = iterator.next() { batch.append(request) }
            }
            if case let (task, previous)? = running {
                let started = clock.now
                let results = try await task.value
                report.waiting += clock.now - started
                for (request, result) in zip(previous, results) {
                    number += 1
                    switch result {
                    case .success:
                        report.accepted += 1
                    case .failure(let error):
                        report.rejected += 1
                        if report.rejections.count < keepRejections {
                            report.rejections.append((number, request.type, error))
                        }
                    }
                }
                let at = previous.last?.at?.milliseconds ?? DemoCalendar.yearStart
                progress(
                    DemoLoadProgress(
                        commands: number, position: processor.log.lastPosition,
                        yearFraction: Double(at - DemoCalendar.yearStart)
                            / Double(DemoCalendar.end - DemoCalendar.yearStart)))
            }
            guard !batch.isEmpty else { break }
            let submitted = batch
            running = (Task { try await processor.executeBatch(submitted) }, submitted)
        }
        report.events = processor.log.lastPosition
        return report
    }
}
