import CommandProcessing
import Domain
import EventCoding
import EventLog
import Foundation
import JSON
import PersonalData
import Testing

/// CONTRACT §8: personal fields are sealed with per-subject keys; forgetting destroys the key.
@Suite struct ErasureTests {
    /// Every regular file under `dir`, searched for `needle`'s bytes.
    func filesContaining(_ needle: String, under dir: String) -> [String] {
        let fm = FileManager.default
        let bytes = Array(needle.utf8)
        var hits: [String] = []
        for case let name as String in fm.enumerator(atPath: dir) ?? NSEnumerator() {
            let path = dir + "/" + name
            guard let data = fm.contents(atPath: path) else { continue }
            if data.withUnsafeBytes({ buf in
                guard buf.count >= bytes.count else { return false }
                return (0...(buf.count - bytes.count)).contains { i in
                    buf[i] == bytes[0] && buf[i..<(i + bytes.count)].elementsEqual(bytes)
                }
            }) { hits.append(name) }
        }
        return hits
    }

    @Test func personalFieldsAreNeverStoredInPlaintextAndForgettingErasesThemEverywhere() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.run("admin", "RegisterEmployee", ["employeeId": "E-1", "name": "Wilhelmina Quaxley", "roles": ["sales"]])
        try await h.run("admin", "CaptureLead", [
            "leadId": "L-1", "company": "Acme Zeppelins", "contactName": "Zanzibar Quixote",
            "phone": "+44 20 7946 0958", "email": "zq@zeppelins.example", "source": "web",
        ])
        try await h.run("admin", "CaptureLead", ["leadId": "L-2", "company": "Other", "contactName": "Keep Me Visible", "source": "web"])
        // Sealed at rest: no plaintext in any file, readable with the keys.
        for secret in ["Zanzibar Quixote", "zq@zeppelins.example", "Wilhelmina Quaxley", "Keep Me Visible"] {
            #expect(filesContaining(secret, under: h.dir.path).isEmpty, "\(secret) is in a file")
        }
        let lead = try EventJSON.object(try #require(try h.log.event(at: 2)), keys: h.processor.keys)
        #expect(lead["data"]?["contactName"] == "Zanzibar Quixote")
        #expect(lead["data"]?["company"] == "Acme Zeppelins")  // not personal
        let sealed = try EventJSON.object(try #require(try h.log.event(at: 2)))
        #expect(sealed["data"]?["contactName"]?.stringValue?.hasPrefix("enc2.") == true)

        try await h.run("admin", "ForgetSubject", ["subject": "lead:L-1", "reason": "GDPR request 17"])
        let erased = try EventJSON.object(try #require(try h.log.event(at: 2)), keys: h.processor.keys)
        #expect(erased["data"]?["contactName"] == "[erased]")
        #expect(erased["data"]?["phone"] == "[erased]")
        #expect(erased["data"]?["email"] == "[erased]")
        let other = try EventJSON.object(try #require(try h.log.event(at: 3)), keys: h.processor.keys)
        #expect(other["data"]?["contactName"] == "Keep Me Visible")
        #expect(!h.processor.keys.hasKey("lead:L-1"))
        #expect(try h.log.verify().isIntact)
        // The key store was rewritten compacted: reopening it finds no key for the subject.
        let reopened = try SubjectKeyStore(path: h.dir.path + "/keys", readOnly: true)
        #expect(!reopened.hasKey("lead:L-1"))
        #expect(reopened.hasKey("lead:L-2"))
        reopened.close()
    }

    /// The server submits commands with a callback and closes the key store at shutdown: a key that
    /// is still to be destroyed when the answer has gone out is destroyed before that.
    @Test func aSubmittedForgetIsFinishedBeforeTheKeysClose() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.run("admin", "CaptureLead", ["leadId": "L-1", "company": "Acme", "contactName": "Ann", "source": "web"])
        #expect(h.processor.keys.hasKey("lead:L-1"))
        let answered = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            h.processor.submit(h.processor.prepare([CommandRequest(
                type: "ForgetSubject", data: ["subject": "lead:L-1", "reason": "asked"], actorId: "admin")])
            ) { outcome in
                if case .success(let results) = outcome, case .success = results[0] {
                    done.resume(returning: true)
                } else {
                    done.resume(returning: false)
                }
            }
        }
        #expect(answered)
        h.processor.finishPendingForgets()
        #expect(!h.processor.keys.hasKey("lead:L-1"))
    }

    @Test func forgettingIsAdminOnlyAndChecksTheSubject() async throws {
        let h = try Harness()
        defer { h.log.close() }
        try await h.employee("E-1", ["sales", "manager", "ceo"])
        #expect(await h.code("E-1", "ForgetSubject", ["subject": "employee:E-1", "reason": "x"]) == .forbidden)
        #expect(await h.code("admin", "ForgetSubject", ["subject": "lead:L-404", "reason": "x"]) == .notFound)
        #expect(await h.code("admin", "ForgetSubject", ["subject": "customer:C-1", "reason": "x"]) == .invalidArgument)
        #expect(await h.code("admin", "ForgetSubject", ["subject": "employee:E-1"]) == .reasonRequired)
        #expect(await h.code("admin", "ForgetSubject", ["subject": "employee:E-1", "reason": "left"]) == nil)
        #expect(await h.code("admin", "ForgetSubject", ["subject": "employee:E-1", "reason": "again"]) == .alreadyExists)
    }
}
