import Crypto
import Foundation
import JSON
import LMDB
import Synchronization

/// Per-subject encryption keys for personal data, in their own LMDB environment (`<data>/keys/`),
/// outside the hash chain. Destroying a subject's key erases its personal fields everywhere at once
/// (crypto-shredding); the chain still verifies because it covers the ciphertext.
///
/// Sealed values are strings `enc1.<base64url subject>.<base64url nonce‖ciphertext‖tag>` (AES-256-GCM).
public final class SubjectKeyStore: Sendable {
    /// What an erased field reads as.
    public static let erased = "[erased]"
    static let prefix = "enc1."
    static let prefixBytes: [UInt8] = Array(prefix.utf8)

    private struct State {
        var env: Environment
        var db: Database
        var keys: [String: [UInt8]] = [:]
        /// Keys created but not yet durable.
        var pending: [String: [UInt8]] = [:]
    }

    public let path: String
    private let state: Mutex<State>

    /// Opens (creating when needed) the key store in `path`. Read-only stores never create keys.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if readOnly && !FileManager.default.fileExists(atPath: path + "/data.mdb") {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let env = try Environment(path: path, options: .init(mapSize: 1 << 26, maxDatabases: 4))
            _ = try env.openDatabase("subjects")
            env.close()
        }
        let env = try Environment(path: path, options: .init(mapSize: 1 << 28, maxDatabases: 4, readOnly: readOnly))
        let db = try env.openDatabase("subjects")
        var keys: [String: [UInt8]] = [:]
        try env.read { txn in
            try txn.withCursor(db) { c in
                var e = try c.first()
                while let entry = e {
                    keys[String(decoding: entry.key, as: UTF8.self)] = Array(entry.value)
                    e = try c.next()
                }
            }
        }
        state = Mutex(State(env: env, db: db, keys: keys))
    }

    public func close() { state.withLock { $0.env.close() } }

    /// Whether the subject still has a key.
    public func hasKey(_ subject: String) -> Bool { state.withLock { $0.keys[subject] != nil } }

    // MARK: Sealing

    /// Replaces the personal fields of an event's payload by sealed strings, creating the subject's
    /// key when needed (it becomes durable with ``flushPending()``).
    public func seal(type: String, data: JSONObject) throws -> JSONObject {
        guard let (subject, fields) = PersonalFields.subject(ofType: type, data: data) else { return data }
        var data = data
        let key = state.withLock { s -> [UInt8] in
            if let k = s.keys[subject] { return k }
            let k = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            s.keys[subject] = k
            s.pending[subject] = k
            return k
        }
        for field in fields {
            guard case .string(let plain) = data[field] ?? .null else { continue }
            let box = try AES.GCM.seal(Array(plain.utf8), using: SymmetricKey(data: key))
            guard let combined = box.combined else { continue }
            data[field] = .string(Self.prefix + Base64URL.encode(subject.utf8) + "." + Base64URL.encode(combined))
        }
        return data
    }

    /// Makes keys created since the last call durable (fsync'd). Called before the log commits events
    /// sealed with them.
    public func flushPending() throws {
        try state.withLock { s in
            guard !s.pending.isEmpty else { return }
            let pending = s.pending
            let db = s.db
            try s.env.write { txn in
                for (subject, key) in pending { try txn.put(db, key: Array(subject.utf8), value: key) }
            }
            s.pending = [:]
        }
    }

    // MARK: Revealing

    /// Every sealed string in `value` replaced by its plaintext, or `[erased]` when the key is gone.
    public func reveal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s) where s.hasPrefix(Self.prefix): .string(open(s))
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

    /// What ``reveal(_:)-(JSONValue)`` makes of a string given as UTF-8 bytes: its plaintext or `[erased]`;
    /// nil when it is not sealed and stays as it is — for text written straight from stored bytes.
    public func reveal(utf8: UnsafeRawBufferPointer) -> String? {
        // Most strings are not sealed: a byte comparison, not a generic walk over two sequences.
        let prefix = Self.prefixBytes
        guard utf8.count >= prefix.count, utf8[0] == prefix[0] else { return nil }
        for i in 1..<prefix.count where utf8[i] != prefix[i] { return nil }
        let s = String(decoding: utf8, as: UTF8.self)
        return s.hasPrefix(Self.prefix) ? open(s) : nil
    }

    /// The plaintext of one sealed string (or the string itself when it is not sealed).
    public func open(_ sealed: String) -> String {
        guard sealed.hasPrefix(Self.prefix) else { return sealed }
        let parts = sealed.dropFirst(Self.prefix.count).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let subjectData = Base64URL.decode(parts[0]), let combined = Base64URL.decode(parts[1])
        else { return Self.erased }
        let subject = String(decoding: subjectData, as: UTF8.self)
        guard let key = state.withLock({ $0.keys[subject] }),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key))
        else { return Self.erased }
        return String(decoding: plain, as: UTF8.self)
    }

    // MARK: Forgetting

    /// Destroys the subject's key (durably), then rewrites the key store compacted so the key's bytes
    /// are in no file (LMDB keeps freed pages otherwise).
    public func forget(_ subject: String) throws {
        try state.withLock { s in
            s.keys[subject] = nil
            s.pending[subject] = nil
            let db = s.db
            try s.env.write { txn in _ = try txn.delete(db, key: Array(subject.utf8)) }
            // Compact: copy without free pages, then swap the directories.
            let fm = FileManager.default
            let compacted = path + ".compact"
            try? fm.removeItem(atPath: compacted)
            try s.env.copy(to: compacted, compact: true)
            s.env.close()
            try fm.removeItem(atPath: path + "/data.mdb")
            try? fm.removeItem(atPath: path + "/lock.mdb")
            try fm.moveItem(atPath: compacted + "/data.mdb", toPath: path + "/data.mdb")
            try? fm.removeItem(atPath: compacted)
            s.env = try Environment(path: path, options: .init(mapSize: 1 << 28, maxDatabases: 4))
            s.db = try s.env.openDatabase("subjects")
        }
    }
}
