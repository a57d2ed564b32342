import Crypto
import Foundation
import IdHashing
import JSON
import LMDB
import Locking
import Synchronization

/// Per-subject encryption keys for personal data, in their own LMDB environment (`<data>/keys/`),
/// outside the hash chain. Destroying a subject's key erases its personal fields everywhere at once
/// (crypto-shredding); the chain still verifies because it covers the ciphertext.
///
/// Keys are made ahead, in batches of numbered keys written durably at once (``poolBatch`` keys at
/// first, doubling up to ``largestPoolBatch``), so a
/// command that meets a new subject costs no commit of its own here: the subject takes the next
/// numbered key, and the events that use it say which (`enc2.<base64url subject>.<key number>.<…>`).
/// Which subject holds which number is saved with the next batch, on ``forget(_:)`` and on
/// ``close()``; after a crash, the processor's replay of the log at start restores the rest
/// (``recover(type:data:)``), because every durable event names the subject and the number it used.
///
/// Sealed values are AES-256-GCM, `nonce‖ciphertext‖tag`. Stores written before the key pool keep
/// their subjects' own keys (`enc1.<base64url subject>.<…>`, database `subjects`) and go on using them.
public final class SubjectKeyStore: Sendable {
    /// What an erased field reads as.
    public static let erased = "[erased]"
    /// A value sealed with a subject's own key (stores from before the key pool).
    static let ownKeyPrefix = "enc1."
    /// A value sealed with a numbered key from the pool.
    static let numberedKeyPrefix = "enc2."
    /// How many numbered keys a process makes (and fsyncs) at a time, at first: each batch after
    /// that is twice the one before, up to ``largestPoolBatch``. A store that meets few new subjects
    /// makes few keys; one under a steady stream of new leads syncs 16 times less often (the log's
    /// writer waits for that sync).
    static let poolBatch: UInt64 = 1024
    static let largestPoolBatch: UInt64 = 16_384

    private struct State {
        var env: Environment
        /// subject → its own 32-byte key (enc1).
        var subjectsDB: Database
        /// key number (8 bytes, big-endian) → 32-byte key (enc2). Nil in a read-only store from
        /// before the key pool.
        var poolDB: Database?
        /// subject → the number of its key (8 bytes, big-endian), as last saved.
        var assignedDB: Database?
        var ownKeys: [String: [UInt8]]
        var pool: [UInt64: [UInt8]]
        var assigned: IdMap<UInt64>
        /// Assignments not yet in `assignedDB`, in the order made (a subject listed twice is saved
        /// with its later number). A list, not a map: appending costs no second hash per new subject.
        var unsaved: [(subject: String, number: UInt64)] = []
        /// Every number below this one has been handed out in this process or is named by the log
        /// or `assigned`. (A number whose event a crash kept from the log may be handed out again
        /// after the restart: no durable data uses it.)
        var nextNumber: UInt64
        /// One past the highest number the pool has made.
        var poolEnd: UInt64
        /// The inode of the `data.mdb` this state was loaded from: ``forget(_:)`` replaces the file.
        var inode: UInt64
        /// How many keys the next batch makes.
        var nextBatch = SubjectKeyStore.poolBatch
    }

    public let path: String
    private let readOnly: Bool
    private let state: Lock<State>
    private let random = RandomBytes()
    /// Set while a thread holds the store for a durable write (making keys, saving, forgetting), so
    /// presealing can go without instead of waiting for it.
    private let writing = Atomic<Bool>(false)
    /// How many times a key was destroyed (``forget(_:)``), bumped under the lock before the key
    /// goes. Keys are only ever destroyed there, and a subject keeps its key until then, so fields
    /// presealed when this count was the same as now are sealed with the key the subject still has:
    /// the log's encoder takes them without the lock or a look-up in the store's tables.
    private let forgets = Atomic<UInt64>(0)
    /// Which store presealed fields come from: ``forgets`` counts this store's forgets only.
    private let identity = UInt64.random(in: .min ... .max)

