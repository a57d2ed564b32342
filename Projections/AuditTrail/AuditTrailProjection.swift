import LMDB
import ProjectionRuntime

/// The `auditTrail` view (CONTRACT §4): the events of a stream, an actor or a tag over a time range,
/// with who, when and which command, and per event the fields it changed (`field, before, after`).
///
/// The projector reads envelopes only — never a payload — and keeps the one index the log lacks:
///
/// | database | key | value |
/// |---|---|---|
/// | `audit.actors` | actor ‖ 0 ‖ first position (block list) | the positions of the actor's events |
///
/// Streams and tags come from the log's own indexes. The events themselves, and the values before
/// and after, are read from the log at query time (up to the checkpoint): `before` is the field's
/// last value in the stream's earlier events. Nothing of a payload — personal data included — is
/// copied into `views/`.
public enum AuditTrail {
    public static let name = "auditTrail"
    static let actors = "audit.actors"

    public static let projection = Projection(
        name: name, version: 1, views: [name], eventTypes: nil, databases: [DatabaseSpec(actors)], rebuildWeight: 5
    ) { context in try AuditTrailProjector(context) }
}

final class AuditTrailProjector: Projector {
    let actors: BlockList
    private var lastActorBytes: [UInt8] = []
    private var lastActor = ""

    init(_ context: ProjectorContext) throws {
        actors = try context.blockList(AuditTrail.actors, maxEntries: 512, maxBytes: 1800)
    }

    func apply(_ e: ProjectedEvent, _ txn: borrowing Transaction) throws {
        // Most consecutive events share their actor: reuse the String instead of decoding it again.
        if !e.record.actor.elementsEqual(lastActorBytes) {
            lastActorBytes = Array(e.record.actor)
            lastActor = e.actor
        }
        try actors.append(lastActor, position: e.position, txn)
    }
}
