import ArgumentParser
import Domain
import EventLog
import Foundation
import JSON
import PersonalData
import ProjectionRuntime
import Views

/// `chronicle audit (stream|actor|tag) ID` (CONTRACT §5): the audit trail of one stream, actor or tag,
/// as a table or JSON. Rows come from the `auditTrail` view (so `before`/`after` are computed in one
/// place): offline, the view is replayed from `--data` into a temporary directory and paged through;
/// with `--connect`, a running server's view is asked instead. Approval decisions carry the chain and
/// policy frozen at submission, taken from the expense's `ExpenseSubmitted` row.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit trail of a stream, an actor or a tag: who did what, when, and what changed.",
        discussion: """
            Reads the log of --data offline (personal fields revealed with its keys, or [erased]), or \
            with --connect a running server's auditTrail view (as the --token's actor). Approval \
            decisions show the chain, threshold and policy position frozen when the expense was submitted.
            """)

    @Argument(help: "stream, actor or tag.") var kind: String
    @Argument(help: "The stream, actor or tag, e.g. expense-X-1, M-1, customer:C-1.") var id: String
    @Option(help: "Only events at or after this ISO-8601 time.") var from: String?
    @Option(help: "Only events before this ISO-8601 time.") var to: String?
    @Flag(help: "Write one JSON object (rows with changes and decisions) instead of a table.") var json = false
    @OptionGroup var data: DataOptions
    @Option(help: "Ask a running server (HOST:PORT or a Unix socket path) instead of reading --data.")
    var connect: String?
    @Option(help: "With --connect: the token for hello (or the CHRONICLE_TOKEN environment variable).")
    var token: String?

    static let decisionTypes: Set<String> = [
        "ExpenseStepApproved", "ExpenseStepRejected", "ExpenseApproved", "ExpenseRejected",
    ]

    func validate() throws {
        guard ["stream", "actor", "tag"].contains(kind) else {
            throw ValidationError("the kind must be stream, actor or tag (not \(kind))")
        }
        guard !id.isEmpty else { throw ValidationError("the \(kind) must not be empty") }
        if let from, Timestamp(iso8601: from) == nil { throw ValidationError("--from must be an ISO-8601 time") }
        if let to, Timestamp(iso8601: to) == nil { throw ValidationError("--to must be an ISO-8601 time") }
        if let from, let to, Timestamp(iso8601: from)!.milliseconds > Timestamp(iso8601: to)!.milliseconds {
            throw ValidationError("--from must not be after --to")
        }
        if let connect { try LineClient.validate(connect: connect) }
    }

    func run() async throws {
        var params: JSONObject = [kind: .string(id)]
        if let from { params["from"] = .string(from) }
        if let to { params["to"] = .string(to) }
        let rows: [JSONObject]
        let submissions: [String: JSONObject]
        if let connect {
            (rows, submissions) = try await ServerTrail(connect: connect, token: token).rowsAndSubmissions(params)
        } else {
            let source = try await OfflineTrail(data: data.directory)
            defer { source.close() }
            (rows, submissions) = try await source.rowsAndSubmissions(params)
        }
        let entries = rows.map { row -> JSONObject in
            var row = row
            if let type = row["type"]?.stringValue, Self.decisionTypes.contains(type),
                let stream = row["stream"]?.stringValue, let submitted = submissions[stream]
            {
                row["decision"] = .object(submitted)
            }
            return row
        }
        if json {
            let out: JSONValue = [
                "kind": .string(kind), "id": .string(id), "count": .number(JSONNumber(entries.count)),
                "rows": .array(entries.map(JSONValue.object)),
            ]
            print(out.jsonString)
        } else {
            print(Self.table(entries), terminator: "")
        }
    }

    /// The streams of the decision rows, whose submissions are looked up.
    static func decisionStreams(_ rows: [JSONObject]) -> Set<String> {
        Set(rows.compactMap { row in
            guard let type = row["type"]?.stringValue, decisionTypes.contains(type) else { return nil }
            return row["stream"]?.stringValue
        })
    }

    /// The policy and chain frozen by the stream's `ExpenseSubmitted` row (its fields are all changes:
    /// it opens the stream).
    static func submission(in rows: [JSONObject]) throws -> JSONObject? {
        guard let row = rows.first(where: { $0["type"]?.stringValue == "ExpenseSubmitted" }) else { return nil }
        var fields: [String: JSONValue] = [:]
        for change in row["changes"]?.arrayValue ?? [] {
            if let field = change["field"]?.stringValue, let after = change["after"] { fields[field] = after }
        }
        return [
            "submittedAt": row["position"] ?? .null,
            "chain": fields["chain"] ?? .null,
            "threshold": fields["threshold"] ?? .null,
            "policyPosition": fields["policyPosition"] ?? .null,
        ]
    }

    /// One header line per event, then one indented line per changed field (and the frozen chain
    /// and policy under a decision).
    static func table(_ rows: [JSONObject]) -> String {
        var out = ""
        for row in rows {
            let text = { (key: String) in row[key].map(plain) ?? "" }
            out += "#\(text("position"))  \(text("at"))  \(text("actor"))  \(text("type"))  \(text("stream")) v\(text("version"))"
            if let c = row["commandId"]?.stringValue { out += "  command \(c)" }
            out += "\n"
            for change in row["changes"]?.arrayValue ?? [] {
                let field = change["field"]?.stringValue ?? "?"
                out += "    \(field): \(change["before"].map(plain) ?? "null") -> \(change["after"].map(plain) ?? "null")\n"
            }
            if let d = row["decision"]?.objectValue {
                let chain = (d["chain"]?.arrayValue ?? []).map(step).joined(separator: " > ")
                out += "    decided under: chain [\(chain)], threshold \(d["threshold"].map(plain) ?? "?"), "
                let policy = d["policyPosition"].map(plain) ?? "?"
                out += (policy == "0" ? "the default policy" : "the policy set at #\(policy)")
                out += " (frozen at submission #\(d["submittedAt"].map(plain) ?? "?"))\n"
            }
        }
        if rows.isEmpty { out += "no events\n" }
        return out
    }

    /// A scalar as its text; anything else as JSON.
    static func plain(_ value: JSONValue) -> String {
        if let s = value.stringValue { return s }
        return value.jsonString
    }

    /// A chain step as `name:approver` (`name:any ROLE` for a role step).
    static func step(_ value: JSONValue) -> String {
        guard let o = value.objectValue else { return plain(value) }
        let name = o["name"]?.stringValue ?? o["step"]?.stringValue
        let who = o["approverId"]?.stringValue ?? o["role"].flatMap(\.stringValue).map { "any " + $0 }
        switch (name, who) {
        case (let n?, let w?): return "\(n):\(w)"
        case (let n?, nil): return n
        default: return value.jsonString
        }
    }
}