    /// Opens (creating when needed) the key store in `path`. Read-only stores never create keys.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        if readOnly && !FileManager.default.fileExists(atPath: path + "/data.mdb") {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4))
            _ = try Self.openDatabases(env)
            env.close()
        }
        state = Lock(try Self.load(path, readOnly: readOnly))
    }

    private static func openDatabases(_ env: Environment) throws -> (Database, Database?, Database?) {
        // A read-only open of a store from before the key pool finds no `pool` or `assigned`.
        func optional(_ name: String) throws -> Database? {
            env.options.readOnly ? try? env.openDatabase(name) : try env.openDatabase(name)
        }
        return (try env.openDatabase("subjects"), try optional("pool"), try optional("assigned"))
    }

    private static func load(_ path: String, readOnly: Bool) throws -> State {
        let env = try Environment(path: path, options: .init(mapSize: 1 << 28, maxDatabases: 4, readOnly: readOnly))
        var info = stat()
        let inode = stat(path + "/data.mdb", &info) == 0 ? UInt64(info.st_ino) : 0
        let (subjectsDB, poolDB, assignedDB) = try openDatabases(env)
        var ownKeys: [String: [UInt8]] = [:]
        var pool: [UInt64: [UInt8]] = [:]
        var assigned: IdMap<UInt64> = [:]
        var poolEnd: UInt64 = 1
        var nextNumber: UInt64 = 1
        try env.read { txn in
            try forEachEntry(txn, subjectsDB) { key, value in
                ownKeys[String(decoding: key, as: UTF8.self)] = Array(value)
            }
            try forEachEntry(txn, poolDB) { key, value in
                guard let n = number(key) else { return }
                pool[n] = Array(value)
                poolEnd = max(poolEnd, n + 1)
            }
            try forEachEntry(txn, assignedDB) { key, value in
                guard let n = number(value) else { return }
                assigned[String(decoding: key, as: UTF8.self)] = n
                nextNumber = max(nextNumber, n + 1)
            }
        }
        return State(
            env: env, subjectsDB: subjectsDB, poolDB: poolDB, assignedDB: assignedDB, ownKeys: ownKeys, pool: pool,
            assigned: assigned, nextNumber: nextNumber, poolEnd: poolEnd, inode: inode)
    }

    private static func forEachEntry(
        _ txn: borrowing Transaction, _ db: Database?, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void
    ) throws {
        guard let db else { return }
        try txn.withCursor(db) { c in
            var e = try c.first()
            while let entry = e {
                body(entry.key, entry.value)
                e = try c.next()
            }
        }
    }

    /// Saves the assignments not yet saved (durably), then closes the environment.
    public func close() {
        state.withLock { s in
            if !readOnly { try? Self.save(&s) }
            s.env.close()
        }
    }

    /// Writes a consistent, compacted copy of the store into directory `path` (LMDB's
    /// `mdb_env_copy2`), while another process may be making or destroying keys.
    public func copy(to path: String) throws {
        try state.withLock { s in try s.env.copy(to: path, compact: true) }
    }

    /// Whether the subject still has a key.
    public func hasKey(_ subject: String) -> Bool {
        state.withLock { s in
            if s.ownKeys[subject] != nil { return true }
            guard let n = s.assigned[subject] else { return false }
            return s.pool[n] != nil
        }
    }

    // MARK: Sealing

    /// Replaces the personal fields of an event's payload by sealed strings. A subject without a
    /// key takes the next numbered key (a new batch of them is made, durably, when none is left),
    /// so the key is durable before any event sealed with it can be.
    ///
    /// A field that `presealed` holds — same subject, same key, same plain text — takes the string
    /// sealed there instead of being sealed again.
    public func seal(type: String, data: JSONObject, presealed: PresealedFields? = nil) throws -> JSONObject {
        guard let (subject, fields) = PersonalFields.subject(ofType: type, data: data) else { return data }
        if let presealed, holdsKey(of: presealed, for: subject), let all = Self.substituted(presealed, fields, in: data) {
            return all
        }
        var data = data
        let (name, keyBytes) = try state.withLock { s in try sealingKey(for: subject, &s) }
        let prefix = Self.prefix(of: subject, name)
        // The prefix names the key (its number, or the subject's own key), so an equal prefix is
        // the same key: one destroyed and replaced in between (a forget) gives another prefix.
        let ahead = presealed.flatMap { $0.subject == subject && $0.prefix == prefix ? $0.fields : nil } ?? []
        var toSeal: [(field: String, plain: String)] = []
        for field in fields {
            guard case .string(let plain) = data[field] ?? .null else { continue }
            if let done = ahead.first(where: { $0.field == field && $0.plain == plain }) {
                data[field] = .string(done.sealed)
            } else {
                toSeal.append((field, plain))
            }
        }
        guard !toSeal.isEmpty else { return data }
        guard let sealer = GCMSealer(key: keyBytes) else { throw KeyStoreError("the key of \(subject) is not 32 bytes") }
        for (field, plain) in toSeal {
            guard let sealed = try Self.seal(plain, with: sealer, prefix: prefix, random: random) else {
                throw KeyStoreError("AES-GCM refused to seal \(field) of \(subject)")
            }
            data[field] = .string(sealed)
        }
        return data
    }

    /// Whether `presealed` was sealed by this store, for `subject`, with no key destroyed since: then
    /// its key is still the subject's (see ``forgets``).
    private func holdsKey(of presealed: PresealedFields, for subject: String) -> Bool {
        presealed.store == identity && presealed.subject == subject
            && presealed.forgets == forgets.load(ordering: .acquiring)
    }

    /// `data` with every personal string field replaced by its presealed form; nil when one has none,
    /// or was sealed from another text (then the caller seals from `data` as it is: a partly
    /// replaced copy would have its presealed strings sealed a second time).
    private static func substituted(_ presealed: PresealedFields, _ fields: [String], in data: JSONObject) -> JSONObject? {
        guard presealed.covers(fields, in: data) else { return nil }
        var out = data
        for field in fields {
            guard case .string(let plain) = data[field] ?? .null, let sealed = presealed.sealed(field, plain: plain) else { continue }
            out[field] = .string(sealed)
        }
        return out
    }

    /// Appends the payload stored for an event of `type` with `data`: ``seal(type:data:presealed:)``'s
    /// object in the binary form (``JSONBinary``). When `presealed` holds every personal field, the
    /// sealed strings are written from it as the object is encoded, without a sealed copy of `data`.
    public func appendSealedPayload(
        type: String, data: JSONObject, presealed: PresealedFields?, into out: inout [UInt8]
    ) throws {
        if let (subject, fields) = PersonalFields.subject(ofType: type, data: data), let presealed,
           holdsKey(of: presealed, for: subject), presealed.covers(fields, in: data) {
            JSONBinary.encode(data, into: &out) { key, value in
                guard case .string(let plain) = value, fields.contains(key) else { return nil }
                return presealed.sealed(key, plain: plain)
            }
            return
        }
        JSONBinary.encode(.object(try seal(type: type, data: data, presealed: presealed)), into: &out)
    }

    /// Makes sure the subject of an event of `type` with `data` has a key, taking the next numbered
    /// one (and making a batch of them, durably, when none is left) — everything in sealing that can
    /// fail. A processor calls it while it decides, so a failure fails that one command; the sealing
    /// itself then runs later, on the log's encoder, with nothing left to write.
    ///
    /// With `presealed` of the same subject and no key destroyed since (see ``forgets``), the key
    /// presealing took is still the subject's: nothing to look up.
    public func prepareKey(type: String, data: JSONObject, presealed: PresealedFields? = nil) throws {
        guard let (subject, _) = PersonalFields.subject(ofType: type, data: data) else { return }
        if let presealed, holdsKey(of: presealed, for: subject) { return }
        try state.withLock { s in
            if s.ownKeys[subject] != nil { return }
            if let n = s.assigned[subject], s.pool[n] != nil { return }
            _ = try sealingKey(for: subject, &s)
        }
    }

    /// Seals the personal fields an event of `type` with `data` would carry, ahead of the writer —
    /// on the task that submits the command, so the log's encoder thread only checks and copies them
    /// (see ``seal(type:data:presealed:)``). Nil — the encoder then seals as usual — when
    /// there is nothing to seal, or no key can be had here at once:
    /// - presealing never writes and never waits (it runs on a server's event loop): not when the
    ///   pool is used up (making keys is a durable commit), nor while another thread holds the store
    ///   (the writer making keys, a forget compacting the file);
    /// - a read-only store hands out no numbers;
    /// - a subject whose key was destroyed (forgotten) gets no new one here.
    ///
    /// Callers check the command first (its actor's role, the subject id's form): a number handed
    /// out here stays assigned even when the command is then refused.
    public func preseal(type: String, data: JSONObject) -> PresealedFields? {
        guard let (subject, fields) = PersonalFields.subject(ofType: type, data: data),
              let (name, keyBytes, forgetsBefore) = presealingKey(for: subject)
        else { return nil }
        let prefix = Self.prefix(of: subject, name)
        guard let sealer = GCMSealer(key: keyBytes) else { return nil }
        var out = PresealedFields(store: identity, subject: subject, prefix: prefix, forgets: forgetsBefore)
        for field in fields {
            guard case .string(let plain) = data[field] ?? .null,
                  let sealed = try? Self.seal(plain, with: sealer, prefix: prefix, random: random)
            else { continue }
            out.fields.append((field, plain, sealed))
        }
        return out
    }

    /// The subject's key for presealing: at once when the store is free; after a short wait when
    /// another thread only looks a key up; nil when a durable write holds it.
    /// (With the count of ``forget(_:)``s, read under the lock.)
    private func presealingKey(for subject: String) -> (KeyName, [UInt8], UInt64)? {
        func look(_ s: inout State) -> (KeyName, [UInt8], UInt64)? {
            guard let (name, key) = try? sealingKey(for: subject, &s, presealing: true) else { return nil }
            return (name, key, forgets.load(ordering: .relaxed))
        }
        if let found = state.withLockIfAvailable({ s in look(&s) }) { return found }
        guard !writing.load(ordering: .acquiring) else { return nil }
        return state.withLock { s in look(&s) }
    }

    /// Runs a durable write with `writing` set (the caller holds the store).
    private func durably<T>(_ body: () throws -> T) rethrows -> T {
        writing.store(true, ordering: .releasing)
        defer { writing.store(false, ordering: .releasing) }
        return try body()
    }

    /// `prefix` and the base64url of `plain` sealed under a fresh random nonce.
    private static func seal(_ plain: String, with sealer: GCMSealer, prefix: String, random: RandomBytes) throws -> String? {
        try withUnsafeTemporaryAllocation(byteCount: GCMSealer.nonceCount, alignment: 1) { nonce in
            try random.fill(nonce)
            return sealer.seal(plain, nonce: UnsafeRawBufferPointer(nonce), prefix: prefix)
        }
    }

    /// Which of the store's keys seals a subject's fields: its own, or a numbered one.
    private enum KeyName {
        case own
        case numbered(UInt64)
    }

    /// The sealed strings' prefix for `subject` (up to the ciphertext), which names the key. Made
    /// outside the store's lock: the lock is held only to look the key up.
    private static func prefix(of subject: String, _ name: KeyName) -> String {
        switch name {
        case .own: ownKeyPrefix + Base64URL.encode(subject.utf8) + "."
        case .numbered(let n): numberedPrefix(subject, n)
        }
    }

    /// Which key seals `subject`'s fields, and the key.
    /// (`presealing`: never make keys, never give a forgotten subject a new one.)
    private func sealingKey(
        for subject: String, _ s: inout State, presealing: Bool = false
    ) throws -> (KeyName, [UInt8]) {
        if let own = s.ownKeys[subject] { return (.own, own) }
        if let n = s.assigned[subject] {
            if let key = s.pool[n] { return (.numbered(n), key) }
            if presealing { throw KeyStoreError("the key of \(subject) was destroyed") }
        }
        // Only the writing store hands out numbers: a reader does not know which are taken.
        guard !readOnly else { throw KeyStoreError("\(path) is open read-only: no key for \(subject)") }
        if s.nextNumber >= s.poolEnd {
            if presealing { throw KeyStoreError("no free numbered key for \(subject) without making more") }
            try makeKeys(&s)
        }
        let n = s.nextNumber
        guard let key = s.pool[n] else { throw KeyStoreError("numbered key \(n) is missing from \(path)") }
        s.nextNumber = n + 1
        s.assigned[subject] = n
        s.unsaved.append((subject, n))
        return (.numbered(n), key)
    }

    /// `enc2.<base64url(subject)>.<n>.`, in one allocation.
    private static func numberedPrefix(_ subject: String, _ n: UInt64) -> String {
        var subject = subject
        return subject.withUTF8 { Base64URL.encode(UnsafeRawBufferPointer($0), after: numberedKeyPrefix, before: ".\(n).") }
    }

    /// Makes the next batch of numbered keys and writes them with the unsaved assignments, durably.
    private func makeKeys(_ s: inout State) throws {
        guard let poolDB = s.poolDB else { throw KeyStoreError("\(path) has no pool database") }
        let first = max(s.poolEnd, s.nextNumber)
        let batch = s.nextBatch
        let material = try random.bytes(32 * Int(batch))
        var made: [(UInt64, [UInt8])] = []
        made.reserveCapacity(Int(batch))
        for i in 0..<Int(batch) {
            let start = 32 * i
            made.append((first + UInt64(i), Array(material[start..<(start + 32)])))
        }
        try durably {
            try Self.save(&s) { txn in
                for (n, key) in made { try txn.put(poolDB, key: Self.bytes(n), value: key) }
            }
        }
        for (n, key) in made { s.pool[n] = key }
        s.poolEnd = first + batch
        s.nextNumber = first
        s.nextBatch = min(batch * 2, Self.largestPoolBatch)
    }

    /// Writes the unsaved assignments, and whatever `also` writes, in one durable transaction.
    private static func save(_ s: inout State, also: (borrowing Transaction) throws -> Void = { _ in }) throws {
        guard let assignedDB = s.assignedDB else { return }
        let unsaved = s.unsaved
        try s.env.write { txn in
            for (subject, n) in unsaved { try txn.put(assignedDB, key: Array(subject.utf8), value: bytes(n)) }
            try also(txn)
        }
        s.unsaved.removeAll(keepingCapacity: true)
    }

    // MARK: Revealing

    /// Every sealed string in `value` replaced by its plaintext, or `[erased]` when the key is gone.
    public func reveal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s) where Self.isSealed(s): .string(open(s))
        case .array(let items): .array(items.map(reveal))
        case .object(let o): .object(reveal(o))
        default: value
        }
    }

    public func reveal(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (k, v) in object { out.appendUnchecked(key: k, value: reveal(v)) }
        return out
    }

    /// ``reveal(_:)-(JSONObject)`` for the processor's replay of the log at start: it also takes
    /// note of which numbered key the event's subject was sealed with, so assignments a crash kept
    /// from being saved are known again (and saved by ``saveRecovered()``). Only the event's
    /// personal fields count, and only when they name the event's own subject and a number the
    /// pool has made: free text that looks sealed decides nothing.
    public func recover(type: String, data: JSONObject) -> JSONObject {
        if let (subject, fields) = PersonalFields.subject(ofType: type, data: data) {
            for field in fields {
                guard case .string(let sealed) = data[field] ?? .null, sealed.hasPrefix(Self.numberedKeyPrefix),
                    let (named, n, _) = Self.numbered(sealed), named == subject
                else { continue }
                state.withLock { s in
                    guard n < s.poolEnd else { return }
                    if (s.assigned[subject] ?? 0) < n {
                        s.assigned[subject] = n
                        s.unsaved.append((subject, n))
                    }
                    s.nextNumber = max(s.nextNumber, n + 1)
                }
            }
        }
        return reveal(data)
    }

    /// Saves, durably, the assignments ``recover(type:data:)`` found missing (none after a clean shutdown).
    public func saveRecovered() throws {
        guard !readOnly else { return }
        try state.withLock { s in
            guard !s.unsaved.isEmpty else { return }
            try durably { try Self.save(&s) }
        }
    }

    /// What ``reveal(_:)-(JSONValue)`` makes of a string given as UTF-8 bytes: its plaintext or `[erased]`;
    /// nil when it is not sealed and stays as it is — for text written straight from stored bytes.
    public func reveal(utf8: UnsafeRawBufferPointer) -> String? {
        // Most strings are not sealed: a byte comparison, not a generic walk over two sequences.
        guard utf8.count >= 5, utf8[0] == UInt8(ascii: "e"), utf8[1] == UInt8(ascii: "n"), utf8[2] == UInt8(ascii: "c"),
            utf8[3] == UInt8(ascii: "1") || utf8[3] == UInt8(ascii: "2"), utf8[4] == UInt8(ascii: ".")
        else { return nil }
        return open(String(decoding: utf8, as: UTF8.self))
    }

    static func isSealed(_ s: String) -> Bool { s.hasPrefix(ownKeyPrefix) || s.hasPrefix(numberedKeyPrefix) }

    /// The plaintext of one sealed string (or the string itself when it is not sealed).
    public func open(_ sealed: String) -> String {
        let key: [UInt8]?
        let combined: Substring
        if sealed.hasPrefix(Self.numberedKeyPrefix) {
            guard let (_, n, rest) = Self.numbered(sealed) else { return Self.erased }
            key = numberedKey(n)
            combined = rest
        } else if sealed.hasPrefix(Self.ownKeyPrefix) {
            let parts = sealed.dropFirst(Self.ownKeyPrefix.count).split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let subject = Base64URL.decode(parts[0]) else { return Self.erased }
            key = ownKey(String(decoding: subject, as: UTF8.self))
            combined = parts[1]
        } else {
            return sealed
        }
        guard let key, let bytes = Base64URL.decode(combined), let box = try? AES.GCM.SealedBox(combined: bytes),
            let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key))
        else { return Self.erased }
        return String(decoding: plain, as: UTF8.self)
    }

    /// The subject, key number and ciphertext of an `enc2.` string, or nil when it is malformed.
    private static func numbered(_ sealed: String) -> (String, UInt64, Substring)? {
        let parts = sealed.dropFirst(numberedKeyPrefix.count).split(separator: ".", maxSplits: 2)
        guard parts.count == 3, let subject = Base64URL.decode(parts[0]), let n = number(parts[1]) else { return nil }
        return (String(decoding: subject, as: UTF8.self), n, parts[2])
    }

    /// A key number as sealing writes it: decimal digits, no sign, no leading zero.
    private static func number(_ text: Substring) -> UInt64? {
        let digits = text.utf8
        guard let first = digits.first, first != UInt8(ascii: "0"),
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt64(text)
    }

    /// A numbered key from memory, else from the store (keys another process made after this one
    /// opened it); nil when it was destroyed.
    private func numberedKey(_ n: UInt64) -> [UInt8]? {
        lookUp(\.pool, n, in: { $0.poolDB }, at: Self.bytes(n))
    }

    /// A subject's own key (enc1), from memory, else from the store.
    private func ownKey(_ subject: String) -> [UInt8]? {
        lookUp(\.ownKeys, subject, in: { $0.subjectsDB }, at: Array(subject.utf8))
    }

    /// A key from the in-memory `table`, else — in a read-only store, which another process writes —
    /// from `database`, refreshed first when stale; nil when there is none.
    private func lookUp<K: Hashable>(
        _ table: WritableKeyPath<State, [K: [UInt8]]>, _ id: K, in database: (State) -> Database?, at stored: [UInt8]
    ) -> [UInt8]? {
        state.withLock { s in
            if let key = s[keyPath: table][id] { return key }
            guard readOnly else { return nil }
            refreshIfStale(&s)
            if let key = s[keyPath: table][id] { return key }
            guard let db = database(s), let key = try? s.env.read({ try $0.get(db, key: stored) }) else { return nil }
            s[keyPath: table][id] = key
            return key
        }
    }

    /// A reader's view of the store, brought up to date when the writer has replaced the file
    /// (``forget(_:)`` does; the reader would otherwise go on reading the old one and never see a
    /// key made since) or added the `pool` database to a store from before the key pool.
    private func refreshIfStale(_ s: inout State) {
        var info = stat()
        if stat(path + "/data.mdb", &info) == 0, UInt64(info.st_ino) != s.inode,
            let fresh = try? Self.load(path, readOnly: true)
        {
            // The new file has its own lock file (forget removes the old one), so opening it before
            // closing the old environment leaves the old one's locks alone.
            s.env.close()
            s = fresh
            return
        }
        if s.poolDB == nil, let pool = try? s.env.openDatabase("pool") {
            s.poolDB = pool
            s.assignedDB = try? s.env.openDatabase("assigned")
        }
    }

    // MARK: Forgetting

    /// Destroys the subject's key (durably), then rewrites the key store compacted so the key's bytes
    /// are in no file (LMDB keeps freed pages otherwise).
    public func forget(_ subject: String) throws {
        try state.withLock { s in try durably { try forgetLocked(subject, &s) } }
    }

    private func forgetLocked(_ subject: String, _ s: inout State) throws {
        forgets.add(1, ordering: .releasing)
        s.ownKeys[subject] = nil
        let n = s.assigned[subject]
        if let n { s.pool[n] = nil }
        let subjectsDB = s.subjectsDB
        let poolDB = s.poolDB
        try Self.save(&s) { txn in
            _ = try txn.delete(subjectsDB, key: Array(subject.utf8))
            if let n, let poolDB { _ = try txn.delete(poolDB, key: Self.bytes(n)) }
        }
        // Compact: copy without free pages, then put the copy in the old file's place in one
        // rename (a crash leaves the old file or the new one, never neither), made durable by
        // syncing the directory.
        let fm = FileManager.default
        let compacted = path + ".compact"
        try? fm.removeItem(atPath: compacted)
        try s.env.copy(to: compacted, compact: true)
        s.env.close()
        let renamed = rename(compacted + "/data.mdb", path + "/data.mdb") == 0
        let failure = renamed ? "" : String(cString: strerror(errno))
        if renamed {
            let directory = Glibc.open(path, O_RDONLY | O_DIRECTORY)
            if directory >= 0 {
                fsync(directory)
                Glibc.close(directory)
            }
            try? fm.removeItem(atPath: path + "/lock.mdb")
        }
        try? fm.removeItem(atPath: compacted)
        s = try Self.load(path, readOnly: false)
        guard renamed else { throw KeyStoreError("cannot replace \(path)/data.mdb with its compacted copy: \(failure)") }
    }

    // MARK: Key numbers

    private static func bytes(_ n: UInt64) -> [UInt8] { withUnsafeBytes(of: n.bigEndian) { Array($0) } }

    private static func number(_ b: UnsafeRawBufferPointer) -> UInt64? {
        guard b.count == 8 else { return nil }
        return UInt64(bigEndian: b.loadUnaligned(as: UInt64.self))
    }
}

/// A key store that cannot do what was asked (read-only, or a numbered key missing).
public struct KeyStoreError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Personal fields sealed ahead of the writer by ``SubjectKeyStore/preseal(type:data:)``.
public struct PresealedFields: Sendable {
    /// The store that sealed them (its ``SubjectKeyStore/identity``).
    let store: UInt64
    let subject: String
    /// The sealed strings' prefix, which names the key.
    let prefix: String
    /// The store's count of forgets when they were sealed.
    let forgets: UInt64
    var fields: [(field: String, plain: String, sealed: String)] = []

    /// The string sealed for `field` from `plain`, if any.
    func sealed(_ field: String, plain: String) -> String? {
        fields.first(where: { $0.field == field && $0.plain == plain })?.sealed
    }

    /// Whether every string among `data`'s `fields` was sealed here from its text.
    func covers(_ personal: [String], in data: JSONObject) -> Bool {
        personal.allSatisfy { field in
            guard case .string(let plain) = data[field] ?? .null else { return true }
            return sealed(field, plain: plain) != nil
        }
    }
}
