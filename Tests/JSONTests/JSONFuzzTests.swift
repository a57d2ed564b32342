import DemoCompany
import JSON
import Testing

/// Seeded random and mutated inputs: every decoder must either answer or throw — never trap, never hang —
/// and whatever it accepts must survive a round trip unchanged.
@Suite struct JSONFuzzTests {
    // Sizes: about 300,000 inputs in all. Under swift-testing every thrown error also captures a backtrace,
    // which costs more than the decoding itself, so the counts are what fits a few seconds in a debug build.

    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func mutatedBinaryPayloadsDecodeCanonicallyOrThrow(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var accepted = 0
        var notCanonical = 0
        for _ in 0..<150 {
            let original = RandomJSON.value(using: &rng).binaryBytes
            for _ in 0..<250 {
                let bytes = Self.mutate(original, using: &rng)
                guard let value = try? JSONValue.decodeBinary(bytes) else { continue }
                accepted += 1
                // One encoding per value: whatever decodes re-encodes to the very same bytes.
                if value.binaryBytes != bytes { notCanonical += 1 }
            }
        }
        #expect(notCanonical == 0)
        #expect(accepted > 0)
    }

    @Test func randomBytesDecodeCanonicallyOrThrow() {
        var rng = SplitMix64(seed: 21)
        var notCanonical = 0
        for _ in 0..<60_000 {
            let count = Int.random(in: 0...24, using: &rng)
            // Mostly small bytes, so tags and short lengths are common enough to get somewhere.
            let bytes = (0..<count).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...8, using: &rng) : UInt8.random(in: 0...255, using: &rng)
            }
            if let value = try? JSONValue.decodeBinary(bytes), value.binaryBytes != bytes { notCanonical += 1 }
        }
        #expect(notCanonical == 0)
    }

    @Test func theReaderAnswersOrThrowsOnMutatedPayloads() {
        var rng = SplitMix64(seed: 41)
        var wrong = 0
        for _ in 0..<100 {
            var object = JSONObject()
            object["a"] = RandomJSON.value(using: &rng)
            object["b"] = RandomJSON.value(using: &rng)
            let original = JSONValue.object(object).binaryBytes
            for _ in 0..<300 {
                let bytes = Self.mutate(original, using: &rng)
                bytes.withUnsafeBytes { raw in
                    guard let b = try? JSONBinaryReader(raw).member("b") else { return }
                    // When the whole payload decodes, the reader must agree with the decoder.
                    if let full = try? JSONValue.decodeBinary(raw), (try? b.decode()) != full["b"] { wrong += 1 }
                }
            }
        }
        #expect(wrong == 0)
    }

    @Test(arguments: [31, 32] as [UInt64])
    func mutatedJSONTextParsesToAValueThatRoundTripsOrThrows(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var changed = 0
        for _ in 0..<150 {
            let original = RandomJSON.value(using: &rng).jsonBytes
            for _ in 0..<200 {
                let bytes = Self.mutate(original, using: &rng)
                if let value = try? JSONValue.parse(bytes), (try? JSONValue.parse(value.jsonBytes)) != value {
                    changed += 1
                }
            }
        }
        #expect(changed == 0)
    }

    /// One to three random edits: overwrite, flip a bit, insert, delete, cut, or duplicate a run.
    static func mutate(_ bytes: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x7F, 0x80, 0xFF, 0x22, 0x5C]
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let k = out.isEmpty ? 0 : Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !out.isEmpty: out[k] = interesting[Int.random(in: 0..<interesting.count, using: &rng)]
            case 1 where !out.isEmpty: out[k] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2: out.insert(UInt8.random(in: 0...255, using: &rng), at: k)
            case 3 where !out.isEmpty: out.remove(at: k)
            case 4: out.removeLast(Int.random(in: 0...(out.count - k), using: &rng))
            default:
                let end = Swift.min(out.count, k + Int.random(in: 0...8, using: &rng))
                out.insert(contentsOf: out[k..<end], at: k)
            }
        }
        return out
    }
}
