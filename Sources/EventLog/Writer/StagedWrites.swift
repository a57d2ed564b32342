/// Puts collected while a batch runs, written to LMDB in order once every work item has run.
///
/// The events' records are not encoded here: the batch holds its requests and where each event
/// lands, and the writer's encoder thread encodes and chains them (``EncodedRecords``) while the
/// next batch is decided.
struct StagedWrites {
    /// The requests staged since the last hand-over to the encoder, in order.
    var requests: [AppendRequest] = []
    /// Their events, in position order.
    var events: [PendingRecord] = []
    /// Each event's key ids (stream, type, tags), back to back (see ``PendingRecord/keysStart``).
    var eventKeys: [(id: UInt32, new: Bool)] = []
    /// Keys first used in this batch; their names are in the log's ``KeyNames`` (the key table
    /// put them there with their ids), which the commit reads them from.
    var newKeys: [(id: UInt32, kind: KeyKind)] = []
    /// Stream, type and tag entries of the in-memory key index, published to the registry once per batch.
    var keyEntries: [(run: UInt32, keyId: UInt32, position: UInt64)] = []
    /// Command records by sequence (the committer encodes them).
    var commands: [(seq: UInt64, record: CommandRecord)] = []
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
    /// Their probes (see `KeyTable.probe(_:at:)`), reused.
    var requestProbes: [KeyTable.Probe] = []
    /// Run after every work item of the batch and before the commit; a throw fails the whole batch.
    var beforeCommit: [() throws -> Void] = []

    mutating func reset() {
        requests.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        eventKeys.removeAll(keepingCapacity: true)
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

/// `count` heap cells, each initialized to `make()`: state the writer's threads hand each other by
/// pointer (a cell is read and written in place, never copied whole while another thread uses it).
func allocateCells<T>(_ count: Int, _ make: () -> T) -> [UnsafeMutablePointer<T>] {
    (0..<count).map { _ in
        let cell = UnsafeMutablePointer<T>.allocate(capacity: 1)
        cell.initialize(to: make())
        return cell
    }
}

func freeCells<T>(_ cells: [UnsafeMutablePointer<T>]) {
    for cell in cells {
        cell.deinitialize(count: 1)
        cell.deallocate()
    }
}

/// An event of a staged batch: where it lands and which request carries it.
struct PendingRecord {
    var position: UInt64
    var version: UInt64
    var at: Int64
    /// Its request's index in ``StagedWrites/requests``, and its own among that request's events.
    var request: Int32
    var event: Int32
    /// Where its key ids start in ``StagedWrites/eventKeys``.
    var keysStart: Int32
}

/// A batch's records as the encoder encodes them, back to back, each ending in its chain hash.
struct EncodedRecords {
    var bytes: [UInt8] = []
    var records: [(position: UInt64, range: Range<Int>)] = []

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
    }
}
