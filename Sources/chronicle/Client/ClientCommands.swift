import ArgumentParser
import Foundation
import JSON

/// `--connect` and `--token` of every client subcommand (CONTRACT §5).
struct ClientOptions: ParsableArguments {
    @Option(help: "The server: HOST:PORT or a Unix socket path.")
    var connect = "127.0.0.1:7420"

    @Option(help: "The token for hello (or the CHRONICLE_TOKEN environment variable).")
    var token: String?

    func validate() throws { try LineClient.validate(connect: connect) }

    /// Connects and says hello; an unknown token prints the reply and exits 1.
    func open() throws -> LineClient { try LineClient.hello(connect: connect, token: token) }
}

extension LineClient {
    /// Connects and says hello with `token` (or the CHRONICLE_TOKEN environment variable); an unknown
    /// token prints the reply and exits 1.
    static func hello(connect: String, token: String?) throws -> LineClient {
        let client = try LineClient(connect: connect)
        if let token = token ?? ProcessInfo.processInfo.environment["CHRONICLE_TOKEN"] {
            let (line, reply) = try client.call(["op": "hello", "token": .string(token)])
            if reply["ok"]?.boolValue != true {
                printLine(line)
                throw Exit.failure
            }
        }
        return client
    }
}

func printLine(_ line: [UInt8]) {
    FileHandle.standardOutput.write(Data(line + [0x0A]))
}

/// Sends one request and prints its reply; exits 1 on an error reply.
func sendAndPrint(_ client: LineClient, _ request: JSONObject) throws {
    let (line, reply) = try client.call(request)
    printLine(line)
    if reply["ok"]?.boolValue != true { throw Exit.failure }
}

/// `chronicle send COMMAND-JSON`.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a command to a running server and print the reply as JSON.",
        discussion: """
            COMMAND-JSON is {"type":…, "data":{…}, "commandId"?:…, "expectedVersion"?:…}; '-' reads it \
            from standard input. An object with an "op" is sent as that request instead (e.g. a read). \
            Exits 1 on an error reply.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The command as a JSON object, or '-' for standard input.")
    var json: String

    func run() throws {
        let text = json == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : json
        guard case .object(var request)? = try? JSONValue.parse(text) else {
            printError("COMMAND-JSON must be a JSON object")
            throw Exit.usage
        }
        if request["op"] == nil { request["op"] = "command" }
        try sendAndPrint(try client.open(), request)
    }
}

/// `chronicle query VIEW [key=value …]`.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query a view on a running server and print the reply as JSON.",
        discussion: """
            Parameters are key=value (a string) or key:=JSON (a number, boolean, array or object), \
            e.g. customerId=C-1 limit:=50. Exits 1 on an error reply.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The view, e.g. customer360.")
    var view: String

    @Argument(help: "Parameters: key=value or key:=JSON.")
    var params: [String] = []

    @Option(help: "Wait until the view has applied this position (read-your-writes).")
    var minPosition: UInt64?

    @Option(help: "How long the server may wait for --min-position, in milliseconds.")
    var timeoutMs: UInt64?

    @Option(help: "Query a replayed views directory offline (`chronicle replay --out DIR`) instead of a server.")
    var viewsDir: String?

    @Option(help: "With --views-dir: the data directory whose log (and keys) the views were built from.")
    var data: String = "./data"

    func run() async throws {
        var object = JSONObject()
        for p in params {
            if let r = p.range(of: ":="), !p[..<r.lowerBound].isEmpty {
                guard let value = try? JSONValue.parse(String(p[r.upperBound...])) else {
                    printError("\(p): the value after := must be JSON")
                    throw Exit.usage
                }
                object[String(p[..<r.lowerBound])] = value
            } else if let eq = p.firstIndex(of: "="), eq != p.startIndex {
                object[String(p[..<eq])] = .string(String(p[p.index(after: eq)...]))
            } else {
                printError("\(p): parameters are key=value or key:=JSON")
                throw Exit.usage
            }
        }
        if let viewsDir {
            try await OfflineQuery.run(view: view, params: object, viewsDir: viewsDir, data: DataDirectory(path: data))
            return
        }
        var request: JSONObject = ["op": "query", "view": .string(view), "params": .object(object)]
        if let minPosition { request["minPosition"] = .number(JSONNumber(minPosition)) }
        if let timeoutMs { request["timeoutMs"] = .number(JSONNumber(timeoutMs)) }
        try sendAndPrint(try client.open(), request)
    }
}

/// `chronicle forget SUBJECT --reason R` (CONTRACT §5, §8).
struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase a person's personal data: send ForgetSubject to a running server (admin only).",
        discussion: """
            SUBJECT is lead:<leadId> or employee:<employeeId>. Once the SubjectForgotten event is durable \
            the server destroys the subject's key: its personal fields read "[erased]" in every view, \
            export, audit trail and read, and `chronicle verify` still passes. Prints the reply as JSON; \
            exits 1 on an error reply (forbidden for a non-admin token, invalid_argument for a malformed \
            subject, already_exists when it was forgotten before).
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "lead:<leadId> or employee:<employeeId>.")
    var subject: String

    @Option(help: "Why the data is erased; kept in the SubjectForgotten event.")
    var reason: String

    @Option(help: "A commandId, so that a retry after a lost reply writes nothing twice.")
    var commandId: String?

    func validate() throws {
        if reason.isEmpty { throw ValidationError("--reason must not be empty") }
    }

    func run() throws {
        var request: JSONObject = [
            "op": "command", "type": "ForgetSubject",
            "data": ["subject": .string(subject), "reason": .string(reason)],
        ]
        if let commandId { request["commandId"] = .string(commandId) }
        try sendAndPrint(try client.open(), request)
    }
}
