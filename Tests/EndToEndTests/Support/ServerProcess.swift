import Foundation
import Glibc
import Locking
import Testing

/// A real `chronicle serve` in its own process, on a free loopback port and a temporary data directory.
final class ServerProcess: @unchecked Sendable {  // the process and its pipe are touched by the owning test only
    static let adminToken = "e2e-admin-token"

    let data: String
    let process = Process()
    private let output = Pipe()
    private let lines = LineCollector()
    private let errorOutput = Pipe()
    private let logLines = LineCollector()
    private let captureLog: Bool
    private(set) var port = 0
    /// The reads-only listener's port, when started with `--query-listen`.
    private(set) var queryPort: Int?
    private(set) var socketPath = ""
    private(set) var metricsURL: String?

    /// The `chronicle` binary built next to this test bundle, or `CHRONICLE_BINARY` (`make hostile`
    /// runs the suite against the release server).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CHRONICLE_BINARY"], !path.isEmpty { return path }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The test runner may live inside the .xctest bundle directory.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("chronicle").path),
            dir.path != "/"
        {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("chronicle").path
    }

    /// Starts a server and waits until it listens. `tokens` becomes a `--tokens` file. With `data`, it
    /// serves that directory as it is (a restart: the log, views and keys left by an earlier server).
    /// With `captureLog` its log (standard error) is kept in ``logged`` instead of passed through.
    init(data: String? = nil, tokens: [String: String] = [:], arguments: [String] = [], captureLog: Bool = false) throws {
        self.captureLog = captureLog
        self.data = data ?? (NSTemporaryDirectory() + "chronicle-e2e-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: self.data, withIntermediateDirectories: true)
        var args = [
            "serve", "--data", self.data, "--listen", "127.0.0.1:0", "--socket", self.data + "/api.sock",
            "--admin-token", Self.adminToken, "--no-auto-recycle", "--log-level", "warning",
        ]
        if !tokens.isEmpty {
            let file = self.data + "/tokens.json"
            let body = tokens.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            try Data("{\(body)}".utf8).write(to: URL(fileURLWithPath: file))
            args += ["--tokens", file]
        }
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args + arguments
        process.standardOutput = output
        if captureLog {
            process.standardError = errorOutput
            let logLines = self.logLines
            errorOutput.fileHandleForReading.readabilityHandler = { handle in logLines.append(handle.availableData) }
        } else {
            process.standardError = FileHandle.standardError
        }
        let lines = self.lines
        output.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let all = lines.all
            if let tcp = all.first(where: { $0.hasPrefix("listening on tcp://") && !$0.contains("(reads only") }),
                let sock = all.first(where: { $0.hasPrefix("listening on unix://") }),
                arguments.contains("--metrics") == all.contains(where: { $0.hasPrefix("metrics on ") })
            {
                port = Int(tcp.split(separator: ":").last ?? "") ?? 0
                queryPort = all.first(where: { $0.contains("(reads only") }).flatMap {
                    Int($0.split(separator: " ")[2].split(separator: ":").last ?? "")
                }
                socketPath = String(sock.dropFirst("listening on unix://".count))
                metricsURL = all.first(where: { $0.hasPrefix("metrics on ") }).map {
                    String($0.dropFirst("metrics on ".count).dropLast("/metrics".count))
                }
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning { process.terminate() }
        throw TestFailure("the server did not start: \(lines.all)")
    }

    /// The server's resident memory (VmRSS), nil once it has exited.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib << 10
    }

    /// Each of the server's threads: its name and scheduling policy (0 normal, 5 idle).
    func threadPolicies() -> [(name: String, policy: Int)] {
        let dir = "/proc/\(process.processIdentifier)/task"
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return tasks.compactMap { tid in
            guard let name = try? String(contentsOfFile: "\(dir)/\(tid)/comm", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "\(dir)/\(tid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  let policy = Int(stat[stat.index(after: close)...].split(separator: " ")[41 - 3]) else { return nil }
            return (name.trimmingCharacters(in: .whitespacesAndNewlines), policy)
        }
    }

    /// Lines the server printed on standard output.
    var printed: [String] { lines.all }

    /// Lines the server logged, when started with `captureLog`.
    var logged: [String] { logLines.all }

    /// A new connection over TCP.
    func connect() throws -> TestClient { try TestClient(port: port) }

    /// SIGTERM, then waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        if captureLog { errorOutput.fileHandleForReading.readabilityHandler = nil }
        return process.terminationStatus
    }

    /// SIGKILL, as in a crash: nothing runs after it (no graceful shutdown), then waits for the exit.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
    }

    func removeData() { try? FileManager.default.removeItem(atPath: data) }

    deinit {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Runs `body` with a fresh server, stops it (expecting exit 0) and removes its data.
func withServer<T>(
    tokens: [String: String] = [:], arguments: [String] = [], _ body: (ServerProcess) async throws -> T
) async throws -> T {
    let server = try ServerProcess(tokens: tokens, arguments: arguments)
    defer { server.removeData() }
    do {
        let result = try await body(server)
        #expect(server.stop() == 0, "the server exits 0 after SIGTERM")
        return result
    } catch {
        server.stop()
        throw error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Standard output of the server, split into lines as it arrives.
final class LineCollector: Sendable {
    private let state = Lock<(partial: [UInt8], lines: [String])>(([], []))

    func append(_ data: Data) {
        state.withLock { s in
            s.partial.append(contentsOf: data)
            while let nl = s.partial.firstIndex(of: 0x0A) {
                s.lines.append(String(decoding: s.partial[..<nl], as: UTF8.self))
                s.partial.removeFirst(nl + 1)
            }
        }
    }

    var all: [String] { state.withLock { $0.lines } }
}
