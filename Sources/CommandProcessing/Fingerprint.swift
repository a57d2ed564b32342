import JSON

/// A stable 64-bit fingerprint of a command (actor, type and data with object keys sorted), kept with
/// its command id so that a repeat with different content is refused instead of silently answered.
enum Fingerprint {
    static func of(actor: String, type: String, data: JSONValue) -> UInt64 {
        var h = FNV1a()
        h.add(actor)
        h.addByte(0)
        h.add(type)
        h.addByte(0)
        h.add(data)
        return h.value
    }
}

/// 64-bit FNV-1a: stable across processes and builds (unlike `Hasher`).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func addByte(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01B3
    }

    mutating func add(_ s: String) {
        // In place over the string's UTF-8 (native strings are contiguous): no iterator per byte.
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ add($0) }) { return done }
        for b in s.utf8 { addByte(b) }
    }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var h = value
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        value = h
    }

    mutating func add(_ v: JSONValue) {
        switch v {
        case .null: addByte(UInt8(ascii: "n"))
        case .bool(let b): addByte(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .number(let n):
            addByte(UInt8(ascii: "#"))
            add(n.text)
            addByte(0)
        case .string(let s):
            addByte(UInt8(ascii: "\""))
            add(s)
            addByte(0)
        case .array(let items):
            addByte(UInt8(ascii: "["))
            for i in items { add(i) }
            addByte(UInt8(ascii: "]"))
        case .object(let o):
            addByte(UInt8(ascii: "{"))
            // Members in key order (String's `<`, as the first version sorted them), by sorting
            // their indices in place: no copy of the members, no allocation for small objects.
            let members = o.members
            withUnsafeTemporaryAllocation(of: Int.self, capacity: members.count) { buffer in
                var order = buffer
                for i in order.indices { order.initializeElement(at: i, to: i) }
                order.sort { members[$0].key < members[$1].key }  // keys are unique: any sort gives one order
                for i in order {
                    add(members[i].key)
                    addByte(0)
                    add(members[i].value)
                }
            }
            addByte(UInt8(ascii: "}"))
        }
    }
}
