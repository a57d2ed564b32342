import CommandProcessing
import Domain
import Foundation
import Logging
import ServiceLifecycle

/// Issues `RecycleStaleLeads` as `system` once a day at 00:05 in the lead pool's time zone, with
/// command id `recycle-YYYY-MM-DD`, so that a restart never recycles twice. A server started after
/// 00:05 issues the day's command at once (it is idempotent), so a restart or a deploy at the wrong
/// moment never skips a day.
struct DailyRecycle: Service {
    let processor: CommandProcessor
    let logger: Logger

    static let at: Int64 = 5 * 60_000  // 00:05 in milliseconds after local midnight
    static let day = Timestamp.millisecondsPerDay

    func run() async throws {
        var done: Int64?  // the local day already recycled by this process
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            let zone = processor.organisation.leadPoolRules.timeZone
            let local = now.milliseconds + TimeZones.offsetMilliseconds(at: now, in: zone)
            let day = local >= 0 ? local / Self.day : (local - Self.day + 1) / Self.day
            let sinceMidnight = local - day * Self.day
            var wait = sinceMidnight < Self.at ? Self.at - sinceMidnight : Self.day - sinceMidnight + Self.at
            if sinceMidnight >= Self.at && done != day {
                if await recycle(day: day) { done = day } else { wait = 60_000 }
            }
            // Wake at least hourly: the pool's time zone or the UTC offset may have changed.
            let sleep = min(max(wait, 1_000), 3_600_000)
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(sleep))
            }
        }
    }

    private func recycle(day: Int64) async -> Bool {
        let commandId = "recycle-" + CivilDate(daysSinceEpoch: day).text
        do {
            let reply = try await processor.execute(CommandRequest(
                type: "RecycleStaleLeads", data: .object([:]), actorId: "system", commandId: commandId))
            logger.info("daily lead recycle", metadata: [
                "chronicle.command": "\(commandId)", "chronicle.events": "\(reply.events.count)",
                "chronicle.duplicate": "\(reply.duplicate)",
            ])
            return true
        } catch {
            logger.error("daily lead recycle failed; retrying in a minute", metadata: [
                "chronicle.command": "\(commandId)", "chronicle.error": "\(error)",
            ])
            return false
        }
    }
}
