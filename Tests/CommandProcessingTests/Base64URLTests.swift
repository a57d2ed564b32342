import Foundation
@testable import PersonalData
import Testing

/// The base64url codec of sealed values: Foundation's spelling (so values sealed before it still
/// open), one spelling per byte string, and rejection of anything else.
@Suite struct Base64URLTests {
    @Test func encodesAsFoundationDoesWithoutPaddingAndDecodesBack() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let reference = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == reference)
            #expect(Base64URL.decode(encoded) == bytes)
        }
    }

    @Test func rejectsCharactersPaddingImpossibleLengthsAndNonCanonicalTails() {
        for bad in ["A", "AB=C", "A+B/", "AAAA=", "ab c", "é123", "AB", "AAB"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("AA") == [0])
        #expect(Base64URL.decode("AAE") == [0, 1])
    }
}
