/// The value of a `keyRuns` entry: the positions of one key (stream, tag or type) in one index run,
/// ascending, packed as LEB128 varints:
///
/// ```
/// varint  count            ≥ 1
/// varint  first − runStart  the first position's offset in the run
/// varint  delta × (count − 1)  each position minus the one before it (≥ 1)
/// ```
///
/// A run holds 2^20 positions, so offsets and most deltas take one to three bytes: a key with one
/// event in the run costs a few bytes of value, where a dup-sorted index paid 8 bytes per position
/// plus its node and sub-tree overhead, and a whole run's worth of a key is one `put`.
enum KeyRun {
    static func encode(_ positions: some Collection<UInt64>, runStart: UInt64, into out: inout [UInt8]) {
        Bytes.appendVarint(UInt64(positions.count), to: &out)
        var previous = runStart
        var first = true
        for p in positions {
            Bytes.appendVarint(first ? p - runStart : p - previous, to: &out)
            previous = p
            first = false
        }
    }

    /// Appends the positions in `lo...hi` to `out`.
    /// - Throws: ``RecordError`` when the value is truncated, a position leaves the run, or positions
    ///   do not increase.
    static func decode(_ value: UnsafeRawBufferPointer, runStart: UInt64, runEnd: UInt64, lo: UInt64, hi: UInt64,
                       into out: inout [UInt64]) throws(RecordError) {
        var r = ByteReader(value)
        let count = try r.varint()
        guard count >= 1, count <= UInt64(r.remaining) else { throw RecordError.malformed("bad key run count") }
        var p = runStart
        for i in 0..<count {
            let step = try r.varint()
            guard i == 0 || step >= 1 else { throw RecordError.malformed("key run positions do not increase") }
            let (next, overflow) = p.addingReportingOverflow(step)
            guard !overflow, next <= runEnd else { throw RecordError.malformed("key run position outside its run") }
            p = next
            if p > hi { return }
            if p >= lo { out.append(p) }
        }
        guard r.remaining == 0 else { throw RecordError.malformed("bytes after the key run") }
    }
}
