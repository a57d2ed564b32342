/// Puts collected while a batch runs, written to LMDB in order once every work item has run.
struct StagedWrites {
    /// The records of the batch, back to back.
    var recordBytes: [UInt8] = []
    var records: [(position: UInt64, range: Range<Int>)] = []
    var newKeys: [(id: UInt32, kind: KeyKind, name: String)] = []
    /// Stream, type and tag entries of the in-memory key index, published to the registry once per batch.
    var keyEntries: [(run: UInt32, keyId: UInt32, position: UInt64)] = []
    var commands: [(seq: UInt64, bytes: [UInt8])] = []
    /// A slice of a sealed index run moving to `keyRuns`, with its keys' heads, and the run when the
    /// slice completes it (see `BatchWriter.stageFlushSlice`).
    var keyRunKeys: [(run: UInt32, keyId: UInt32)] = []
    /// The `keyRuns` values of `keyRunKeys`, back to back; entry i ends at `keyRunEnds[i]`.
    var keyRunValues: [UInt8] = []
    var keyRunEnds: [Int] = []
    var heads: [(keyId: UInt32, head: KeyHead)] = []
    var flushedRun: UInt32?
    /// The key ids of the request being appended, event by event (stream, type, tags), reused.
    var requestKeys: [(id: UInt32, new: Bool)] = []
    /// Run after every work item of the batch and before the commit; a throw fails the whole batch.
    var beforeCommit: [() throws -> Void] = []

    var isEmpty: Bool { records.isEmpty && newKeys.isEmpty && commands.isEmpty }

    mutating func reset() {
        recordBytes.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        newKeys.removeAll(keepingCapacity: true)
        keyEntries.removeAll(keepingCapacity: true)
        commands.removeAll(keepingCapacity: true)
        keyRunKeys.removeAll(keepingCapacity: true)
        keyRunValues.removeAll(keepingCapacity: true)
        keyRunEnds.removeAll(keepingCapacity: true)
        heads.removeAll(keepingCapacity: true)
        flushedRun = nil
        beforeCommit.removeAll(keepingCapacity: true)
    }
}
