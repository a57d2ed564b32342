import Foundation
import JSON
import Testing

/// `chronicle forget` against the real server (CONTRACT §5, §8).
@Suite struct ForgetTests {
    static let plaintext = "Zora Plaintextova"

    /// The `contactName` of the lead's `LeadCaptured` event in a `read` reply or subscription events.
    static func contactName(_ events: [JSONValue]) -> String? {
        events.first { $0["type"] == "LeadCaptured" }?["data"]?["contactName"]?.stringValue
    }

    /// Whether any file below `directory` holds `needle`'s bytes.
    static func anyFileHolds(_ needle: String, below directory: String) throws -> Bool {
        let bytes = Array(needle.utf8)
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return try files.contains { name in
            let path = directory + "/" + name
            let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
            guard type == .typeRegular else { return false }  // directories, the server's Unix socket
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return data.withUnsafeBytes { raw in
                raw.count >= bytes.count && (0...(raw.count - bytes.count)).contains { i in
                    raw[i] == bytes[0] && raw[i..<(i + bytes.count)].elementsEqual(bytes)
                }
            }
        }
    }

    @Test func forgetErasesALeadsContactEverywhereAndTheChainStillVerifies() async throws {
        try await withServer { server in
            let c = try server.connect()
            try c.hello()
            var lead = CommandTests.lead("L-9")
            lead["contactName"] = .string(Self.plaintext)
            #expect(try c.command("CaptureLead", lead).ok)
            let before = try c.call("read", ["fromPosition": 0])
            #expect(Self.contactName(before["events"]?.arrayValue ?? []) == Self.plaintext, "read reveals personal fields")
            #expect(try Self.anyFileHolds(Self.plaintext, below: server.data) == false, "stored sealed, never in plaintext")

            let connect = "127.0.0.1:\(server.port)"
            let admin = ["--connect", connect, "--token", ServerProcess.adminToken]
            let forgot = try runCLI(["forget"] + admin + ["lead:L-9", "--reason", "asked to be erased"])
            #expect(forgot.status == 0, "\(forgot.output)")
            let reply = try JSONValue.parse(forgot.output)
            #expect(reply["events"]?.arrayValue?.first?["type"] == "SubjectForgotten")

            let after = try c.call("read", ["fromPosition": 0])
            #expect(Self.contactName(after["events"]?.arrayValue ?? []) == "[erased]")
            let sub = try c.call("subscribe", ["fromPosition": 0])
            #expect(sub.ok)
            var pushed: [JSONValue] = []
            while pushed.count < 2 {
                let line = try c.readObject()
                if let event = line["event"] { pushed.append(event) }
            }
            #expect(Self.contactName(pushed) == "[erased]", "subscriptions see the erasure too")

            let again = try runCLI(["forget"] + admin + ["lead:L-9", "--reason", "twice"])
            #expect(again.status == 1)
            #expect(try JSONValue.parse(again.output)["error"]?["code"] == "already_exists")
            let malformed = try runCLI(["forget"] + admin + ["customer:C-1", "--reason", "x"])
            #expect(malformed.status == 1)
            #expect(try JSONValue.parse(malformed.output)["error"]?["code"] == "invalid_argument")
            #expect(try runCLI(["forget"] + admin + ["lead:L-9"]).status == 2, "--reason is required")

            #expect(try Self.anyFileHolds(Self.plaintext, below: server.data) == false)
            let verify = try runCLI(["verify", "--data", server.data])
            #expect(verify.status == 0, "\(verify.output)")
        }
    }
}
