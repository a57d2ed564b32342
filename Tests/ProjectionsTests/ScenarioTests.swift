import CommandProcessing
import Domain
import Foundation
import JSON
import Testing

/// Hand-checked scenarios in the fixtures' format — `{"name", "description", "steps": [{"actor", "type",
/// "data", "at"?, "expect"?}], "expectedViews": {"<view>": [{"params", "actor", "result" | "error"}]}}` —
/// run through the real processor and views. Reads every `Fixtures/Scenarios/*.json` of the package
/// (when present) and the scenarios written here.
struct Scenario {
    var name: String
    var steps: [JSONObject]
    var expectedViews: JSONObject
    var start: String?

    init(_ value: JSONValue) throws {
        guard case .object(let o) = value else { throw ScenarioError("a scenario is an object") }
        name = o["name"]?.stringValue ?? "unnamed"
        start = o["start"]?.stringValue
        steps = (o["steps"]?.arrayValue ?? []).compactMap(\.objectValue)
        expectedViews = o["expectedViews"]?.objectValue ?? [:]
    }

    /// The rejection code a step's `expect` asks for, if any.
    static func expectedCode(_ expect: JSONValue?) -> String? {
        switch expect {
        case .string(let s) where s != "ok": return s
        case .object(let o):
            if let c = o["code"]?.stringValue ?? o["rejected"]?.stringValue { return c }
            if let e = o["error"] {
                return e.stringValue ?? e["code"]?.stringValue
            }
            return nil
        default: return nil
        }
    }

    /// Runs the steps, then checks every expected view result ("at least" these fields).
    func run() async throws {
        let h = try ViewHarness()
        // Times as Fixtures/README.md defines them: `start` (default 2026-01-05T09:00:00Z), each step's
        // `at`, or one second after the step before.
        var at = Timestamp(iso8601: start ?? "2026-01-05T09:00:00Z") ?? Timestamp(milliseconds: 0)
        h.clock.reset(to: at.milliseconds)
        for (i, step) in steps.enumerated() {
            if let text = step["at"]?.stringValue {
                guard let t = Timestamp(iso8601: text) else { throw ScenarioError("\(name) step \(i): bad at \(text)") }
                at = t
            } else if i > 0 {
                at = at.adding(milliseconds: 1000)
            }
            h.clock.set(at.milliseconds)
            let actor = step["actor"]?.stringValue ?? "admin"
            let type = step["type"]?.stringValue ?? ""
            let data = step["data"]?.objectValue ?? [:]
            let code = await h.code(actor, type, data)
            let expected = Self.expectedCode(step["expect"])
            #expect(code == expected, "\(name) step \(i) (\(type) by \(actor)): got \(code ?? "ok"), expected \(expected ?? "ok")")
        }
        for (view, cases) in expectedViews {
            for (i, c) in (cases.arrayValue ?? []).enumerated() {
                let actor = c["actor"]?.stringValue ?? "admin"
                let params = c["params"]?.objectValue ?? [:]
                do {
                    let result = try await h.query(view, params, as: actor)
                    if let expectedError = c["error"] {
                        Issue.record("\(name) \(view)[\(i)]: expected \(expectedError.text), got a result")
                    } else if let expected = c["result"] {
                        let same = matches(.object(result), expected)
                        #expect(
                            same,
                            "\(name) \(view)[\(i)] as \(actor) \(params.text)\n  got:      \(result.text)\n  expected: \(expected.text)")
                    }
                } catch let e as DomainError {
                    let expected = Self.expectedCode(c["error"].map { .object(["error": $0]) })
                    #expect(
                        e.code.rawValue == expected,
                        "\(name) \(view)[\(i)] as \(actor): \(e.code.rawValue) \(e.message), expected \(expected ?? "a result")")
                }
            }
        }
    }
}

