import Foundation
import JSON
import Testing

/// The role table of CONTRACT §2 over the wire: every command, query, read and subscribe checks it.
@Suite struct RoleTests {
    static let tokens = [
        "t-sales": "E-S", "t-auditor": "E-A", "t-integration": "E-I", "t-warehouse": "E-W", "t-finance": "E-F",
        "t-later": "E-L", "t-ghost": "E-404",
    ]

    @Test func rolesDecideWhatEachEmployeeMayDo() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let admin = try server.connect()
            try admin.hello()
            try admin.register("E-S", roles: ["sales"])
            try admin.register("E-A", roles: ["auditor"])
            try admin.register("E-I", roles: ["integration"])
            try admin.register("E-W", roles: ["warehouse"])
            try admin.register("E-F", roles: ["finance"])

            let sales = try server.connect()
            let hello = try sales.hello("t-sales")
            #expect(hello["actor"] == "E-S" && hello["roles"] == ["sales"])
            #expect(try sales.command("CaptureLead", CommandTests.lead("L-1")).ok)
            #expect(try sales.command("RegisterProduct", ["sku": "S-1", "name": "X", "unit": "pc", "reorderPoint": 1]).code == "forbidden")
            #expect(try sales.command("RegisterEmployee", ["employeeId": "E-9", "name": "N", "roles": ["sales"]]).code == "forbidden")
            #expect(try sales.command("PayExpense", ["expenseId": "X-1"]).code == "forbidden", "forbidden before not_found")
            #expect(try sales.call("read", ["fromPosition": 0]).code == "forbidden")
            #expect(try sales.call("subscribe", ["fromPosition": 0]).code == "forbidden")
            #expect(try sales.call("query", ["view": "stockLedger", "params": ["sku": "S-1"]]).code == "forbidden")
            #expect(try sales.call("query", ["view": "auditTrail", "params": ["actor": "E-S"]]).code == "forbidden")
            let allowed = try sales.call("query", ["view": "inventory", "params": [:]])
            #expect(allowed.code != "forbidden", "inventory is a sales view: \(allowed)")

            let auditor = try server.connect()
            try auditor.hello("t-auditor")
            #expect(try auditor.call("read", ["fromPosition": 0]).ok)
            #expect(try auditor.call("subscribe", ["fromPosition": "end"]).ok)
            #expect(try auditor.command("CaptureLead", CommandTests.lead("L-2")).code == "forbidden")
            #expect(try auditor.call("query", ["view": "stockLedger", "params": [:]]).code != "forbidden")

            let integration = try server.connect()
            try integration.hello("t-integration")
            #expect(try integration.call("read", ["fromPosition": 0]).ok)
            #expect(try integration.command("SubmitExpense", ["expenseId": "X-1", "amount": "10.00", "category": "travel", "description": "d"]).code == "forbidden",
                    "an integration-only account is not part of everyone")
            #expect(try integration.call("query", ["view": "customer360", "params": ["customerId": "C-1"]]).code != "forbidden")

            let warehouse = try server.connect()
            try warehouse.hello("t-warehouse")
            #expect(try warehouse.command("RegisterProduct", ["sku": "S-1", "name": "X", "unit": "pc", "reorderPoint": 1]).ok)
            #expect(try warehouse.command("CaptureLead", CommandTests.lead("L-3")).code == "forbidden")
            #expect(try warehouse.call("read", ["fromPosition": 0]).code == "forbidden")
            #expect(try warehouse.call("query", ["view": "salesFunnel", "params": [:]]).code == "forbidden")

            let finance = try server.connect()
            try finance.hello("t-finance")
            #expect(try finance.call("query", ["view": "auditTrail", "params": ["actor": "E-S"]]).code == "forbidden")
            #expect(try finance.call("query", ["view": "myExpenses", "params": ["requesterId": "E-S"]]).code != "forbidden")
        }
    }

    @Test func aTokenAuthenticatesOnceItsEmployeeIsRegistered() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let later = try server.connect()
            #expect(try later.hello("t-later").code == "unauthenticated")
            let admin = try server.connect()
            try admin.hello()
            try admin.register("E-L", roles: ["analyst"])
            #expect(try later.hello("t-later").ok, "no reload needed")
            #expect(try server.connect().hello("t-ghost").code == "unauthenticated")
        }
    }

    @Test func aDeactivatedEmployeesOpenConnectionBecomesUnauthenticated() async throws {
        try await withServer(tokens: Self.tokens) { server in
            let admin = try server.connect()
            try admin.hello()
            try admin.register("E-S", roles: ["sales"])
            let sales = try server.connect()
            try sales.hello("t-sales")
            #expect(try sales.call("ping").ok)
            #expect(try sales.command("CaptureLead", CommandTests.lead("L-1")).ok)
            #expect(try admin.command("DeactivateEmployee", ["employeeId": "E-S", "reason": "left"]).ok)
            #expect(try sales.command("CaptureLead", CommandTests.lead("L-2")).code == "unauthenticated")
            #expect(try sales.call("query", ["view": "inventory", "params": [:]]).code == "unauthenticated")
            #expect(try sales.hello("t-sales").code == "unauthenticated")
        }
    }

    @Test func sighupReloadsTheTokensFileWithoutDroppingConnections() async throws {
        try await withServer(tokens: ["t-old": "E-1"]) { server in
            let admin = try server.connect()
            try admin.hello()
            try admin.register("E-1", roles: ["analyst"])
            try admin.register("E-2", roles: ["analyst"])
            let old = try server.connect()
            try old.hello("t-old")
            try Data(#"{"t-new":"E-2"}"#.utf8).write(to: URL(fileURLWithPath: server.data + "/tokens.json"))
            kill(server.process.processIdentifier, SIGHUP)
            var newWorks = false
            for _ in 0..<100 where !newWorks {
                newWorks = try server.connect().hello("t-new").ok
                if !newWorks { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(newWorks)
            #expect(try admin.call("ping").ok, "connections stay open")
            #expect(try old.call("read", ["fromPosition": 0]).code == "unauthenticated", "a removed token ends its session")
        }
    }
}
