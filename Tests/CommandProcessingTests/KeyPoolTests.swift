import CommandProcessing
import Domain
import EventCoding
import EventLog
import Foundation
import JSON
import LMDB
@testable import PersonalData
import Testing

/// The key pool: numbered keys made ahead in durable batches, so a new subject costs no commit of its
/// own; which subject holds which number is saved lazily and recovered from the log after a crash.
@Suite struct KeyPoolTests {
    func lead(_ id: String, _ name: String) -> JSONObject { ["leadId": .string(id), "contactName": .string(name)] }

    /// The key number an `enc2.` string names.
    func number(_ sealed: JSONValue?) throws -> UInt64 {
        let s = try #require(sealed?.stringValue)
        #expect(s.hasPrefix("enc2."))
        let parts = s.split(separator: ".")
        return try #require(UInt64(parts[2]))
    }

    /// A writing store in `dir` that has sealed one subject (L-0), and a reader opened after that.
    func writerAndReader(_ dir: TemporaryDirectory) throws -> (SubjectKeyStore, SubjectKeyStore) {
        let writer = try SubjectKeyStore(path: dir.path + "/keys")
        _ = try writer.seal(type: "LeadCaptured", data: lead("L-0", "First"))
        return (writer, try SubjectKeyStore(path: dir.path + "/keys", readOnly: true))
    }

