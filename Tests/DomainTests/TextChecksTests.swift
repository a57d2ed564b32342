import DemoCompany
@testable import Domain
import Testing

/// The byte-level answers for ASCII text must equal the character-level ones they stand in for.
@Suite struct TextChecksTests {
    static let pieces = ["a", "Z", "0", "@", ".", " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "é", "\u{00A0}", "\u{2028}", "\u{301}", "-"]

    static func texts() -> [String] {
        var rng = SplitMix64(seed: 11)
        var out = ["", "@", "a@", "@b", "a@b", "a@@b", "a @b", "a@b\r\n", "\r\n", "   ", "\u{00A0}", "a\u{00A0}@b"]
        for _ in 0..<5_000 {
            let n = Int(rng.next() % 8)
            out.append((0..<n).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
        }
        return out
    }

    @Test func blankAndEmailChecksAgreeWithTheCharacterForms() {
        for text in Self.texts() {
            #expect(FreeText.isBlank(text) == text.allSatisfy(\.isWhitespace), "\(Array(text.unicodeScalars))")
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            let expected = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
                && !text.contains(where: \.isWhitespace)
            #expect(CRMArea.looksLikeEmail(text) == expected, "\(Array(text.unicodeScalars))")
        }
    }

    /// Ids: 1–64 bytes from `A–Z a–z 0–9 . _ : -`, checked byte by byte against a table.
    @Test func idsAreCheckedByteByByte() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-".utf8)
        for b in UInt8(1)...UInt8(127) {
            let id = "L-" + String(decoding: [b], as: UTF8.self)
            #expect(Identifier.isValid(id) == allowed.contains(b), "byte \(b)")
        }
        #expect(Identifier.isValid(String(repeating: "a", count: 64)))
        #expect(!Identifier.isValid(String(repeating: "a", count: 65)))
        #expect(Identifier.isValid("x"))
        for bad in ["", "é", "Kelvin-\u{212A}", "a\u{0}b", "a b", "lead/1", "L-1\n", String(repeating: "é", count: 20)] {
            #expect(!Identifier.isValid(bad), "\(Array(bad.unicodeScalars))")
        }
    }

    @Test func lengthIsCountedInCharacters() {
        #expect(FreeText.isValid(String(repeating: "a", count: 4096)))
        #expect(!FreeText.isValid(String(repeating: "a", count: 4097)))
        #expect(FreeText.isValid(String(repeating: "é", count: 4096)))  // 8,192 bytes, 4,096 characters
        #expect(!FreeText.isValid(String(repeating: "é", count: 4097)))
    }
}