struct ScenarioError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite struct ScenarioTests {
    static var fixtureFiles: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let dir = root.appendingPathComponent("Fixtures/Scenarios").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
    }

    @Test func everyFixtureScenarioProducesItsExpectedViews() async throws {
        for file in Self.fixtureFiles {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
            let scenario = try Scenario(try JSONValue.parse(bytes))
            try await scenario.run()
        }
    }

    /// The runner on a scenario written in the fixtures' format: an expense through its chain, a
    /// customer with a won deal, stock in and out.
    @Test func aScenarioInTheFixtureFormatRunsAndChecksEveryView() async throws {
        let text = #"""
        {"name": "views smoke", "description": "expense chain, a won deal, stock",
         "steps": [
          {"actor": "admin", "type": "RegisterEmployee", "data": {"employeeId": "M-1", "name": "Mo", "roles": ["manager"]}, "at": "2026-05-04T08:00:00Z"},
          {"actor": "admin", "type": "RegisterEmployee", "data": {"employeeId": "E-1", "name": "Eve", "roles": ["sales"], "managerId": "M-1"}},
          {"actor": "admin", "type": "RegisterEmployee", "data": {"employeeId": "F-1", "name": "Fay", "roles": ["finance"]}},
          {"actor": "admin", "type": "RegisterEmployee", "data": {"employeeId": "W-1", "name": "Wes", "roles": ["warehouse"]}},
          {"actor": "E-1", "type": "RegisterCustomer", "data": {"customerId": "C-1", "name": "Acme"}, "at": "2026-05-04T09:00:00Z"},
          {"actor": "E-1", "type": "OpenOpportunity", "data": {"opportunityId": "O-1", "customerId": "C-1", "title": "Big", "amount": "800.00"}},
          {"actor": "E-1", "type": "AdvanceStage", "data": {"opportunityId": "O-1", "stage": "won"}, "at": "2026-05-06T09:00:00Z"},
          {"actor": "E-1", "type": "AdvanceStage", "data": {"opportunityId": "O-1", "stage": "won"}, "expect": {"error": {"code": "opportunity_closed"}}},
          {"actor": "E-1", "type": "SubmitExpense", "data": {"expenseId": "X-1", "amount": "45.50", "category": "meals", "description": "lunch", "customerId": "C-1"}, "at": "2026-05-06T12:00:00Z"},
          {"actor": "E-1", "type": "ApproveExpense", "data": {"expenseId": "X-1"}, "expect": {"error": "self_approval_forbidden"}},
          {"actor": "M-1", "type": "ApproveExpense", "data": {"expenseId": "X-1"}, "at": "2026-05-06T13:00:00Z"},
          {"actor": "W-1", "type": "RegisterProduct", "data": {"sku": "S-1", "name": "Bolt", "unit": "pc", "reorderPoint": 10}},
          {"actor": "W-1", "type": "RegisterWarehouse", "data": {"warehouseId": "WH", "name": "Main"}},
          {"actor": "W-1", "type": "ReceiveStock", "data": {"receiptId": "R-1", "sku": "S-1", "warehouseId": "WH", "quantity": 8, "unitCost": "10"}},
          {"actor": "W-1", "type": "ReceiveStock", "data": {"receiptId": "R-2", "sku": "S-1", "warehouseId": "WH", "quantity": 4, "unitCost": "16"}}
         ],
         "expectedViews": {
          "customer360": [
            {"actor": "E-1", "params": {"customerId": "C-1"}, "result": {"customerId": "C-1", "ownerId": "E-1",
              "opportunities": [{"id": "O-1", "stage": "won", "amount": "800.00", "probability": 100}],
              "expenses": [{"id": "X-1", "amount": "45.50", "status": "pending"}],
              "totals": {"wonAmount": "800.00", "openPipeline": "0.00", "weightedPipeline": "0.00", "approvedExpenses": "0.00"}}},
            {"actor": "W-1", "params": {"customerId": "C-404"}, "error": "not_found"}
          ],
          "salesFunnel": [
            {"actor": "E-1", "params": {"repId": "E-1"}, "result": {"stages": {"won": {"count": 1, "amount": "800.00"}}, "winRate": 1.0}},
            {"actor": "E-1", "params": {}, "error": "forbidden"}
          ],
          "approvalQueue": [
            {"actor": "F-1", "params": {"approverId": "F-1"}, "result": {"rows": [{"expenseId": "X-1", "requesterId": "E-1", "amount": "45.50", "step": "finance", "waitingSince": "2026-05-06T13:00:00.000Z"}], "next": null}},
            {"actor": "M-1", "params": {"approverId": "M-1"}, "result": {"rows": [], "next": null}}
          ],
          "myExpenses": [
            {"actor": "M-1", "params": {"requesterId": "E-1"}, "result": {"rows": [{"expenseId": "X-1", "status": "pending", "step": "finance"}]}}
          ],
          "inventory": [
            {"actor": "E-1", "params": {"sku": "S-1"}, "result": {"rows": [{"sku": "S-1", "warehouseId": "WH", "onHand": 12, "reserved": 0, "available": 12, "averageCost": "12.0000", "value": "144.00", "belowReorderPoint": false}], "next": null}}
          ],
          "stockLedger": [
            {"actor": "W-1", "params": {"sku": "S-1"}, "result": {"rows": [{"type": "StockReceived", "quantity": 8, "onHandAfter": 8, "unitCost": "10.0000", "reference": "R-1"}, {"type": "StockReceived", "quantity": 4, "onHandAfter": 12, "unitCost": "16.0000", "reference": "R-2"}]}}
          ],
          "auditTrail": [
            {"actor": "admin", "params": {"stream": "opportunity-O-1"}, "result": {"rows": [
              {"type": "OpportunityOpened", "actor": "E-1"},
              {"type": "OpportunityStageAdvanced", "at": "2026-05-06T09:00:00.000Z", "changes": [{"field": "from", "before": null, "after": "discovery"}, {"field": "to", "before": null, "after": "won"}, {"field": "probability", "before": 10, "after": 100}]},
              {"type": "OpportunityWon"}]}}
          ]
         }}
        """#
        let scenario = try Scenario(try JSONValue.parse(Array(text.utf8)))
        try await scenario.run()
    }
}