    /// The 32 bytes of numbered key `n` as `keys/` stores them.
    func storedKey(_ n: UInt64, in path: String) throws -> [UInt8] {
        let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4, readOnly: true))
        defer { env.close() }
        let pool = try env.openDatabase("pool")
        let key = try env.read { txn in try txn.get(pool, key: withUnsafeBytes(of: n.bigEndian) { Array($0) }) }
        return try #require(key)
    }

    /// A key store in `dir` whose pool has its first keys (sealing a first lead made them).
    func storeWithKeys(in dir: TemporaryDirectory) throws -> SubjectKeyStore {
        let store = try SubjectKeyStore(path: dir.path + "/keys")
        _ = try store.seal(type: "LeadCaptured", data: lead("L-0", "First"))
        return store
    }

    /// Every regular file under `dir` that holds `needle`.
    func files(under dir: String, containing needle: [UInt8]) -> [String] {
        let fm = FileManager.default
        return (fm.subpaths(atPath: dir) ?? []).filter { name in
            guard let data = fm.contents(atPath: dir + "/" + name), data.count >= needle.count else { return false }
            return data.withUnsafeBytes { buf in
                (0...(buf.count - needle.count)).contains { i in
                    buf[i] == needle[0] && buf[i..<(i + needle.count)].elementsEqual(needle)
                }
            }
        }
    }

    /// Fields sealed ahead (on the submitting task) are taken only when the subject, the key and
    /// the plain text are still the ones the writer would seal with; anything else is sealed again.
    @Test func presealedFieldsAreUsedOnlyWithTheSameSubjectKeyAndText() throws {
        let dir = TemporaryDirectory()
        let store = try storeWithKeys(in: dir)
        var data = lead("L-1", "Ann")
        data["phone"] = "+1 555 0100"
        let ahead = try #require(store.preseal(type: "LeadCaptured", data: data))
        #expect(ahead.fields.map(\.field) == ["contactName", "phone"])

        // The same subject, key and text: the strings sealed ahead, as they are.
        let same = try store.seal(type: "LeadCaptured", data: data, presealed: ahead)
        #expect(same["contactName"]?.stringValue == ahead.fields[0].sealed)
        #expect(same["phone"]?.stringValue == ahead.fields[1].sealed)
        #expect(store.reveal(same) == data)

        // A changed value is sealed again (the unchanged one is still taken).
        var changed = data
        changed["contactName"] = "Ann Lee"
        let resealed = try store.seal(type: "LeadCaptured", data: changed, presealed: ahead)
        #expect(resealed["contactName"]?.stringValue != ahead.fields[0].sealed)
        #expect(resealed["phone"]?.stringValue == ahead.fields[1].sealed)
        #expect(store.reveal(resealed) == changed)

        // Another subject never takes them.
        let other = try store.seal(type: "LeadCaptured", data: lead("L-2", "Ann"), presealed: ahead)
        #expect(other["contactName"]?.stringValue != ahead.fields[0].sealed)
        #expect(store.reveal(other) == lead("L-2", "Ann"))

        // The key destroyed in between: presealing gives the forgotten subject no new key; the
        // writer seals with one.
        try store.forget("lead:L-1")
        #expect(store.preseal(type: "LeadCaptured", data: data) == nil)
        let afterForget = try store.seal(type: "LeadCaptured", data: data, presealed: ahead)
        #expect(try number(afterForget["contactName"]) != (try number(.string(ahead.fields[0].sealed))))
        #expect(store.reveal(afterForget) == data)
        #expect(store.open(ahead.fields[0].sealed) == SubjectKeyStore.erased)
    }

    /// The log's encoder writes an event's stored payload straight from the presealed strings: the
    /// bytes of the sealed object, encoded — and, where presealing does not cover the event, the
    /// fields are sealed from the plain text as `seal` does.
    @Test func aSealedPayloadIsWrittenFromThePresealedStrings() throws {
        let dir = TemporaryDirectory()
        let store = try storeWithKeys(in: dir)
        defer { store.close() }
        var data = lead("L-1", "Ann")
        data["email"] = "ann@example.com"
        data["note"] = "Ann"  // not a personal field: stays plain even with the same text
        let ahead = try #require(store.preseal(type: "LeadCaptured", data: data))
        var bytes: [UInt8] = []
        try store.appendSealedPayload(type: "LeadCaptured", data: data, presealed: ahead, into: &bytes)
        #expect(bytes == PayloadCodec.encode(try store.seal(type: "LeadCaptured", data: data, presealed: ahead)))
        let stored = try PayloadCodec.decode(bytes)
        #expect(stored["contactName"]?.stringValue == ahead.fields.first { $0.field == "contactName" }?.sealed)
        #expect(stored["note"] == "Ann")
        #expect(store.reveal(stored) == data)

        // Not covered (the email changed since): sealed from the plain text, and it reads back.
        var changed = data
        changed["email"] = "ann.lee@example.com"
        var resealed: [UInt8] = []
        try store.appendSealedPayload(type: "LeadCaptured", data: changed, presealed: ahead, into: &resealed)
        #expect(store.reveal(try PayloadCodec.decode(resealed)) == changed)
        // An event without personal fields is its data, encoded.
        var plain: [UInt8] = []
        try store.appendSealedPayload(type: "LeadClaimed", data: ["leadId": "L-1"], presealed: ahead, into: &plain)
        #expect(plain == PayloadCodec.encode(["leadId": "L-1"]))
    }

    /// Presealed fields that cover only some of an event's personal fields (presealing skipped one)
    /// are not half used: the event is sealed from its plain text, each field once. Fields presealed
    /// by another store are never taken, whatever its count of forgets.
    @Test func partlyPresealedOrForeignFieldsAreSealedFromThePlainText() throws {
        let dir = TemporaryDirectory()
        let store = try storeWithKeys(in: dir)
        defer { store.close() }
        var data = lead("L-1", "Ann")
        data["phone"] = "+1 555 0100"
        data["email"] = "ann@example.com"
        var partial = try #require(store.preseal(type: "LeadCaptured", data: data))
        #expect(partial.fields.count == 3)
        partial.fields.removeLast()
        let sealed = try store.seal(type: "LeadCaptured", data: data, presealed: partial)
        #expect(store.reveal(sealed) == data, "every field reads back as its plain text, none sealed twice")

        let otherDir = TemporaryDirectory()
        let other = try SubjectKeyStore(path: otherDir.path + "/keys")
        defer { other.close() }
        _ = try other.seal(type: "LeadCaptured", data: lead("L-0", "First"))
        let foreign = try #require(other.preseal(type: "LeadCaptured", data: lead("L-2", "Bo")))
        let mine = try store.seal(type: "LeadCaptured", data: lead("L-2", "Bo"), presealed: foreign)
        #expect(mine["contactName"]?.stringValue != foreign.fields[0].sealed)
        #expect(store.reveal(mine) == lead("L-2", "Bo"))
    }

    /// Presealing runs on a server's event loop, so it never makes keys (a durable commit): with the
    /// pool used up it gives nothing, and the writer makes the next batch when it seals.
    @Test func aPreparedKeyIsTheOneSealingUses() throws {
        let dir = TemporaryDirectory()
        let store = try SubjectKeyStore(path: dir.path + "/keys")
        defer { store.close() }
        // Prepared while a command is decided; sealed later on the log's encoder, with no new number.
        try store.prepareKey(type: "LeadCaptured", data: lead("L-1", "One"))
        try store.prepareKey(type: "LeadCaptured", data: lead("L-2", "Two"))
        try store.prepareKey(type: "LeadCaptured", data: lead("L-1", "One again"))
        let second = try number(store.seal(type: "LeadCaptured", data: lead("L-2", "Two"))["contactName"])
        let first = try number(store.seal(type: "LeadCaptured", data: lead("L-1", "One"))["contactName"])
        #expect(second == first + 1, "numbers follow the order of preparing, not of sealing")
        // An event without personal fields needs no key.
        try store.prepareKey(type: "LeadClaimed", data: ["leadId": "L-3"])
        let third = try number(store.seal(type: "LeadCaptured", data: lead("L-3", "Three"))["contactName"])
        #expect(third == second + 1)
    }

    /// The processor prepares the key of an event whose fields were presealed: the number presealing
    /// took is the one sealing uses, and a forget in between makes preparing give the subject a new
    /// key (the old one is gone), as it would without presealing.
    @Test func preparingAfterPresealingKeepsThePresealedKeyUnlessItWasDestroyed() throws {
        let dir = TemporaryDirectory()
        let store = try storeWithKeys(in: dir)
        defer { store.close() }
        let ahead = try #require(store.preseal(type: "LeadCaptured", data: lead("L-1", "Ann")))
        let presealedNumber = try number(.string(ahead.fields[0].sealed))
        try store.prepareKey(type: "LeadCaptured", data: lead("L-1", "Ann"), presealed: ahead)
        let sealed = try store.seal(type: "LeadCaptured", data: lead("L-1", "Ann"), presealed: ahead)
        #expect(try number(sealed["contactName"]) == presealedNumber)
        #expect(try number(try store.seal(type: "LeadCaptured", data: lead("L-2", "Bo"))["contactName"]) == presealedNumber + 1)

        let again = try #require(store.preseal(type: "LeadCaptured", data: lead("L-3", "Cy")))
        try store.forget("lead:L-3")
        try store.prepareKey(type: "LeadCaptured", data: lead("L-3", "Cy"), presealed: again)
        let resealed = try store.seal(type: "LeadCaptured", data: lead("L-3", "Cy"), presealed: again)
        #expect(try number(resealed["contactName"]) != (try number(.string(again.fields[0].sealed))))
        #expect(store.reveal(resealed) == lead("L-3", "Cy"))
    }

    @Test func presealingNeverMakesKeys() throws {
        let dir = TemporaryDirectory()
        let store = try SubjectKeyStore(path: dir.path + "/keys")
        #expect(store.preseal(type: "LeadCaptured", data: lead("L-0", "Zero")) == nil)  // no pool yet
        for i in 0..<Int(SubjectKeyStore.poolBatch) {
            _ = try store.seal(type: "LeadCaptured", data: lead("L-\(i)", "Person \(i)"))
        }
        let first = try number(try store.seal(type: "LeadCaptured", data: lead("L-0", "Zero"))["contactName"])
        #expect(store.preseal(type: "LeadCaptured", data: lead("L-new", "New")) == nil)
        #expect(store.preseal(type: "LeadCaptured", data: lead("L-1", "One")) != nil)  // a subject with a key
        let sealed = try store.seal(type: "LeadCaptured", data: lead("L-new", "New"))
        #expect(try number(sealed["contactName"]) == first + SubjectKeyStore.poolBatch)
        #expect(store.reveal(sealed) == lead("L-new", "New"))
    }

    /// A request that will be refused — malformed subject id, unknown actor, a role that may not
    /// issue it — takes no key number ahead of the writer.
    @Test func refusedRequestsTakeNoKeyNumbers() async throws {
        let dir = TemporaryDirectory()
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26))
        let processor = try CommandProcessor(log: log)
        _ = try await processor.execute(CommandRequest(
            type: "RegisterEmployee", data: ["employeeId": "W-1", "name": "Wes", "roles": ["warehouse"]],
            actorId: "admin"))
        let long = String(repeating: "x", count: 600)
        let attempts: [(String, String)] = [(long, "admin"), ("L-1", "E-404"), ("L-2", "W-1")]
        for (leadId, actor) in attempts {
            let request = CommandRequest(
                type: "CaptureLead",
                data: ["leadId": .string(leadId), "company": "Acme", "contactName": "Ann", "source": "web"],
                actorId: actor)
            await #expect(throws: DomainError.self) { try await processor.execute(request) }
            #expect(!processor.keys.hasKey("lead:" + leadId), "\(leadId.prefix(8)) by \(actor)")
        }
        // The store still saves: a forget (which saves every assignment) goes through.
        _ = try await processor.execute(CommandRequest(
            type: "CaptureLead", data: ["leadId": "L-3", "company": "Acme", "contactName": "Ann", "source": "web"],
            actorId: "admin"))
        _ = try await processor.execute(CommandRequest(
            type: "ForgetSubject", data: ["subject": "lead:L-3", "reason": "asked"], actorId: "admin"))
        #expect(!processor.keys.hasKey("lead:L-3"))
        log.close()
    }

    @Test func aCommandWithPersonalFieldsIsStoredSealedAndReadsBack() async throws {
        let dir = TemporaryDirectory()
        let log = try EventLog.open(directory: dir.path + "/log", options: .init(mapSize: 1 << 26))
        let processor = try CommandProcessor(log: log)
        _ = try await processor.execute(CommandRequest(
            type: "CaptureLead",
            data: ["leadId": "L-1", "company": "Acme", "contactName": "Ann", "email": "ann@example.com", "source": "web"],
            actorId: "admin"))
        let batch = try await processor.executeBatch([
            CommandRequest(
                type: "CaptureLead", data: ["leadId": "L-2", "company": "Beta", "contactName": "Bo", "source": "web"],
                actorId: "admin"),
            CommandRequest(
                type: "CaptureLead", data: ["leadId": "L-2", "company": "Dup", "contactName": "Cy", "source": "web"],
                actorId: "admin"),
        ])
        #expect(batch.map { (try? $0.get()) != nil } == [true, false])
        var stored: [String: JSONObject] = [:]
        try log.scan(from: 1) { envelope, payload in
            if envelope.type == "LeadCaptured" {
                let o = try PayloadCodec.decode(payload)
                stored[o["leadId"]?.stringValue ?? ""] = o
            }
            return true
        }
        #expect(stored["L-1"]?["contactName"]?.stringValue?.hasPrefix("enc2.") == true)
        #expect(stored["L-1"]?["email"]?.stringValue?.hasPrefix("enc2.") == true)
        #expect(processor.keys.reveal(stored["L-1"]!)["email"] == "ann@example.com")
        #expect(processor.keys.reveal(stored["L-2"]!)["contactName"] == "Bo")
        log.close()
    }

    @Test func everySubjectGetsItsOwnNumberAcrossBatchesAndRestarts() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/keys"
        let store = try SubjectKeyStore(path: path)
        let count = Int(SubjectKeyStore.poolBatch) + 100  // two batches
        var sealed: [JSONObject] = []
        var numbers = Set<UInt64>()
        for i in 0..<count {
            let s = try store.seal(type: "LeadCaptured", data: lead("L-\(i)", "Person \(i)"))
            numbers.insert(try number(s["contactName"]))
            sealed.append(s)
        }
        #expect(numbers.count == count)
        // The same subject keeps its key.
        #expect(try number(try store.seal(type: "LeadCaptured", data: lead("L-7", "Again"))["contactName"])
            == number(sealed[7]["contactName"]))
        store.close()

        // After a clean close, a read-only store knows every assignment and reveals every value.
        let reader = try SubjectKeyStore(path: path, readOnly: true)
        for i in [0, 1023, 1024, count - 1] {
            #expect(reader.reveal(sealed[i])["contactName"] == .string("Person \(i)"))
            #expect(reader.hasKey("lead:L-\(i)"))
        }
        reader.close()

        // A reopened store hands out numbers above every number in use.
        let reopened = try SubjectKeyStore(path: path)
        let next = try number(try reopened.seal(type: "LeadCaptured", data: lead("L-new", "New"))["contactName"])
        #expect(next > numbers.max()!)
        reopened.close()
    }

    /// How many numbered keys `keys/` holds.
    func storedKeyCount(in path: String) throws -> Int {
        let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4, readOnly: true))
        defer { env.close() }
        let pool = try env.openDatabase("pool")
        return Int(try env.read { txn in try txn.stat(pool) }.entries)
    }

    @Test func eachBatchOfKeysIsTwiceTheOneBeforeUpToTheLargest() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/keys"
        let store = try SubjectKeyStore(path: path)
        let first = Int(SubjectKeyStore.poolBatch)
        var n = 0
        func seal(upTo count: Int) throws {
            while n < count {
                _ = try store.seal(type: "LeadCaptured", data: lead("L-\(n)", "P\(n)"))
                n += 1
            }
        }
        try seal(upTo: 1)
        #expect(try storedKeyCount(in: path) == first)
        try seal(upTo: first + 1)  // the first batch used up: the second is twice as large
        #expect(try storedKeyCount(in: path) == first + 2 * first)
        try seal(upTo: first + 2 * first + 1)
        #expect(try storedKeyCount(in: path) == first + 2 * first + 4 * first)
        #expect(SubjectKeyStore.largestPoolBatch == 16 * SubjectKeyStore.poolBatch)
        store.close()
    }

    @Test func aReadOnlyStoreOpenedEarlierRevealsKeysMadeAfterIt() throws {
        let dir = TemporaryDirectory()
        let (writer, reader) = try writerAndReader(dir)
        // More than a batch later, the reader's memory lacks the new keys: it finds them in the store.
        for i in 1...Int(SubjectKeyStore.poolBatch) { _ = try writer.seal(type: "LeadCaptured", data: lead("L-\(i)", "P\(i)")) }
        let late = try writer.seal(type: "LeadCaptured", data: lead("L-late", "Made Later"))
        #expect(reader.reveal(late)["contactName"] == "Made Later")
        #expect(throws: (any Error).self) { try reader.seal(type: "LeadCaptured", data: lead("L-ro", "x")) }
        reader.close()
        writer.close()
    }

    /// A crash after the log committed but before the assignment was saved: the processor's replay
    /// at start finds the subject's number in the log, so forgetting still destroys the right key.
    @Test func anAssignmentLostInACrashIsRecoveredFromTheLog() async throws {
        let h = try Harness()
        let first = try await h.run("admin", "CaptureLead", [
            "leadId": "L-1", "company": "Acme", "contactName": "Ottoline Crashworthy", "source": "web",
        ]).position
        let second = try await h.run(
            "admin", "CaptureLead", ["leadId": "L-2", "company": "Other", "contactName": "Kept Name", "source": "web"]).position
        // What a power cut leaves: every commit is on disk, the assignments are not saved yet.
        let crashed = TemporaryDirectory()
        let fm = FileManager.default
        for sub in ["log", "keys"] {
            try fm.createDirectory(atPath: crashed.path + "/" + sub, withIntermediateDirectories: true)
            try fm.copyItem(atPath: h.dir.path + "/\(sub)/data.mdb", toPath: crashed.path + "/\(sub)/data.mdb")
        }
        h.log.close()
        let unsaved = try SubjectKeyStore(path: crashed.path + "/keys", readOnly: true)
        #expect(!unsaved.hasKey("lead:L-1"))
        unsaved.close()

        let log = try EventLog.open(directory: crashed.path + "/log", options: .init(mapSize: 1 << 26))
        defer { log.close() }
        let processor = try CommandProcessor(log: log)
        #expect(processor.keys.hasKey("lead:L-1"))
        let event = try EventJSON.object(try #require(try log.event(at: first)), keys: processor.keys)
        #expect(event["data"]?["contactName"] == "Ottoline Crashworthy")
        // The replay saved what it recovered.
        let saved = try SubjectKeyStore(path: crashed.path + "/keys", readOnly: true)
        #expect(saved.hasKey("lead:L-1") && saved.hasKey("lead:L-2"))
        saved.close()

        // The key forgetting must destroy, as stored.
        let victim = try number(EventJSON.object(try #require(try log.event(at: first)))["data"]?["contactName"])
        let keyBytes = try storedKey(victim, in: crashed.path + "/keys")

        _ = try await processor.execute(CommandRequest(
            type: "ForgetSubject", data: ["subject": "lead:L-1", "reason": "erasure request"], actorId: "admin"))
        let erased = try EventJSON.object(try #require(try log.event(at: first)), keys: processor.keys)
        #expect(erased["data"]?["contactName"] == "[erased]")
        let kept = try EventJSON.object(try #require(try log.event(at: second)), keys: processor.keys)
        #expect(kept["data"]?["contactName"] == "Kept Name")
        // Gone from the store as reopened, and its bytes from every file.
        let after = try SubjectKeyStore(path: crashed.path + "/keys", readOnly: true)
        let sealedFirst = try EventJSON.object(try #require(try log.event(at: first)))["data"]?["contactName"]
        #expect(after.reveal(try #require(sealedFirst)) == "[erased]")
        after.close()
        #expect(files(under: crashed.path, containing: keyBytes).isEmpty)
        // A new lead after the forget takes a new number, above the recovered ones.
        let reply = try await processor.execute(CommandRequest(
            type: "CaptureLead", data: ["leadId": "L-3", "company": "New", "contactName": "Third", "source": "web"],
            actorId: "admin"))
        let third = try EventJSON.object(try #require(try log.event(at: reply.position)))
        let recovered = [try number(EventJSON.object(try #require(try log.event(at: first)))["data"]?["contactName"]),
                         try number(EventJSON.object(try #require(try log.event(at: second)))["data"]?["contactName"])]
        #expect(try number(third["data"]?["contactName"]) > recovered.max()!)
        #expect(try EventJSON.object(try #require(try log.event(at: reply.position)), keys: processor.keys)["data"]?["contactName"] == "Third")
    }

    /// A store from before the key pool: its subjects keep their own keys (enc1), new subjects get
    /// numbered ones, and forgetting destroys either.
    @Test func subjectsWithTheirOwnKeysKeepThem() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/keys"
        let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4))
        let subjects = try env.openDatabase("subjects")
        try env.write { txn in try txn.put(subjects, key: Array("lead:L-old".utf8), value: [UInt8](repeating: 7, count: 32)) }
        env.close()

        let store = try SubjectKeyStore(path: path)
        let old = try store.seal(type: "LeadCaptured", data: lead("L-old", "Old Timer"))
        #expect(old["contactName"]?.stringValue?.hasPrefix("enc1.") == true)
        let new = try store.seal(type: "LeadCaptured", data: lead("L-new", "New Comer"))
        #expect(new["contactName"]?.stringValue?.hasPrefix("enc2.") == true)
        #expect(store.reveal(old)["contactName"] == "Old Timer")
        #expect(store.reveal(new)["contactName"] == "New Comer")
        try store.forget("lead:L-old")
        try store.forget("lead:L-new")
        #expect(store.reveal(old)["contactName"] == "[erased]")
        #expect(store.reveal(new)["contactName"] == "[erased]")
        #expect(!store.hasKey("lead:L-old") && !store.hasKey("lead:L-new"))
        store.close()
    }

    /// Free text that looks sealed (a company named like another lead's sealed contact, a number
    /// past every key) decides nothing at the replay: forgetting still destroys the right key, and
    /// the processor starts.
    @Test func lookalikesInFreeTextDecideNothing() async throws {
        var h = try Harness()
        let victim = try await h.run(
            "admin", "CaptureLead", ["leadId": "L-1", "company": "Acme", "contactName": "Victim Name", "source": "web"]).position
        let bystander = try await h.run(
            "admin", "CaptureLead", ["leadId": "L-2", "company": "Other", "contactName": "Bystander Name", "source": "web"]).position
        let n2 = try number(EventJSON.object(try #require(try h.log.event(at: bystander)))["data"]?["contactName"])
        let subject = Data("lead:L-1".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        for company in ["enc2.\(subject).\(n2).AAAA", "enc2.\(subject).18446744073709551615.AAAA", "enc2.\(subject).+1.AAAA"] {
            try await h.run("admin", "CaptureLead", [
                "leadId": .string("L-\(company.count)"), "company": .string(company), "contactName": "Someone",
                "source": "web",
            ])
        }
        try h.restart()  // the keys are not closed: a crash as far as they know
        _ = try await h.run("admin", "ForgetSubject", ["subject": "lead:L-1", "reason": "erasure request"])
        let keys = h.processor.keys
        #expect(try EventJSON.object(try #require(try h.log.event(at: victim)), keys: keys)["data"]?["contactName"] == "[erased]")
        #expect(try EventJSON.object(try #require(try h.log.event(at: bystander)), keys: keys)["data"]?["contactName"] == "Bystander Name")
        h.log.close()
    }

    @Test func aReaderKeptOpenAcrossAForgetFindsKeysMadeAfterIt() throws {
        let dir = TemporaryDirectory()
        let (writer, reader) = try writerAndReader(dir)
        try writer.forget("lead:L-0")  // replaces the file the reader has open
        var last = JSONObject()
        for i in 1...Int(SubjectKeyStore.poolBatch) + 1 { last = try writer.seal(type: "LeadCaptured", data: lead("L-\(i)", "P\(i)")) }
        #expect(reader.reveal(last)["contactName"] == .string("P\(Int(SubjectKeyStore.poolBatch) + 1)"))
        reader.close()
        writer.close()
    }

    @Test func aReaderOfAStoreFromBeforeThePoolFindsThePoolOnceItExists() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/keys"
        let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4))
        _ = try env.openDatabase("subjects")
        env.close()
        let reader = try SubjectKeyStore(path: path, readOnly: true)
        let writer = try SubjectKeyStore(path: path)
        let sealed = try writer.seal(type: "LeadCaptured", data: lead("L-1", "Pooled"))
        #expect(reader.reveal(sealed)["contactName"] == "Pooled")
        reader.close()
        writer.close()
    }

    /// Exports reveal from stored bytes, the rest from JSON values: both read every value alike.
    @Test func bytesAndValuesRevealAlike() throws {
        let dir = TemporaryDirectory()
        let store = try SubjectKeyStore(path: dir.path + "/keys")
        defer { store.close() }
        let sealed = try #require(try store.seal(type: "LeadCaptured", data: lead("L-1", "Same Either Way"))["contactName"]?.stringValue)
        let forgotten = try #require(try store.seal(type: "LeadCaptured", data: lead("L-2", "Gone"))["contactName"]?.stringValue)
        try store.forget("lead:L-2")
        for text in [sealed, forgotten, "enc2.", "enc2.x.1.y", "enc2.bGVhZDpMLTE.01.AAAA", "enc2.bGVhZDpMLTE.1", "plain", "enc1.x"] {
            let fromBytes = Array(text.utf8).withUnsafeBytes { store.reveal(utf8: $0) }
            #expect((fromBytes.map { JSONValue.string($0) } ?? .string(text)) == store.reveal(.string(text)), "\(text)")
        }
        #expect(store.reveal(.string(sealed)) == "Same Either Way")
        #expect(store.reveal(.string(forgotten)) == "[erased]")
    }

    /// Key and nonce material comes from a buffer of kernel randomness: never the same bytes twice.
    @Test func randomBytesAreNeverHandedOutTwice() async throws {
        let random = RandomBytes()
        var seen = Set<[UInt8]>()
        for i in 0..<12_000 {  // more than 64 KiB: refills; `bytes` and `fill` share the buffer
            var nonce = [UInt8](repeating: 0, count: 12)
            if i % 2 == 0 { nonce = try random.bytes(12) } else { try nonce.withUnsafeMutableBytes { try random.fill($0) } }
            #expect(seen.insert(nonce).inserted)
        }
        // Threads taking nonces at once (the buffer is refilled outside its lock) never share one.
        let tasks = (0..<4).map { _ in Task.detached { try (0..<8_000).map { _ in try random.bytes(12) } } }
        var all = Set<[UInt8]>()
        for task in tasks { for nonce in try await task.value { #expect(all.insert(nonce).inserted) } }
        #expect(all.count == 32_000)
        for (n, count) in [(40_000, 40_000), (100_000, 100_000)] {  // from the buffer, and read directly
            let large = try random.bytes(n)
            #expect(large.count == count && Set(large).count > 200)
        }
        // Sealing the same value twice gives two different ciphertexts (fresh nonces).
        let dir = TemporaryDirectory()
        let store = try SubjectKeyStore(path: dir.path + "/keys")
        defer { store.close() }
        let a = try store.seal(type: "LeadCaptured", data: lead("L-1", "Twice"))["contactName"]
        let b = try store.seal(type: "LeadCaptured", data: lead("L-1", "Twice"))["contactName"]
        #expect(a != b)
        let (sealedA, sealedB) = (try #require(a), try #require(b))
        #expect(store.reveal(sealedA) == "Twice" && store.reveal(sealedB) == "Twice")
    }
}
