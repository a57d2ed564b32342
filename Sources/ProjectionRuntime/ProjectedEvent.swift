import EventCoding
import EventLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An event as a projector sees it: the stored record read in place, its type name interned, and
/// its payload decoded only when the projector asks (``payload``). Valid only during `apply`.
public struct ProjectedEvent {
    public let record: EventRecordView
    /// The event type (interned: no allocation per event).
    public let type: String
    /// The newest schema of `type` (payloads stored older are upcast).
    let currentSchema: Int
    let members: MemberIndex?

    init(record: EventRecordView, type: String, currentSchema: Int, members: MemberIndex? = nil) {
        self.record = record
        self.type = type
        self.currentSchema = currentSchema
        self.members = members
    }

    public var position: UInt64 { record.position }
    /// Milliseconds since the Unix epoch.
    public var at: Int64 { record.at }
    public var actor: String { String(decoding: record.actor, as: UTF8.self) }
    public var stream: String { String(decoding: record.stream, as: UTF8.self) }

    /// The payload in the newest schema (upcast when stored older), read field by field.
    public var payload: Payload {
        Payload(type: type, schema: record.schema, currentSchema: currentSchema, bytes: record.payload, members: members)
    }

    /// The id of the first tag of `kind` (`customer` for `customer:C-1`), or nil.
    public func tag(_ kind: StaticString) -> String? {
        var found: String?
        let k = UnsafeRawBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount)
        record.forEachTag { t in
            guard t.count > k.count, t[k.count] == UInt8(ascii: ":"),
                k.count == 0 || memcmp(t.baseAddress!, k.baseAddress!, k.count) == 0
            else {
                return true
            }
            found = String(decoding: UnsafeRawBufferPointer(rebasing: t[(k.count + 1)...]), as: UTF8.self)
            return false
        }
        return found
    }
}

/// Event type names → the projectors that read them, looked up from the record's raw type bytes.
struct TypeDispatch {
    private var names: [String] = []
    private var schemas: [Int] = []
    private var bytes: [[UInt8]] = []
    private var byHash: [UInt64: [Int]] = [:]
    /// Per type index: the projectors (indices) that read it.
    private(set) var readers: [[Int]] = []
    /// Projectors that read every event.
    private(set) var everyEvent: [Int] = []

    init(_ projections: [Projection]) {
        for (p, projection) in projections.enumerated() {
            guard let types = projection.eventTypes else {
                everyEvent.append(p)
                continue
            }
            for type in types.sorted() {
                let i = intern(type)
                readers[i].append(p)
            }
        }
        for i in readers.indices { readers[i].append(contentsOf: everyEvent) }
    }

    private mutating func intern(_ name: String) -> Int {
        let b = Array(name.utf8)
        let h = b.withUnsafeBytes { Self.hash($0) }
        if let candidates = byHash[h] {
            for i in candidates where bytes[i] == b { return i }
        }
        names.append(name)
        schemas.append(Upcasters.currentSchema(of: name))
        bytes.append(b)
        readers.append([])
        byHash[h, default: []].append(names.count - 1)
        return names.count - 1
    }

    /// The interned type index for raw type bytes, or nil when no projector names the type.
    @inline(__always)
    func lookup(_ type: UnsafeRawBufferPointer) -> Int? {
        guard let candidates = byHash[Self.hash(type)] else { return nil }
        for i in candidates where bytes[i].elementsEqual(type) { return i }
        return nil
    }

    func name(_ index: Int) -> String { names[index] }
    func currentSchema(_ index: Int) -> Int { schemas[index] }

    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in b {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }
}
