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
    /// Every type's UTF-8 bytes, one after another: type `i`'s are at `starts[i]..<starts[i + 1]`.
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing over type indices + 1 (0: empty), at most a quarter full: a lookup per event
    /// hashes the type's bytes, reads one or two slots and compares once. (A `[UInt64: [Int]]`
    /// hashed the hash again with SipHash, retained the candidates and compared generically: 3 %
    /// of a rebuild's thread.)
    private var slots = [Int](repeating: 0, count: 64)
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
        if let found = b.withUnsafeBytes({ lookup($0) }) { return found }
        names.append(name)
        schemas.append(Upcasters.currentSchema(of: name))
        arena.append(contentsOf: b)
        starts.append(arena.count)
        hashes.append(b.withUnsafeBytes { Self.hash($0) })
        readers.append([])
        if names.count * 4 > slots.count {
            slots = [Int](repeating: 0, count: slots.count * 2)
            for i in names.indices { place(i) }
        } else {
            place(names.count - 1)
        }
        return names.count - 1
    }

    private mutating func place(_ i: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hashes[i]) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = i + 1
    }

    /// The interned type index for raw type bytes, or nil when no projector names the type.
    @inline(__always)
    func lookup(_ type: UnsafeRawBufferPointer) -> Int? {
        let h = Self.hash(type)
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[s]
            if entry == 0 { return nil }
            let i = entry - 1
            if hashes[i] == h && starts[i + 1] - starts[i] == type.count {
                let same = arena.withUnsafeBytes { all in
                    type.count == 0 || memcmp(all.baseAddress! + starts[i], type.baseAddress!, type.count) == 0
                }
                if same { return i }
            }
            s = (s + 1) & mask
        }
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
