import Testing

@testable import JSON

/// ``DecimalDigits``, which JSON's integers, amounts of money and reply positions are written with,
/// checked against `String(_:)` at the edges and on values spread over the whole range.
@Suite struct DecimalDigitsTests {
    @Test func digitsMatchStringOfTheValueAndPadToTheMinimum() {
        var generator = SystemRandomNumberGenerator()
        var samples: [UInt64] = [0, 1, 9, 10, 99, 100, 999_999, 1_000_000, .max, .max - 1]
        for _ in 0..<2_000 { samples.append(UInt64.random(in: 0 ... .max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)) }
        for value in samples {
            let text = String(value)
            #expect(DecimalDigits.count(value) == text.count, "\(value)")
            for minimum in [1, 4, 22] {
                let written = [UInt8](unsafeUninitializedCapacity: 24) { out, count in
                    let first = DecimalDigits.write(value, endingAt: 24, into: out, minimumCount: minimum)
                    out.baseAddress!.update(from: out.baseAddress! + first, count: 24 - first)
                    count = 24 - first
                }
                let padded = String(repeating: "0", count: max(0, minimum - text.count)) + text
                #expect(String(decoding: written, as: UTF8.self) == padded, "\(value) to \(minimum) digits")
            }
        }
        #expect(JSONGrammar.decimalText(.min) == String(Int64.min))
        #expect(JSONGrammar.decimalText(-7) == "-7")
        #expect(JSONGrammar.decimalText(0) == "0")
    }
}
