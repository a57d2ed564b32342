import JSON
import Testing

/// One input the parser must refuse, with the kind and byte offset it must report.
struct Rejection: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let kind: JSONParseError.Kind
    let offset: Int

    init(_ text: String, _ kind: JSONParseError.Kind, at offset: Int) {
        self.init(Array(text.utf8), kind, at: offset)
    }

    init(_ bytes: [UInt8], _ kind: JSONParseError.Kind, at offset: Int) {
        self.bytes = bytes
        self.kind = kind
        self.offset = offset
    }

    var testDescription: String {
        "\(bytes.map { $0 < 0x20 || $0 > 0x7E ? "<\($0)>" : String(UnicodeScalar($0)) }.joined())"
    }
}

private let q: UInt8 = 0x22  // "

@Suite struct JSONParserRejectionTests {
    static let grammar: [Rejection] = [
        Rejection("", .emptyInput, at: 0),
        Rejection("  \n ", .emptyInput, at: 4),
        Rejection("01", .invalidNumber, at: 1),
        Rejection("-01", .invalidNumber, at: 2),
        Rejection("1.", .invalidNumber, at: 2),
        Rejection("1.e5", .invalidNumber, at: 2),
        Rejection(".5", .unexpectedCharacter, at: 0),
        Rejection("-", .invalidNumber, at: 1),
        Rejection("-a", .invalidNumber, at: 1),
        Rejection("1e", .invalidNumber, at: 2),
        Rejection("1e+", .invalidNumber, at: 3),
        Rejection("+1", .unexpectedCharacter, at: 0),
        Rejection("0x1", .trailingData, at: 1),
        Rejection("1.5.3", .trailingData, at: 3),
        Rejection("NaN", .unexpectedCharacter, at: 0),
        Rejection("[Infinity]", .unexpectedCharacter, at: 1),
        Rejection("tru", .invalidLiteral, at: 0),
        Rejection("nul", .invalidLiteral, at: 0),
        Rejection("falsy", .invalidLiteral, at: 0),
        Rejection("[nulL]", .invalidLiteral, at: 1),
        Rejection("trueX", .trailingData, at: 4),
        Rejection("[1,]", .unexpectedCharacter, at: 3),
        Rejection("[1 2]", .unexpectedCharacter, at: 3),
        Rejection("[,1]", .unexpectedCharacter, at: 1),
        Rejection(#"{"a" 1}"#, .unexpectedCharacter, at: 5),
        Rejection(#"{"a":1,}"#, .unexpectedCharacter, at: 7),
        Rejection(#"{"a":1 "b":2}"#, .unexpectedCharacter, at: 7),
        Rejection("{a:1}", .unexpectedCharacter, at: 1),
        Rejection("{'a':1}", .unexpectedCharacter, at: 1),
        Rejection("[", .unexpectedEndOfInput, at: 1),
        Rejection("[1", .unexpectedEndOfInput, at: 2),
        Rejection(#"{"a":"#, .unexpectedEndOfInput, at: 5),
        Rejection(#"{"a""#, .unexpectedEndOfInput, at: 4),
        Rejection(#""abc"#, .unexpectedEndOfInput, at: 4),
        Rejection(#""abc\"#, .unexpectedEndOfInput, at: 5),
        Rejection("{} {}", .trailingData, at: 3),
        Rejection("[1]x", .trailingData, at: 3),
        Rejection("1 2", .trailingData, at: 2),
        Rejection("\u{FEFF}1", .unexpectedCharacter, at: 0),
    ]

    static let strings: [Rejection] = [
        Rejection(#""\x""#, .invalidEscape, at: 1),
        Rejection(#""ab\'""#, .invalidEscape, at: 3),
        Rejection(#""\u12""#, .invalidEscape, at: 1),
        Rejection(#""\uZZZZ""#, .invalidEscape, at: 1),
        Rejection(#""\u00G0""#, .invalidEscape, at: 1),
        Rejection(#""\ud800""#, .loneSurrogate, at: 1),
        Rejection(#""\udc00""#, .loneSurrogate, at: 1),
        Rejection(#""\ude00\ud83d""#, .loneSurrogate, at: 1),
        Rejection(#""\ud800\u0041""#, .loneSurrogate, at: 1),
        Rejection(#""\ud800\ud800""#, .loneSurrogate, at: 1),
        Rejection(#""\ud800x""#, .loneSurrogate, at: 1),
        Rejection(#""\ud800\uZZZZ""#, .invalidEscape, at: 7),
        Rejection("\"a\u{1}b\"", .controlCharacterInString, at: 2),
        Rejection("\"tab\there\"", .controlCharacterInString, at: 4),
        Rejection("\"line\nbreak\"", .controlCharacterInString, at: 5),
        Rejection("\"\\n\u{0}\"", .controlCharacterInString, at: 3),
        Rejection("[\"\u{1F}\"]", .controlCharacterInString, at: 2),
        Rejection(#"{"a":1,"a":2}"#, .duplicateKey, at: 7),
        Rejection(#"{"a":1,"\u0061":2}"#, .duplicateKey, at: 7),
        Rejection(#"{"é":1,"e\u0301":2}"#, .duplicateKey, at: 8),
        Rejection(#"{"a":{"b":1,"b":1}}"#, .duplicateKey, at: 12),
    ]

    static let utf8: [Rejection] = [
        Rejection([q, 0xC0, 0x80, q], .invalidUTF8, at: 1),  // overlong NUL
        Rejection([q, 0xC1, 0xBF, q], .invalidUTF8, at: 1),  // overlong
        Rejection([q, 0xE0, 0x80, 0x80, q], .invalidUTF8, at: 1),  // overlong three-byte
        Rejection([q, 0xF0, 0x80, 0x80, 0x80, q], .invalidUTF8, at: 1),  // overlong four-byte
        Rejection([q, 0xED, 0xA0, 0x80, q], .invalidUTF8, at: 1),  // U+D800 encoded in UTF-8
        Rejection([q, 0xED, 0xBF, 0xBF, q], .invalidUTF8, at: 1),  // U+DFFF encoded in UTF-8
        Rejection([q, 0xF4, 0x90, 0x80, 0x80, q], .invalidUTF8, at: 1),  // above U+10FFFF
        Rejection([q, 0xF8, 0x88, 0x80, 0x80, 0x80, q], .invalidUTF8, at: 1),  // five-byte form
        Rejection([q, 0x80, q], .invalidUTF8, at: 1),  // stray continuation
        Rejection([q, 0xFF, q], .invalidUTF8, at: 1),
        Rejection([q, 0xC3, q], .invalidUTF8, at: 1),  // cut short by the quote
        Rejection([q, 0xE2, 0x82, q], .invalidUTF8, at: 1),
        Rejection([q, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0xC3, 0x28, q], .invalidUTF8, at: 10),
        Rejection([q, 0x5C, 0x6E, 0xC0, 0x80, q], .invalidUTF8, at: 3),  // after an escape
        Rejection([q, 0xC0, 0x80, 0x5C, 0x6E, q], .invalidUTF8, at: 1),  // before an escape
        Rejection([0x7B, q, 0xFE, q, 0x3A, 0x31, 0x7D], .invalidUTF8, at: 2),  // in a key
        Rejection([q, 0xC3], .unexpectedEndOfInput, at: 2),
        Rejection([0xC3, 0xA9], .unexpectedCharacter, at: 0),  // outside a string
    ]

    @Test(arguments: grammar)
    func malformedTextIsRejectedAtTheRightByte(_ rejection: Rejection) {
        expectRejection(rejection)
    }

    @Test(arguments: strings)
    func badStringsAndDuplicateKeysAreRejected(_ rejection: Rejection) {
        expectRejection(rejection)
    }

    @Test(arguments: utf8)
    func invalidUTF8IsRejected(_ rejection: Rejection) {
        expectRejection(rejection)
    }

    @Test func hundredThousandOpenBracketsAreAnErrorNotACrash() {
        for opener in ["[", #"{"a":"#, #"[{"a":"#] {
            let text = String(repeating: opener, count: 100_000)
            let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
            #expect(error?.kind == .tooDeep)
        }
        let error = #expect(throws: JSONParseError.self) {
            try JSONValue.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        }
        #expect(error?.kind == .tooDeep)
        #expect(error?.offset == 64)
    }

    @Test func anAbsurdDepthLimitIsClampedToTheCeiling() {
        let limits = JSONParser.Limits(maxDepth: .max)
        let error = #expect(throws: JSONParseError.self) {
            try JSONValue.parse(String(repeating: "[", count: 100_000), limits: limits)
        }
        #expect(error?.offset == JSONParser.Limits.maximumDepthCeiling)
        let atCeiling = String(repeating: "[", count: 1024) + String(repeating: "]", count: 1024)
        #expect(throws: Never.self) { try JSONValue.parse(atCeiling, limits: limits) }
    }

    @Test func errorMessagesNeverQuoteTheInput() {
        let inputs = [
            #"{"secret-token-value":1,"secret-token-value":2}"#, #"{"secret-token-value":1} secret"#,
            #""secret-token-value"#, #"["secret-token-value" secret]"#, #""secret-token-value\q""#,
        ]
        for input in inputs {
            let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(input) }
            #expect(error.map { !"\($0)".contains("secret") } == true, "\(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func errorKindsCanBeCaughtByPattern() {
        var caught = false
        do {
            _ = try JSONValue.parse(#"{"a":1,"a":2}"#)
        } catch JSONParseError.Kind.duplicateKey {
            caught = true
        } catch {}
        #expect(caught)
    }

    func expectRejection(_ rejection: Rejection, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let value = try JSONValue.parse(rejection.bytes)
            Issue.record("accepted as \(value)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == rejection.kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.offset == rejection.offset, "\(error)", sourceLocation: sourceLocation)
        }
    }
}
