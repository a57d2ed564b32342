import EventLog
import Foundation
import Testing

@Suite struct ThreadNameTests {
    /// The names an operator sees in `top -H` or `/proc/PID/task/*/comm`.
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { tid in
            (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func theWritersThreadsCarryTheirNames() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(events: [event("a-1")], actor: "E-1"))
        let names = Self.threadNames()
        for expected in ["log-stage", "log-encode", "log-commit"] {
            #expect(names.contains(expected), "threads: \(names)")
        }
    }

    @Test func aNameLongerThanTheKernelsLimitIsCut() {
        let done = DispatchSemaphore(value: 0)
        let seen = Seen()
        NamedThread.start("a-name-of-twenty-bytes") {
            seen.name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            done.signal()
        }
        done.wait()
        #expect(seen.name.trimmingCharacters(in: .newlines) == "a-name-of-twent")
    }

    /// Written by the thread before it signals, read after the wait.
    final class Seen: @unchecked Sendable {
        var name = ""
    }
}
