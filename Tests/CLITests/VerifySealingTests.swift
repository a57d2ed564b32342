import EventCoding
import EventLog
import Foundation
import JSON
import Testing

/// `chronicle verify` reports personal fields stored in plain text (README, "Personal data and
/// erasure": release builds before 82f8953 stored leads' contact fields so).
@Suite struct VerifySealingTests {
    @Test func aLogWrittenByTheProcessorHasEveryPersonalFieldSealed() throws {
        let dir = TemporaryDirectory()
        let file = dir.path + "/leads.ndjson"
        try """
            {"type":"CaptureLead","data":{"leadId":"L-1","company":"Acme","contactName":"Zora Plaintextova","email":"zora@acme.example","source":"web"},"actor":"admin"}
            {"type":"CaptureLead","data":{"leadId":"L-2","company":"Bolt","contactName":"Yves Plaintext","source":"web"},"actor":"admin"}
            {"type":"RegisterEmployee","data":{"employeeId":"E-1","name":"Ada Rep","roles":["sales"]},"actor":"admin"}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try CLI.run(["import", file, "--data", dir.path + "/data"])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")

        let verify = try CLI.run(["verify", "--data", dir.path + "/data"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("personal fields: sealed in all 3 events that carry them"), "\(verify.stdout)")
        let json = try JSONValue.parse(try CLI.run(["verify", "--data", dir.path + "/data", "--json"]).stdout)
        #expect(json["personalEvents"] == 3)
        #expect(json["personalPlaintextEvents"] == 0)
        #expect(json["firstPersonalPlaintextPosition"] == nil)
    }

    /// Events as the faulty release builds wrote them: appended to the log directly, a lead's
    /// contact in plain text beside one sealed, and an event of another type.
    @Test func personalFieldsInPlainTextAreCountedWithTheFirstPosition() async throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/data/log", withIntermediateDirectories: true)
        let log = try EventLog.open(directory: dir.path + "/data/log")
        func lead(_ id: String, contact: String) -> EventToAppend {
            EventToAppend(
                stream: "lead-\(id)", type: "LeadCaptured", tags: ["lead:\(id)"],
                data: PayloadCodec.encode(["leadId": .string(id), "company": "Acme", "contactName": .string(contact)]))
        }
        _ = try await log.append(AppendRequest(
            events: [
                EventToAppend(stream: "customer-C-1", type: "CustomerRegistered", data: PayloadCodec.encode(["customerId": "C-1"])),
                lead("L-1", contact: "enc2.bGVhZDpMLTE.7.c2VhbGVk"),
                lead("L-2", contact: "Zora Plaintextova"),
                lead("L-3", contact: "Yves Plaintext"),
            ],
            actor: "admin"))
        log.close()

        let verify = try CLI.run(["verify", "--data", dir.path + "/data"])
        #expect(verify.status == 0, "the chain is intact: plain text is reported, not a broken chain")
        #expect(verify.stdout.contains("personal fields: 2 of 3 events hold them in plain text (the first at position 3)"),
                "\(verify.stdout)")
        let json = try JSONValue.parse(try CLI.run(["verify", "--data", dir.path + "/data", "--json"]).stdout)
        #expect(json["intact"] == true)
        #expect(json["personalEvents"] == 3)
        #expect(json["personalPlaintextEvents"] == 2)
        #expect(json["firstPersonalPlaintextPosition"] == 3)
    }
}
