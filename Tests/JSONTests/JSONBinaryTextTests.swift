import DemoCompany
import JSON
import Testing

/// `JSONBinary.appendText` writes the text `JSONWriter` writes for the decoded value, without decoding it.
@Suite struct JSONBinaryTextTests {
    static func text(_ binary: [UInt8], replacingString: (UnsafeRawBufferPointer) -> String? = { _ in nil })
        throws(JSONBinaryError) -> [UInt8]
    {
        var out: [UInt8] = Array("prefix ".utf8)
        let result = binary.withUnsafeBytes { raw in
            Result { () throws(JSONBinaryError) in
                try JSONBinary.appendText(raw, into: &out, replacingString: replacingString)
            }
        }
        try result.get()
        return Array(out.dropFirst(7))
    }

    @Test(arguments: [51, 52, 53] as [UInt64])
    func randomValuesReadAsTheWriterWritesThem(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<3_000 {
            let value = RandomJSON.value(using: &rng)
            #expect(try Self.text(value.binaryBytes) == value.jsonBytes, "\(value.jsonString)")
        }
    }

    @Test func randomBytesGiveTheDecodersTextOrThrowAndAppendNothing() {
        var rng = SplitMix64(seed: 61)
        var disagree = 0
        for _ in 0..<60_000 {
            let count = Int.random(in: 0...24, using: &rng)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...8, using: &rng) : UInt8.random(in: 0...255, using: &rng)
            }
            var out: [UInt8] = [1, 2, 3]
            let written = bytes.withUnsafeBytes { raw in (try? JSONBinary.appendText(raw, into: &out)) != nil }
            switch Result(catching: { try JSONValue.decodeBinary(bytes) }) {
            case .success(let value):
                if !written || out != [1, 2, 3] + value.jsonBytes { disagree += 1 }
            case .failure(let error as JSONBinaryError) where error.kind == .duplicateKey:
                break  // written as stored: the one check appendText leaves out
            case .failure:
                if written || out != [1, 2, 3] { disagree += 1 }
            }
        }
        #expect(disagree == 0)
    }

    @Test func replacedStringsAreValuesNeverKeys() throws {
        let value: JSONValue = ["secret": "secret", "list": ["secret", "plain", ["secret": 1]]]
        let text = try Self.text(value.binaryBytes) { utf8 in
            utf8.elementsEqual("secret".utf8) ? "[\"gone\"]" : nil
        }
        #expect(
            String(decoding: text, as: UTF8.self)
                == #"{"secret":"[\"gone\"]","list":["[\"gone\"]","plain",{"secret":1}]}"#)
    }
}
