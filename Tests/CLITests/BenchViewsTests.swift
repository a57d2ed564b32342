import Foundation
import Testing

/// `bench-views` produces the README's view figures; its live phase's default writer appends events
/// the processor decided beforehand on a copy of the log. These runs are tiny — they check that the
/// benchmark works and leaves a sound store, not how fast anything is.
@Suite struct BenchViewsTests {
    @Test func theLogWriterAppendsTheCommandsDecidedOnACopyAndTheViewsFollowThem() throws {
        let dir = TemporaryDirectory()
        let data = dir.path + "/data"
        let r = try CLI.run([
            "bench-views", "--data", data, "--events", "3000", "--seconds", "1", "--rate", "2000",
            "--query-rate", "20",
        ])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("rebuild of all views (2 threads)"))
        #expect(r.stdout.contains("decided the live phase ahead"))
        let live = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("live phase: ") })
        #expect(live.contains("writer: log"))
        let written = Int(live.dropFirst("live phase: ".count).prefix { $0.isNumber }) ?? 0
        #expect(written > 0, "\(live)")
        // The copy is gone, the chain is intact, and the served views equal a rebuild of the log.
        #expect(!FileManager.default.fileExists(atPath: data + "/bench-writer"))
        let verify = try CLI.run(["verify", "--data", data])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let check = try CLI.run(["views-check", "--data", data])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("views equal a rebuild"))
        // Each command's events were appended together, under the command id the copy gave them.
        let export = try CLI.run(["export", "--data", data])
        let live_ = export.stdout.split(separator: "\n").filter { $0.contains("\"commandId\":\"bench-") }
        #expect(live_.count == written, "every event of the live phase carries its command's id")
    }
}
