import EventCoding
import EventLog
import Foundation
import JSON
import Testing

/// `chronicle export` writes each line from the record read in place; the hidden `--reference` formats every
/// event through decoded values, as export did before. Both give the same bytes for every format and filter —
/// on the demo company with odd records added (a schema an upcaster changes, escapes, numbers kept as text, a
/// payload that is not an object, strings that look sealed) and after one subject is forgotten.
@Suite struct ExportReferenceTests {
    static let oddStream = #"odd-1,"quoted""#

    @Test func theInPlaceExportWritesTheBytesOfTheValuePath() async throws {
        let dir = TemporaryDirectory()
        let data = dir.path + "/data"
        let demo = try CLI.run(["demo", "--data", data, "--scale", "0.005"])
        try #require(demo.status == 0, "\(demo.stdout)\(demo.stderr)")
        try await Self.appendOddRecords(logDirectory: data + "/log")

        let leads = try CLI.run(["export", "--data", data, "--type", "LeadCaptured"]).stdout.split(separator: "\n")
        let firstLead = try JSONValue.parse(String(try #require(leads.first)))
        let lead = try #require(firstLead["data"]?["leadId"]?.stringValue)
        let forget = dir.path + "/forget.ndjson"
        let line = #"{"type":"ForgetSubject","data":{"subject":"lead:\#(lead)","reason":"asked"},"actor":"admin"}"#
        try (line + "\n").write(toFile: forget, atomically: true, encoding: .utf8)
        let forgot = try CLI.run(["import", forget, "--data", data])
        try #require(forgot.status == 0, "\(forgot.stdout)\(forgot.stderr)")

        let filters: [[String]] = [
            [], ["--raw"], ["--type", "LeadCaptured", "--type", "OddThing"], ["--tag", "lead:\(lead)"],
            ["--tag", #"odd:"1""#], ["--stream", Self.oddStream], ["--stream", "lead-\(lead)"],
            ["--from", "2025-03-01T00:00:00Z", "--until", "2025-06-01T00:00:00Z"], ["--from", "2026-01-01T00:00:00Z"],
        ]
        // Every filter as NDJSON; CSV (its quoting meets the odd stream and ids) unfiltered.
        for format in ["ndjson", "csv"] {
            for filter in filters where format == "ndjson" || filter.isEmpty {
                let arguments = ["export", "--data", data, "--format", format] + filter
                let reference = try CLI.run(arguments + ["--reference"])
                #expect(reference.status == 0, "\(reference.stderr)")
                #expect(reference.stdout.split(separator: "\n").count > (format == "csv" ? 1 : 0), "\(arguments)")
                // Small chunks, so that even this small store is formatted in many rounds of chunks; the
                // unfiltered export on 1 and 3 threads too.
                for threads in filter.isEmpty && format == "ndjson" ? ["1", "2", "3"] : ["2"] {
                    let fast = try CLI.run(arguments + ["--threads", threads, "--chunk-positions", "333"])
                    #expect(fast.status == 0, "\(fast.stderr)")
                    #expect(fast.stdout == reference.stdout, "\(arguments) on \(threads) threads")
                }
            }
        }
        let all = try CLI.run(["export", "--data", data])
        #expect(all.stdout.contains(#""leadId":"\#(lead)","company""#))
        #expect(all.stdout.contains("[erased]"), "the forgotten lead's personal fields")
        #expect(all.stdout.contains(#""domain":"example.com""#), "the schema 1 LeadCaptured, upcast")
    }

    /// Records the demo never writes, appended straight to the log.
    static func appendOddRecords(logDirectory: String) async throws {
        let log = try EventLog.open(directory: logDirectory)
        defer { log.close() }
        let v1: JSONObject = [
            "leadId": "L-OLD", "company": "Acme", "contactName": "Ann", "phone": .null, "email": "Ann@Example.COM",
            "source": "web", "estimatedValue": .null,
        ]
        var odd = JSONObject()
        odd["text"] = .string("quote \" backslash \\ newline \n tab \t \u{1} ls \u{2028} ps \u{2029} bom \u{FEFF} é 😀")
        odd["numbers"] = [
            .number(JSONNumber(unchecked: "12.50")), .number(JSONNumber(unchecked: "123456789012345678901234")),
            .number(JSONNumber(unchecked: "-0")), -7, 0,
        ]
        odd["shapes"] = [.null, true, false, [], [:], ["a,b": "c\"d"]]
        odd["sealedLookalike"] = "enc1.bm9wZQ.AAAA"
        odd["numberedLookalike"] = "enc2.bm9wZQ.12.AAAA"
        odd["nested"] = ["enc1.key": ["enc1.", "enc1\u{301}.x", "enc2.", "enc2.x.y", "enc2.bm9wZQ.no.AAAA", "enc3.x.1.y"]]
        let events = [
            EventToAppend(
                stream: "lead-L-OLD", type: "LeadCaptured", schema: 1, tags: ["lead:L-OLD"],
                data: PayloadCodec.encode(v1)),
            EventToAppend(
                stream: oddStream, type: "OddThing", schema: 3, tags: [#"odd:"1""#, "odd:é,\n"],
                data: PayloadCodec.encode(odd)),
            EventToAppend(stream: oddStream, type: "OddList", data: JSONValue.array(["x", 1, .null]).binaryBytes),
            EventToAppend(stream: oddStream, type: "OddString", data: JSONValue.string("enc1.x.y").binaryBytes),
            EventToAppend(stream: oddStream, type: "OddEmpty", data: PayloadCodec.encode([:])),
        ]
        _ = try await log.append(
            AppendRequest(
                events: events, actor: "admin", commandId: "c,1", correlationId: "corr\"1", causationId: "cause\n1"))
    }
}
