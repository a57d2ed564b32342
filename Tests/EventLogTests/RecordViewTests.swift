import EventLog
import Foundation
import Testing

@Suite struct RecordViewTests {
    @Test func aRecordReadInPlaceHasTheSameFieldsAsTheDecodedEnvelope() async throws {
        let dir = TemporaryDirectory()
        let log = try openLog(dir)
        defer { log.close() }
        _ = try await log.append(AppendRequest(
            events: [
                event("lead-L-1", "LeadCaptured", tags: ["lead:L-1"], "{\"a\":1}"),
                event("customer-C-a-rather-long-stream-name", "CustomerRegistered", tags: [], "{}"),
            ],
            actor: "E-7", commandId: "cmd-1", correlationId: "corr", causationId: nil))
        var seen = 0
        let last = try log.scanInPlace(from: 1) { view in
            let full = try #require(try log.event(at: view.position))
            let e = try view.envelope()
            #expect(e == full.envelope)
            #expect(String(decoding: view.stream, as: UTF8.self) == full.envelope.stream)
            #expect(String(decoding: view.type, as: UTF8.self) == full.envelope.type)
            #expect(String(decoding: view.actor, as: UTF8.self) == "E-7")
            #expect(view.commandId.map { String(decoding: $0, as: UTF8.self) } == "cmd-1")
            #expect(view.correlationId.map { String(decoding: $0, as: UTF8.self) } == "corr")
            #expect(view.causationId == nil)
            #expect(view.at == full.envelope.at && view.version == 1 && view.schema == 1)
            #expect(Array(view.payload) == full.data)
            #expect(Array(view.hash) == full.hash.bytes)
            var tags: [String] = []
            view.forEachTag { tags.append(String(decoding: $0, as: UTF8.self)); return true }
            #expect(tags == full.envelope.tags)
            seen += 1
            return true
        }
        #expect(seen == 2 && last == 2)
        let type = try log.withRecord(at: 2) { view in view.map { String(decoding: $0.type, as: UTF8.self) } }
        #expect(type == "CustomerRegistered")
        #expect(try log.withRecord(at: 3) { $0 == nil })
    }
}
