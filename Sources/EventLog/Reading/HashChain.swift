import Crypto

/// A kept proof of the log's state: the position and the chain hash there (CONTRACT §7).
public struct Digest: Sendable, Hashable, CustomStringConvertible {
    public var position: UInt64
    public var hash: ChainHash

    public init(position: UInt64, hash: ChainHash) {
        self.position = position
        self.hash = hash
    }

    public var description: String { "\(position) \(hash.hex)" }
}

/// The outcome of ``EventLog/verify(through:digest:progress:)``.
public struct VerifyReport: Sendable, Hashable {
    /// Events checked.
    public var checked: UInt64
    /// The last position checked.
    public var lastPosition: UInt64
    /// The first position where the chain is broken, with the reason; nil when intact.
    public var firstBad: (position: UInt64, reason: String)?
    /// The chain hash at `lastPosition`.
    public var lastHash: ChainHash

    public var isIntact: Bool { firstBad == nil }

    public static func == (a: VerifyReport, b: VerifyReport) -> Bool {
        a.checked == b.checked && a.lastPosition == b.lastPosition && a.firstBad?.position == b.firstBad?.position
            && a.firstBad?.reason == b.firstBad?.reason && a.lastHash == b.lastHash
    }

    public func hash(into h: inout Hasher) {
        h.combine(checked)
        h.combine(lastPosition)
        h.combine(firstBad?.position)
    }
}

extension EventLog {
    /// The last position and its chain hash.
    public func digest() throws -> Digest {
        var result = Digest(position: 0, hash: .zero)
        try env.read { txn in
            try txn.withCursor(dbs.events) { c in
                guard let last = try c.last() else { return }
                let v = last.value
                guard v.count > EventRecord.hashLength else {
                    throw EventLogError.corrupt(position: Bytes.readBigEndianUInt64(last.key), "record too short")
                }
                result = Digest(
                    position: Bytes.readBigEndianUInt64(last.key),
                    hash: ChainHash(bytes: Array(v[(v.count - EventRecord.hashLength)...])))
            }
        }
        return result
    }

    /// Recomputes the hash chain from position 1 (through `through`, default the end of the snapshot)
    /// and reports the first position where it breaks: an edited record, a removed event (a gap), a
    /// reordered pair, an undecodable record, or a time that goes backwards. With `digest`, also
    /// checks that the chain hash at the digest's position is the kept one.
    ///
    /// Runs on a read snapshot, beside a writing server.
    public func verify(through: UInt64? = nil, digest: Digest? = nil,
                       progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        var previous = ChainHash.zero.bytes
        var expected: UInt64 = 1
        var lastAt: Int64 = 0
        var report = VerifyReport(checked: 0, lastPosition: 0, firstBad: nil, lastHash: .zero)
        try scanRecords(from: 1, through: through) { position, value in
            func fail(_ reason: String) -> Bool {
                report.firstBad = (position, reason)
                return false
            }
            if position != expected {
                report.firstBad = (expected, "event \(expected) is missing (next stored position is \(position))")
                return false
            }
            guard value.count > EventRecord.hashLength else { return fail("record too short") }
            let bodyCount = value.count - EventRecord.hashLength
            var hasher = SHA256()
            previous.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            withUnsafeBytes(of: position.bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: value[0..<bodyCount]))
            let computed = hasher.finalize()
            let stored = UnsafeRawBufferPointer(rebasing: value[bodyCount...])
            let same = computed.withUnsafeBytes { $0.elementsEqual(stored) }
            if !same { return fail("hash mismatch: the record or its predecessor's hash was altered") }
            guard let at = try? EventRecord.decodeAt(value) else { return fail("undecodable record") }
            if at < lastAt { return fail("time goes backwards") }
            lastAt = at
            previous = Array(stored)
            report.checked += 1
            report.lastPosition = position
            expected = position + 1
            if let progress, position & 0xFFFF == 0 { progress(position) }
            return true
        }
        report.lastHash = ChainHash(bytes: previous)
        if report.firstBad == nil, let digest {
            if report.lastPosition < digest.position {
                report.firstBad = (report.lastPosition + 1, "the log ends before the digest's position \(digest.position)")
            } else if let e = try event(at: digest.position), e.hash != digest.hash {
                report.firstBad = (digest.position, "the chain hash at the digest's position differs from the kept digest")
            }
        }
        return report
    }
}
