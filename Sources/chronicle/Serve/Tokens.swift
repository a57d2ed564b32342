import Foundation
import Logging
import ServiceLifecycle
import SocketAPI
import UnixSignals

/// Where `serve` gets its tokens: the admin token, the tokens file, and (with `--demo`) the demo's.
struct TokenSource: Sendable {
    let file: String?
    let adminToken: String?

    init(file: String?, adminToken: String?) throws {
        self.file = file
        self.adminToken = adminToken
        _ = try readFile()  // a broken file stops the server before it listens
    }

    func readFile() throws -> [String: String] {
        guard let file else { return [:] }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("cannot read the tokens file \(file)")
        }
        do {
            return try TokenTable.parseFile(Array(data))
        } catch {
            throw CLIError("\(file): \(error)")
        }
    }

    func makeTable(extra: [String: String]) throws -> TokenTable {
        TokenTable(adminToken: adminToken, employeeTokens: extra.merging(try readFile()) { _, fromFile in fromFile })
    }
}

/// Reloads the tokens file on SIGHUP; connections stay open (sessions whose token is gone end).
struct TokenReloader: Service {
    let file: String
    let source: TokenSource
    let extra: [String: String]
    let table: TokenTable
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                let tokens = extra.merging(try source.readFile()) { _, fromFile in fromFile }
                table.replaceEmployeeTokens(tokens)
                logger.notice("tokens reloaded", metadata: ["chronicle.tokens": "\(tokens.count)"])
            } catch {
                logger.error("tokens not reloaded; the previous ones stay in force",
                             metadata: ["chronicle.error": "\(error)"])
            }
        }
    }
}
