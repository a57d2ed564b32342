import CommandProcessing
import Domain
import EventLog
import JSON
import NIOCore
import Testing

@testable import SocketAPI

@Suite struct WireFormatTests {
    func parse(_ line: String) -> Result<Request, Request.Rejection> {
        var line = line
        return line.withUTF8 { utf8 in
            Result { () throws(Request.Rejection) in try Request.parse(UnsafeRawBufferPointer(utf8), maxDepth: 64) }
        }
    }

    @Test func aRequestNeedsAnObjectWithAUsableIdAndAnOp() throws {
        let ok = try parse(#"{"id":"a\"b","op":"ping","actor":"x"}"#).get()
        #expect(ok.id == .string("a\"b") && ok.op == "ping")
        #expect(try parse(#"{"id":-12.5e3,"op":"ping"}"#).get().id == .number("-12.5e3"))
        for bad in ["", "x", "[]", "null", #"{"op":"ping"}"#, #"{"id":null,"op":"ping"}"#, #"{"id":[1],"op":"ping"}"#] {
            guard case .failure(let r) = parse(bad) else {
                Issue.record("\(bad) parsed")
                continue
            }
            #expect(r.id == nil && r.error.code == .badRequest, "\(bad)")
        }
        guard case .failure(let noOp) = parse(#"{"id":3,"op":7}"#) else { return }
        #expect(noOp.id == .number("3") && noOp.error.code == .badRequest)
        guard case .failure(let deep) = parse(#"{"id":1,"op":"ping","x":"# + String(repeating: "[", count: 100)) else { return }
        #expect(deep.error.code == .badRequest)
    }

    @Test func repliesAreCompactJSONLines() throws {
        var b = ByteBuffer()
        b.writeErrorReply(.string("q\n1"), DomainError(.notFound, "lead L-1 \"x\"", details: ["kind": "lead"]))
        b.writeEmptyReply(.number("42"))
        b.writeErrorReply(nil, DomainError(.badRequest, "é\u{2028}"))
        let text = String(buffer: b)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == #"{"id":"q\n1","ok":false,"error":{"code":"not_found","message":"lead L-1 \"x\"","details":{"kind":"lead"}}}"#)
        #expect(lines[1] == #"{"id":42,"ok":true}"#)
        #expect(lines[2] == #"{"id":null,"ok":false,"error":{"code":"bad_request","message":"é\u2028","details":{}}}"#)
        for line in lines.dropLast() { _ = try JSONValue.parse(String(line)) }
    }

    @Test func aCommandReplyListsItsEvents() throws {
        var b = ByteBuffer()
        let reply = CommandReply(
            position: 12,
            events: [
                AppendedEvent(position: 11, stream: "lead-L-1", version: 1, type: "LeadConverted"),
                AppendedEvent(position: 12, stream: "customer-C-\"1", version: 10, type: "CustomerRegistered"),
            ], duplicate: false, at: Timestamp(milliseconds: 0))
        b.writeCommandReply(.string("c-1"), reply)
        b.writeCommandReply(.number("7"), CommandReply(position: 0, events: [], duplicate: true, at: Timestamp(milliseconds: 0)))
        #expect(String(buffer: b) == #"""
            {"id":"c-1","ok":true,"position":12,"events":[{"position":11,"stream":"lead-L-1","version":1,"type":"LeadConverted"},{"position":12,"stream":"customer-C-\"1","version":10,"type":"CustomerRegistered"}],"duplicate":false}
            {"id":7,"ok":true,"position":0,"events":[],"duplicate":true}

            """#)
    }

    /// Names made at run time (on the heap, as the log's writer makes them), non-ASCII and needing
    /// escapes, are written as the standard library holds them (the reply reads them in place).
    @Test func aCommandReplyWritesNamesMadeAtRunTime() throws {
        let stream = String(decoding: Array("opportunité:Ö-2026-000042 \"quoted\"".utf8), as: UTF8.self)
        let type = String(decoding: Array("OpportunityStageAdvanced".utf8), as: UTF8.self)
        var b = ByteBuffer()
        b.writeCommandReply(.number("1"), CommandReply(
            position: 5, events: [AppendedEvent(position: 5, stream: stream, version: 3, type: type)],
            duplicate: false, at: Timestamp(milliseconds: 0)))
        let line = String(buffer: b)
        #expect(line == #"{"id":1,"ok":true,"position":5,"events":[{"position":5,"stream":"opportunité:Ö-2026-000042 \"quoted\"","version":3,"type":"OpportunityStageAdvanced"}],"duplicate":false}"# + "\n")
        let parsed = try JSONValue.parse(String(line.dropLast()))
        #expect(parsed["events"]?.arrayValue?.first?["stream"] == .string(stream))
    }

    @Test func decimalsAreWrittenExactly() {
        for v: UInt64 in [0, 7, 10, 99, 100, 123_456_789, UInt64.max] {
            var b = ByteBuffer()
            b.writeDecimal(v)
            #expect(String(buffer: b) == String(v))
            var a: [UInt8] = []
            ByteBuffer.appendDecimal(v, to: &a)
            #expect(String(decoding: a, as: UTF8.self) == String(v))
        }
    }
}
