import Foundation
import JSON
import Testing

/// `chronicle audit --connect`: the audit trail read from a running server equals the one the CLI
/// replays from the stopped server's log, approval decisions with their frozen chain included.
@Suite struct AuditConnectTests {
    @Test func theServersTrailEqualsTheOfflineOne() async throws {
        let server = try ServerProcess(tokens: ["t-f": "E-F"])
        defer { server.removeData() }
        let admin = try server.connect()
        try admin.hello()
        try admin.register("E-F", roles: ["finance"])
        let submitted = try admin.command(
            "SubmitExpense", ["expenseId": "X-1", "amount": "120.00", "category": "travel", "description": "visit"])
        #expect(submitted.ok, "\(submitted.jsonText)")
        let finance = try server.connect()
        try finance.hello("t-f")
        #expect(try finance.command("ApproveExpense", ["expenseId": "X-1"]).ok)
        // The views answer once they hold the decision.
        let last = try admin.call("ping").position ?? 0
        #expect(try admin.call("query", [
            "view": "auditTrail", "params": ["stream": "expense-X-1"], "minPosition": .number(JSONNumber(last)),
        ]).ok)

        let online = try runCLI([
            "audit", "stream", "expense-X-1", "--json", "--connect", "127.0.0.1:\(server.port)",
            "--token", ServerProcess.adminToken,
        ])
        #expect(online.status == 0, "\(online.output)")
        #expect(online.output.contains("ExpenseStepApproved") && online.output.contains("\"chain\""), "\(online.output)")
        #expect(server.stop() == 0)
        let offline = try runCLI(["audit", "stream", "expense-X-1", "--json", "--data", server.data])
        #expect(offline.status == 0, "\(offline.output)")
        #expect(online.output == offline.output)
    }
}
