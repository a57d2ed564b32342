import Foundation
import JSON
import Testing

/// `chronicle audit` on a log made by `chronicle import`: an expense submitted by E-1, approved by
/// its manager M-1 and by finance F-1.
@Suite struct AuditTests {
    let history = """
        {"type":"RegisterEmployee","data":{"employeeId":"C-1","name":"Cora Chief","roles":["ceo"]},"actor":"admin","at":"2025-03-01T08:00:00Z"}
        {"type":"RegisterEmployee","data":{"employeeId":"M-1","name":"Max Manager","roles":["manager"],"managerId":"C-1"},"actor":"admin","at":"2025-03-01T08:01:00Z"}
        {"type":"RegisterEmployee","data":{"employeeId":"E-1","name":"Erin Sales","roles":["sales"],"managerId":"M-1"},"actor":"admin","at":"2025-03-01T08:02:00Z"}
        {"type":"RegisterEmployee","data":{"employeeId":"F-1","name":"Fay Finance","roles":["finance"],"managerId":"C-1"},"actor":"admin","at":"2025-03-01T08:03:00Z"}
        {"type":"SubmitExpense","data":{"expenseId":"X-1","amount":"120.50","category":"travel","description":"Train to the customer"},"actor":"E-1","at":"2025-03-02T09:00:00Z","commandId":"submit-x1"}
        {"type":"ApproveExpense","data":{"expenseId":"X-1"},"actor":"M-1","at":"2025-03-03T10:00:00Z","commandId":"approve-m1"}
        {"type":"ApproveExpense","data":{"expenseId":"X-1"},"actor":"F-1","at":"2025-03-04T11:00:00Z","commandId":"approve-f1"}

        """

    func populated() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        let file = dir.path + "/history.ndjson"
        try history.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return dir
    }

    func audit(_ arguments: [String], _ dir: TemporaryDirectory) throws -> JSONValue {
        let r = try CLI.run(["audit"] + arguments + ["--data", dir.path + "/data", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONValue.parse(r.stdout)
    }

    func types(_ trail: JSONValue) -> [String] { (trail["rows"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue } }

    @Test func aStreamShowsEveryDecisionWithTheFrozenChainAndPolicyAndTheFieldChanges() throws {
        let dir = try populated()
        let trail = try audit(["stream", "expense-X-1"], dir)
        #expect(types(trail) == ["ExpenseSubmitted", "ExpenseStepApproved", "ExpenseStepApproved", "ExpenseApproved"])
        let rows = trail["rows"]?.arrayValue ?? []
        #expect(rows.first?["decision"] == nil, "a submission is not a decision")
        #expect(rows.first?["commandId"] == "submit-x1")
        let amount = rows.first?["changes"]?.arrayValue?.first { $0["field"] == "amount" }
        #expect(amount?["before"] == .null)
        #expect(amount?["after"] == "120.50")
        for row in rows.dropFirst() {
            let decision = try #require(row["decision"], "\(row.jsonString)")
            let steps = decision["chain"]?.arrayValue ?? []
            #expect(steps.count == 2, "\(decision.jsonString)")
            #expect(steps.first?["approverId"] == "M-1")
            #expect(decision["threshold"]?.stringValue != nil)
            #expect(decision["policyPosition"]?.intValue != nil)
            #expect(decision["submittedAt"] == rows[0]["position"])
        }
        #expect(rows[1]["actor"] == "M-1")
        #expect(rows[1]["commandId"] == "approve-m1")
        #expect(rows[2]["actor"] == "F-1")
        // Field-level: the second step approval changes the fields the first one set.
        let changed = (rows[2]["changes"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
        #expect(!changed.contains("expenseId"), "unchanged fields are not listed")

        let table = try CLI.run(["audit", "stream", "expense-X-1", "--data", dir.path + "/data"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("ExpenseStepApproved"))
        #expect(table.stdout.contains("    amount: null -> 120.50"), "\(table.stdout)")
        #expect(table.stdout.contains("decided under: chain ["), "\(table.stdout)")
        #expect(table.stdout.contains("command approve-f1"))
    }

    @Test func byActorAndByTagWithPersonalFieldsRevealedOrErased() throws {
        let dir = try populated()
        let manager = try audit(["actor", "M-1"], dir)
        #expect(types(manager) == ["ExpenseStepApproved"])
        #expect(manager["rows"]?.arrayValue?.first?["decision"]?["chain"] != nil)
        let admin = try audit(["actor", "admin"], dir)
        #expect(types(admin) == Array(repeating: "EmployeeRegistered", count: 4))
        let name = admin["rows"]?.arrayValue?.first?["changes"]?.arrayValue?.first { $0["field"] == "name" }
        #expect(name?["after"] == "Cora Chief", "personal fields are revealed with the keys")
        let forget = dir.path + "/forget.ndjson"
        let line = #"{"type":"ForgetSubject","data":{"subject":"employee:M-1","reason":"left"},"actor":"admin","at":"2025-03-05T08:00:00Z"}"#
        try (line + "\n").write(toFile: forget, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", forget, "--data", dir.path + "/data"]).status == 0)
        let forgotten = try audit(["actor", "admin"], dir)
        let names = (forgotten["rows"]?.arrayValue ?? []).compactMap { row in
            row["changes"]?.arrayValue?.first { $0["field"] == "name" }?["after"]?.stringValue
        }
        #expect(names == ["Cora Chief", "[erased]", "Erin Sales", "Fay Finance"], "after forget: [erased]")
        let tagged = try audit(["tag", "employee:E-1"], dir)
        #expect(types(tagged).filter { $0.hasPrefix("Expense") }.count == 4)
    }

    @Test func fromAndToBoundTheTrail() throws {
        let dir = try populated()
        let bounded = try audit(
            ["stream", "expense-X-1", "--from", "2025-03-03T00:00:00Z", "--to", "2025-03-04T00:00:00Z"], dir)
        #expect(types(bounded) == ["ExpenseStepApproved"])
        #expect(bounded["rows"]?.arrayValue?.first?["actor"] == "M-1")
        #expect(bounded["rows"]?.arrayValue?.first?["decision"]?["chain"] != nil, "the submission is found outside the bounds")
        let none = try audit(["stream", "expense-X-1", "--to", "2025-03-01T00:00:00Z"], dir)
        #expect(none["count"] == 0)
    }

    @Test func badInputIsAUsageError() throws {
        let dir = try populated()
        let data = dir.path + "/data"
        for arguments in [
            ["audit", "customer", "C-1", "--data", data],
            ["audit", "stream", "expense-X-1", "--from", "yesterday", "--data", data],
            ["audit", "stream", "expense-X-1", "--to", "2025-13-45", "--data", data],
            ["audit", "stream", "--data", data],
        ] {
            let r = try CLI.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stdout)\(r.stderr)")
            #expect(!r.stderr.isEmpty)
        }
        let missing = try CLI.run(["audit", "stream", "expense-X-1", "--data", dir.path + "/nothing"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("holds no log"), "\(missing.stderr)")
    }
}
