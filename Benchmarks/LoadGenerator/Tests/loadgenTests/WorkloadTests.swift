import Foundation
import Testing

@testable import loadgen

/// The request lines the generator sends: their ids must be unique within a run (a repeat would be
/// refused as `already_exists` and counted as an error), of the demo company's length by default,
/// and the earlier shape with `--long-ids`.
@Suite struct WorkloadTests {
    private func workload(longIds: Bool = false, connections: Int = 64) -> Workload {
        Workload(prefix: "b5vu", longIds: longIds, connections: connections, reps: 128, commandIds: true)
    }

    /// Step `step` of a flow as the JSON object it is (the generator writes the body without its
    /// braces' opening id).
    private func request(_ w: Workload, step: Int, connection: Int, flow: Int, iteration: Int, depth: Int) throws -> [String: Any] {
        var line: [UInt8] = []
        line.writeStaticString("{")
        w.writeStep(step, connection: connection, flow: flow, iteration: iteration, depth: depth, into: &line)
        line.writeStaticString("}")
        return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test func digitsInBothBases() {
        for n in [0, 1, 9, 10, 35, 36, 1_295, 1_296, 46_655, 1_679_615, 123_456_789, Int(Int32.max)] {
            var decimal: [UInt8] = []
            decimal.writeDecimal(n)
            #expect(String(decoding: decimal, as: UTF8.self) == String(n))
            var base36: [UInt8] = []
            base36.writeBase36(n)
            #expect(String(decoding: base36, as: UTF8.self) == String(n, radix: 36))
        }
    }

    /// Every lead of a 64 × 32 run's first 50 iterations is a different id, and each is as long as
    /// the demo company's (`L-100001`): at most 15 bytes, so a Swift string keeps it inline.
    @Test func leadIdsAreUniqueAndShort() throws {
        let w = workload()
        var seen = Set<String>()
        for iteration in 0..<50 {
            for connection in 0..<64 {
                for flow in 0..<32 {
                    var line: [UInt8] = []
                    w.writeStep(0, connection: connection, flow: flow, iteration: iteration, depth: 32, into: &line)
                    let text = String(decoding: line, as: UTF8.self)
                    let start = try #require(text.range(of: #""leadId":""#)).upperBound
                    let id = String(text[start...].prefix { $0 != "\"" })
                    #expect(id.utf8.count <= 15, "\(id)")
                    #expect(seen.insert(id).inserted, "\(id) repeated")
                }
            }
        }
        #expect(seen.count == 50 * 64 * 32)
    }

    @Test func everyStepIsACommandWithItsIds() throws {
        let w = workload()
        let types = ["CaptureLead", "AssignLead", "LogFollowUp", "ConvertLead", "AdvanceStage", "PlaceSalesOrder", "ShipOrder", "SubmitExpense"]
        for step in 0..<Workload.steps {
            let r = try request(w, step: step, connection: 3, flow: 5, iteration: 7, depth: 32)
            #expect(r["op"] as? String == "command")
            #expect(r["type"] as? String == types[step])
            // The flow's key: iteration 7 of flow 5 on connection 3, numbered 7·64·32 + 3·32 + 5.
            let key = "b5vu-" + String(7 * 64 * 32 + 3 * 32 + 5, radix: 36)
            #expect(r["commandId"] as? String == "\(key)-\(step)")
        }
        let convert = try request(w, step: 3, connection: 3, flow: 5, iteration: 7, depth: 32)
        let data = try #require(convert["data"] as? [String: Any])
        let key = "b5vu-" + String(7 * 64 * 32 + 3 * 32 + 5, radix: 36)
        #expect(data["leadId"] as? String == "L" + key)
        #expect(data["customerId"] as? String == "C" + key)
        #expect(data["opportunityId"] as? String == "O" + key)
    }

    @Test func longIdsKeepTheEarlierShape() throws {
        let r = try request(workload(longIds: true), step: 0, connection: 63, flow: 31, iteration: 1234, depth: 32)
        let data = try #require(r["data"] as? [String: Any])
        #expect(data["leadId"] as? String == "Lb5vu-63-31-1234")
        #expect(r["commandId"] as? String == "b5vu-63-31-1234-0")
    }

    @Test func theRunTagIsFourBase36CharactersOrTheEarlierPrefix() {
        let tag = RunLoad.runTag(long: false)
        #expect(tag.utf8.count == 4)
        #expect(tag.allSatisfy { $0.isNumber || ("a"..."z").contains($0) })
        #expect(RunLoad.runTag(long: true).hasPrefix("lg"))
    }
}
