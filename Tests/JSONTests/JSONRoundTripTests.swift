import DemoCompany
import Foundation
import JSON
import Testing

@Suite struct JSONRoundTripTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 2026, 0xC0FFEE, 0xDEAD_BEEF, .max]

    @Test(arguments: seeds)
    func writingThenParsingGivesBackTheSameValue(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<400 {
            let value = RandomJSON.value(using: &rng)
            let text = value.jsonBytes
            let parsed = try JSONValue.parse(text)
            #expect(parsed == value)
            #expect(parsed.jsonBytes == text)
        }
    }

    @Test(arguments: seeds)
    func encodingThenDecodingBinaryGivesBackTheSameValue(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<400 {
            let value = RandomJSON.value(using: &rng)
            let binary = value.binaryBytes
            let decoded = try JSONValue.decodeBinary(binary)
            #expect(decoded == value)
            #expect(decoded.binaryBytes == binary)
        }
    }

    @Test func foundationReadsWhatWeWriteAndWeReadWhatFoundationWrites() throws {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<500 {
            let strings = (0..<4).map { _ in RandomJSON.string(using: &rng) }
            let ours = JSONValue.array(strings.map(JSONValue.string)).jsonBytes
            let theirs = try JSONSerialization.jsonObject(with: Data(ours)) as? [String]
            #expect(theirs == strings)
            let foundation = try JSONSerialization.data(withJSONObject: strings)
            #expect(try JSONValue.parse(Array(foundation)) == .array(strings.map(JSONValue.string)))
        }
    }
}
