/// What the log remembers of a command id, forever (CONTRACT §2), in the `commands` database.
///
/// Value layout: string commandId (varint length + UTF-8) ‖ varint fingerprint ‖ varint first
/// position (0 when the command wrote no event) ‖ varint event count ‖ varint result position ‖
/// varint at (ms).
struct CommandRecord: Sendable, Hashable {
    var commandId: String
    var fingerprint: UInt64
    var firstPosition: UInt64
    var count: UInt64
    var resultPosition: UInt64
    var at: Int64

    /// Appends the value's bytes to `out` (the committer reuses one buffer for a batch's records).
    func encode(into out: inout [UInt8]) {
        Bytes.appendString(commandId, to: &out)
        Bytes.appendVarint(fingerprint, to: &out)
        Bytes.appendVarint(firstPosition, to: &out)
        Bytes.appendVarint(count, to: &out)
        Bytes.appendVarint(resultPosition, to: &out)
        Bytes.appendVarint(UInt64(bitPattern: at), to: &out)
    }

    init(commandId: String, fingerprint: UInt64, firstPosition: UInt64, count: UInt64, resultPosition: UInt64, at: Int64) {
        self.commandId = commandId
        self.fingerprint = fingerprint
        self.firstPosition = firstPosition
        self.count = count
        self.resultPosition = resultPosition
        self.at = at
    }

    init(decoding b: UnsafeRawBufferPointer) throws(RecordError) {
        var r = ByteReader(b)
        commandId = try r.string()
        fingerprint = try r.varint()
        firstPosition = try r.varint()
        count = try r.varint()
        resultPosition = try r.varint()
        at = Int64(bitPattern: try r.varint())
    }
}
