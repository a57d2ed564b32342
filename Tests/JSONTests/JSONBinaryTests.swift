import JSON
import Testing

@Suite struct JSONBinaryTests {
    static func number(_ text: String) -> JSONValue { .number(JSONNumber(unchecked: text)) }

    @Test func theDocumentedExamplesHaveExactlyTheDocumentedBytes() {
        let object: JSONValue = ["a": 1, "b": ["x", nil]]
        #expect(
            object.binaryBytes == [0x07, 0x02, 0x01, 0x61, 0x03, 0x02, 0x01, 0x62, 0x06, 0x02, 0x05, 0x01, 0x78, 0x00])
        #expect(Self.number("12.50").binaryBytes == [0x04, 0x05, 0x31, 0x32, 0x2E, 0x35, 0x30])
        #expect(JSONValue(integerLiteral: -1).binaryBytes == [0x03, 0x01])
        #expect(JSONValue(integerLiteral: 300).binaryBytes == [0x03, 0xD8, 0x04])
        #expect(JSONValue.string("é").binaryBytes == [0x05, 0x02, 0xC3, 0xA9])
        #expect(JSONValue.null.binaryBytes == [0x00])
        #expect(JSONValue.bool(false).binaryBytes == [0x01])
        #expect(JSONValue.bool(true).binaryBytes == [0x02])
    }

    /// Encoding with members replaced writes the bytes of the object so changed, members in place.
    @Test func replacedMembersAreWrittenAsTheChangedObjectWouldBe() throws {
        let object: JSONObject = ["id": "L-1", "name": "Ann", "n": 3, "nested": ["name": "inner"], "other": "Ann"]
        var replaced: [UInt8] = [0xEE]  // (appended after what the buffer holds)
        JSONBinary.encode(object, into: &replaced) { key, value in
            key == "name" && value == .string("Ann") ? "sealed-Ann" : nil
        }
        var changed = object
        changed["name"] = "sealed-Ann"
        #expect(replaced == [0xEE] + JSONValue.object(changed).binaryBytes)
        var untouched: [UInt8] = []
        JSONBinary.encode(object, into: &untouched) { _, _ in nil }
        #expect(untouched == JSONValue.object(object).binaryBytes)
    }

    @Test func onlyCanonicalSixtyFourBitIntegersUseTheIntegerTag() throws {
        for text in ["0", "-1", "17", "9223372036854775807", "-9223372036854775808"] {
            #expect(Self.number(text).binaryBytes.first == 0x03, "\(text)")
            #expect(try JSONValue.decodeBinary(Self.number(text).binaryBytes).numberText == text)
        }
        for text in ["-0", "1.0", "1e2", "12.50", "9223372036854775808", "-9223372036854775809", "0.5"] {
            #expect(Self.number(text).binaryBytes.first == 0x04, "\(text)")
            #expect(try JSONValue.decodeBinary(Self.number(text).binaryBytes).numberText == text)
        }
        #expect(
            JSONValue(integerLiteral: .max).binaryBytes == [
                0x03, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
            ])
    }

    @Test(arguments: [
        BinaryRejection([], .truncated, at: 0),
        BinaryRejection([0x03], .truncated, at: 1),
        BinaryRejection([0x03, 0x80], .truncated, at: 2),
        BinaryRejection([0x03, 0x80, 0x00], .nonCanonical, at: 1),
        BinaryRejection([0x05, 0x81, 0x00], .nonCanonical, at: 1),
        BinaryRejection([0x03] + [UInt8](repeating: 0xFF, count: 9) + [0x02], .invalidVarint, at: 1),
        BinaryRejection([0x03] + [UInt8](repeating: 0xFF, count: 10) + [0x01], .invalidVarint, at: 1),
        BinaryRejection([0x04, 0x01, 0x31], .nonCanonical, at: 2),
        BinaryRejection([0x04, 0x02, 0x2D, 0x35], .nonCanonical, at: 2),
        BinaryRejection([0x04, 0x02, 0x30, 0x31], .invalidNumber, at: 2),
        BinaryRejection([0x04, 0x01, 0x2E], .invalidNumber, at: 2),
        BinaryRejection([0x04, 0x00], .invalidNumber, at: 2),
        BinaryRejection([0x04, 0x03, 0x4E, 0x61, 0x4E], .invalidNumber, at: 2),
        BinaryRejection([0x08], .unknownTag, at: 0),
        BinaryRejection([0x06, 0x01, 0xFF], .unknownTag, at: 2),
        BinaryRejection([0x05, 0x02, 0x61], .lengthOutOfBounds, at: 1),
        BinaryRejection([0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61], .lengthOutOfBounds, at: 1),
        BinaryRejection([0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00], .lengthOutOfBounds, at: 1),
        BinaryRejection([0x07, 0x02, 0x00, 0x00], .lengthOutOfBounds, at: 1),
        BinaryRejection([0x06, 0x02, 0x06, 0x00], .truncated, at: 4),
        BinaryRejection([0x05, 0x02, 0xC0, 0x80], .invalidUTF8, at: 2),
        BinaryRejection([0x05, 0x03, 0xED, 0xA0, 0x80], .invalidUTF8, at: 2),
        BinaryRejection([0x05, 0x03, 0x61, 0x62, 0xFF], .invalidUTF8, at: 4),
        BinaryRejection([0x07, 0x01, 0x01, 0x80, 0x00], .invalidUTF8, at: 3),
        BinaryRejection([0x07, 0x02, 0x01, 0x61, 0x00, 0x01, 0x61, 0x02], .duplicateKey, at: 5),
        BinaryRejection([0x00, 0x00], .trailingBytes, at: 1),
        BinaryRejection([0x06, 0x00, 0x06], .trailingBytes, at: 2),
    ])
    func malformedBytesAreRejectedAtTheRightByte(_ rejection: BinaryRejection) {
        do {
            let value = try JSONValue.decodeBinary(rejection.bytes)
            Issue.record("accepted as \(value)")
        } catch {
            #expect(error.kind == rejection.kind, "\(error)")
            #expect(error.offset == rejection.offset, "\(error)")
        }
    }

    @Test func everyProperPrefixOfAPayloadIsRejected() {
        let payload: JSONValue = [
            "leadId": "L-1001", "amount": Self.number("125.50"), "n": 300, "tags": ["a", nil, true],
        ]
        let bytes = payload.binaryBytes
        for cut in 0..<bytes.count {
            #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(Array(bytes[..<cut])) }
        }
    }

    @Test func canonicallyEquivalentKeysAreDuplicates() {
        // "é" precomposed and decomposed are the same Swift string, so one object cannot hold both.
        let bytes: [UInt8] = [0x07, 0x02, 0x02, 0xC3, 0xA9, 0x00, 0x03, 0x65, 0xCC, 0x81, 0x00]
        let error = #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(bytes) }
        #expect(error?.kind == .duplicateKey)
    }

    @Test func largeObjectsFindDuplicatesToo() throws {
        var object = JSONObject()
        for k in 0..<100 { object["k\(k)"] = .number(JSONNumber(k)) }
        var bytes = JSONValue.object(object).binaryBytes
        #expect(try JSONValue.decodeBinary(bytes) == .object(object))
        bytes[1] = 101  // claim one more member …
        bytes += [0x03, 0x6B, 0x35, 0x30, 0x00]  // … and repeat "k50"
        let error = #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(bytes) }
        #expect(error?.kind == .duplicateKey)
    }

    @Test func duplicatesAreFoundAtEveryNestingLevel() throws {
        // As in the parser test: four levels of twelve keys, so the inner levels use the set fallback.
        func nested(_ level: Int) -> JSONValue {
            var object = JSONObject()
            for k in 0..<11 { object["k\(k < 10 ? "0" : "")\(k)"] = nil as JSONValue }
            object["k11"] = level == 3 ? nil : nested(level + 1)
            return .object(object)
        }
        let bytes = nested(0).binaryBytes
        #expect(try JSONValue.decodeBinary(bytes) == nested(0))
        // Rename every "k11" in turn to "k00" (same length, so the layout stays valid).
        let k11: [UInt8] = [0x03, 0x6B, 0x31, 0x31]
        let positions = (0...(bytes.count - 4)).filter { Array(bytes[$0..<($0 + 4)]) == k11 }
        #expect(positions.count == 4)
        for position in positions {
            var damaged = bytes
            damaged[position + 2] = 0x30
            damaged[position + 3] = 0x30
            let error = #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(damaged) }
            #expect(error?.kind == .duplicateKey)
        }
    }

    @Test func nestingIsLimited() throws {
        let deep = [UInt8](repeating: 0x06, count: 1) + [UInt8](repeating: 0x01, count: 1)
        let hostile = [UInt8]((0..<100_000).flatMap { _ in deep }) + [0x00]
        let error = #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(hostile) }
        #expect(error?.kind == .tooDeep)
        let atDefault = [UInt8]((0..<JSONBinary.defaultMaxDepth).flatMap { _ in deep }) + [0x00]
        #expect(throws: Never.self) { try JSONValue.decodeBinary(atDefault) }
        #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary([0x06, 0x01, 0x06, 0x00], maxDepth: 1) }
        let clamped = #expect(throws: JSONBinaryError.self) { try JSONValue.decodeBinary(hostile, maxDepth: .max) }
        #expect(clamped?.offset == 2 * JSONBinary.defaultMaxDepth)
    }

    @Test func errorKindsCanBeCaughtByPattern() {
        var caught = false
        do {
            _ = try JSONValue.decodeBinary([0x05, 0x09])
        } catch JSONBinaryError.Kind.lengthOutOfBounds {
            caught = true
        } catch {}
        #expect(caught)
    }
}

/// One byte string the decoder must refuse, with the kind and offset it must report.
struct BinaryRejection: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let kind: JSONBinaryError.Kind
    let offset: Int

    init(_ bytes: [UInt8], _ kind: JSONBinaryError.Kind, at offset: Int) {
        self.bytes = bytes
        self.kind = kind
        self.offset = offset
    }

    var testDescription: String { bytes.map { String($0, radix: 16) }.joined(separator: " ") }
}
