import JSON
import Testing

@Suite struct JSONBinaryReaderTests {
    static let payload: JSONValue = [
        "leadId": "L-1001", "amount": .number(JSONNumber(unchecked: "125.50")), "count": 300,
        "big": .number(JSONNumber(unchecked: "123456789012345678901")), "ok": true, "none": nil,
        "nested": ["rep": "E-7", "tags": ["a", "b"]], "note": "héllo",
    ]

    @Test func membersAreReadWithoutDecodingTheRest() throws {
        try Self.payload.binaryBytes.withUnsafeBytes { (raw) throws -> Void in
            let reader = JSONBinaryReader(raw)
            #expect(reader.type == .object)
            #expect(try reader.count() == 8)
            #expect(try reader.member("leadId")?.string() == "L-1001")
            #expect(try reader.member("note")?.string() == "héllo")
            #expect(try reader.member("amount")?.numberText() == "125.50")
            #expect(try reader.member("amount")?.int64() == nil)
            #expect(try reader.member("count")?.int64() == 300)
            #expect(try reader.member("count")?.numberText() == "300")
            #expect(try reader.member("big")?.numberText() == "123456789012345678901")
            #expect(try reader.member("ok")?.bool() == true)
            #expect(try reader.member("none")?.isNull == true)
            #expect(try reader.member("missing") == nil)
            #expect(try reader.member("leadId")?.int64() == nil)
            #expect(try reader.member("nested")?.member("rep")?.string() == "E-7")
            #expect(try reader.member("nested")?.member("tags")?.element(at: 1)?.string() == "b")
            #expect(try reader.member("nested")?.member("tags")?.element(at: 2) == nil)
            #expect(try reader.member("leadId")?.member("x") == nil)
        }
    }

    @Test func aMemberCursorVisitsEveryMemberInOrderWithTheValueMemberFinds() throws {
        try Self.payload.binaryBytes.withUnsafeBytes { (raw) throws -> Void in
            let reader = JSONBinaryReader(raw)
            var cursor = try #require(try reader.members())
            var keys: [String] = []
            while let (key, value) = try cursor.next() {
                let name = String(decoding: key, as: UTF8.self)
                keys.append(name)
                let found = try reader.member(name)
                #expect(try value.decode() == found?.decode())
            }
            #expect(try cursor.next() == nil, "the cursor stays at the end")
            #expect(keys == ["leadId", "amount", "count", "big", "ok", "none", "nested", "note"])
            // Not an object: no cursor.
            let array = try #require(try reader.member("nested")?.member("tags"))
            #expect(try array.members() == nil)
        }
        // A payload cut short throws once the walk reaches the damage.
        var cut = Self.payload.binaryBytes
        cut.removeLast(3)
        _ = cut.withUnsafeBytes { raw in
            #expect(throws: JSONBinaryError.self) {
                guard var cursor = try JSONBinaryReader(raw).members() else { return }
                while try cursor.next() != nil {}
            }
        }
    }

    @Test func aStringSlicePointsIntoThePayload() throws {
        let bytes = Self.payload.binaryBytes
        try bytes.withUnsafeBytes { (raw) throws -> Void in
            let slice = try #require(try JSONBinaryReader(raw).member("leadId")?.stringBytes())
            #expect(Array(slice) == Array("L-1001".utf8))
            #expect(slice.baseAddress! >= raw.baseAddress! && slice.baseAddress! < raw.baseAddress! + raw.count)
        }
    }

    @Test func aMemberDecodesAndCopiesAsItsOwnPayload() throws {
        try Self.payload.binaryBytes.withUnsafeBytes { (raw) throws -> Void in
            let nested = try #require(try JSONBinaryReader(raw).member("nested"))
            #expect(try nested.decode() == Self.payload["nested"])
            #expect(Array(try nested.encodedBytes()) == Self.payload["nested"]!.binaryBytes)
        }
    }

    @Test func damagedPayloadsThrowInsteadOfAnsweringWrongly() {
        // An object claiming two members whose first value has an unknown tag.
        let damaged: [UInt8] = [0x07, 0x02, 0x01, 0x61, 0x09, 0x01, 0x62, 0x00]
        damaged.withUnsafeBytes { (raw) -> Void in
            #expect(throws: JSONBinaryError.self) { try JSONBinaryReader(raw).member("b") }
            #expect(throws: Never.self) { try JSONBinaryReader(raw).member("a") }
        }
        [UInt8]().withUnsafeBytes { (raw) -> Void in
            #expect(JSONBinaryReader(raw).type == nil)
            #expect(throws: JSONBinaryError.self) { try JSONBinaryReader(raw).member("a") }
            #expect(throws: JSONBinaryError.self) { try JSONBinaryReader(raw).decode() }
        }
        [UInt8]([0x05, 0x02, 0xC0, 0x80]).withUnsafeBytes { (raw) -> Void in
            #expect(throws: JSONBinaryError.self) { try JSONBinaryReader(raw).string() }
        }
    }
}