/// The `auditTrail` view replayed from a data directory into a temporary directory it owns.
final class OfflineTrail {
    let log: EventLog
    let keys: SubjectKeyStore
    let store: ViewStore
    let directory: String
    let service: ViewService

    init(data: DataDirectory) async throws {
        guard data.logExists else { throw CLIError("\(data.path) holds no log") }
        log = try data.openLogReadOnly()
        let projections = ViewService.projections.filter { $0.views.contains("auditTrail") }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
        directory = base
        do {
            _ = try ProjectionEngine.replay(log: log, projections: projections, into: base + "/views")
            store = try ViewStore.open(directory: base + "/views", projections: projections, readOnly: true)
            keys = try SubjectKeyStore(path: data.keys, readOnly: true)
        } catch {
            log.close()
            try? FileManager.default.removeItem(atPath: base)
            throw error
        }
        service = ViewService(source: StaticViewSource(log: log, store: store))
    }

    /// One page of the view, personal fields revealed (or [erased]).
    func page(_ params: JSONObject) async throws -> JSONObject {
        do {
            let result = try await service.query(
                view: "auditTrail", params: params, actor: .admin, minPosition: nil, timeout: .seconds(1)
            ).result
            return keys.reveal(result)
        } catch let e as DomainError {
            throw CLIError("\(e.code.rawValue): \(e.message)")
        }
    }

    func close() {
        store.close()
        keys.close()
        log.close()
        // Only the directory this process created under the temporary directory.
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The `auditTrail` view of a running server.
struct ServerTrail {
    let client: LineClient

    init(connect: String, token: String?) throws {
        client = try LineClient.hello(connect: connect, token: token)
    }

    /// One page of the server's view; an error reply is printed as it came and exits 1.
    func page(_ params: JSONObject) throws -> JSONObject {
        let (line, reply) = try client.call(["op": "query", "view": "auditTrail", "params": .object(params)])
        guard reply["ok"]?.boolValue == true, let result = reply["result"]?.objectValue else {
            printLine(line)
            throw Exit.failure
        }
        return result
    }
}

/// Where `chronicle audit` reads the `auditTrail` view: a replay of the log, or a running server.
protocol AuditTrailSource {
    /// One page of the view for `params` (a query's `result`).
    func page(_ params: JSONObject) async throws -> JSONObject
}

extension OfflineTrail: AuditTrailSource {}
extension ServerTrail: AuditTrailSource {}

extension AuditTrailSource {
    /// Every row, paging through the view 1000 at a time.
    func all(_ params: JSONObject) async throws -> [JSONObject] {
        var rows: [JSONObject] = []
        var after: String?
        repeat {
            var p = params
            p["limit"] = .number(JSONNumber(PageRequest.maximumLimit))
            if let after { p["after"] = .string(after) }
            let result = try await page(p)
            rows += (result["rows"]?.arrayValue ?? []).compactMap(\.objectValue)
            after = result["next"]?.stringValue
        } while after != nil
        return rows
    }

    /// The rows for `params`, and the submission of each expense a decision among them belongs to.
    func rowsAndSubmissions(_ params: JSONObject) async throws -> ([JSONObject], [String: JSONObject]) {
        let rows = try await all(params)
        var submissions: [String: JSONObject] = [:]
        for stream in AuditCommand.decisionStreams(rows) {
            submissions[stream] = try AuditCommand.submission(in: try await all(["stream": .string(stream)]))
        }
        return (rows, submissions)
    }
}
