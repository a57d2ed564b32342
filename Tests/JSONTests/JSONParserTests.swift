import JSON
import Testing

@Suite struct JSONParserTests {
    @Test func aRequestObjectParsesWithMembersInOrder() throws {
        let line =
            #"{"id":17,"op":"command","type":"ClaimLead","commandId":"c-123456","data":{"leadId":"L-1001","amount":"125.50"}}"#
        let request = try JSONValue.parse(line)
        #expect(request.objectValue?.keys == ["id", "op", "type", "commandId", "data"])
        #expect(request["id"]?.intValue == 17)
        #expect(request["type"]?.stringValue == "ClaimLead")
        #expect(request["data"]?["leadId"]?.stringValue == "L-1001")
        #expect(request["data"]?["amount"]?.stringValue == "125.50")
    }

    @Test func literalsAndWhitespaceAroundTheValueAreAccepted() throws {
        #expect(try JSONValue.parse(" \t\r\n true \n") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse(#"[ 1 , "a" , { } , [ ] ]"#) == [1, "a", .object([:]), []])
        #expect(try JSONValue.parse(#"{ "a" : [ null , true ] }"#) == ["a": [nil, true]])
    }

    @Test(arguments: [
        "0", "-0", "12.50", "1e5", "1E+5", "-1.5e-10", "0.000", "10000.10", "9223372036854775808",
        "123456789012345678901234567890.000000000000000000001", "1e-400", "-0.0e0",
    ])
    func numbersKeepTheirExactText(_ text: String) throws {
        #expect(try JSONValue.parse(text).numberText == text)
        #expect(try JSONValue.parse("[\(text)]").arrayValue?.first?.numberText == text)
        #expect(try JSONValue.parse(#"{"n":\#(text)}"#)["n"]?.numberText == text)
    }

    @Test func everyEscapeDecodes() throws {
        let parsed = try JSONValue.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\u0000""#)
        #expect(parsed == .string("\"\\/\u{08}\u{0C}\n\r\tAé€\u{0}"))
    }

    @Test func surrogatePairEscapesBecomeOneScalar() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONValue.parse(#""x\uD83D\uDE00y""#) == "x😀y")
        #expect(try JSONValue.parse(#""\udbff\udfff""#) == "\u{10FFFF}")
    }

    @Test func nonASCIITextPassesThroughUnchanged() throws {
        let text = "héllo € 中文 😀 \u{2028} \u{10FFFF}"
        #expect(try JSONValue.parse("\"\(text)\"") == .string(text))
        #expect(try JSONValue.parse("[\"\(text)\\n\(text)\"]") == [.string(text + "\n" + text)])
    }

    @Test func escapesAndQuotesAreFoundAtEveryPositionOfAWord() throws {
        // The scanner reads eight bytes at a time; put the interesting byte at every offset of a word.
        for k in 0..<20 {
            let pad = String(repeating: "a", count: k)
            #expect(try JSONValue.parse("\"\(pad)\"") == .string(pad))
            #expect(try JSONValue.parse("\"\(pad)\\n\(pad)\"") == .string(pad + "\n" + pad))
            #expect(try JSONValue.parse("\"\(pad)é\(pad)\"") == .string(pad + "é" + pad))
            #expect(throws: JSONParseError.self) { try JSONValue.parse("\"\(pad)\u{1}\(pad)\"") }
        }
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(deep) }
        let limits = JSONParser.Limits(maxDepth: 2)
        #expect(throws: Never.self) { try JSONValue.parse(#"{"a":[1]}"#, limits: limits) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a":[[1]]}"#, limits: limits) }
    }

    @Test func everyInputFormParsesAlike() throws {
        let text = #"{"a":[1,"é",null]}"#
        let bytes = Array(text.utf8)
        let expected = try JSONValue.parse(text)
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try JSONValue.parse(([0x20] + bytes + [0x78])[1..<(bytes.count + 1)]) == expected)
        #expect(try bytes.withUnsafeBytes { try JSONValue.parse($0) } == expected)
    }

    @Test func aLargeObjectKeepsAllItsMembersAndStillFindsDuplicates() throws {
        let members = (0..<2000).map { #""k\#($0)":\#($0)"# }
        let object = try JSONValue.parse("{" + members.joined(separator: ",") + "}")
        #expect(object.objectValue?.count == 2000)
        #expect(object["k1999"]?.intValue == 1999)
        let error = #expect(throws: JSONParseError.self) {
            try JSONValue.parse("{" + members.joined(separator: ",") + #","k1000":0}"#)
        }
        #expect(error?.kind == .duplicateKey)
    }

    @Test func duplicatesAreFoundAtEveryNestingLevel() throws {
        // Twelve keys per level, four levels: the inner levels no longer fit the fingerprint memory and use
        // the set fallback; a duplicate must be found either way, and distinct keys must never clash.
        func nested(_ level: Int, duplicateAt: Int?) -> String {
            let keys = (0..<11).map { #""k\#($0 < 10 ? "0" : "")\#($0)":null"# }
            let last = level == 3 ? "null" : nested(level + 1, duplicateAt: duplicateAt)
            let lastKey = level == duplicateAt ? "k00" : "k11"
            return "{" + keys.joined(separator: ",") + #","\#(lastKey)":"# + last + "}"
        }
        #expect(throws: Never.self) { try JSONValue.parse(nested(0, duplicateAt: nil)) }
        for level in 0...3 {
            let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(nested(0, duplicateAt: level)) }
            #expect(error?.kind == .duplicateKey)
        }
    }

    @Test func keysDifferingOnlyPastSixteenBytesAreDistinct() throws {
        let a = String(repeating: "x", count: 17) + "a"
        let b = String(repeating: "x", count: 17) + "b"
        #expect(try JSONValue.parse(#"{"\#(a)":1,"\#(b)":2}"#).objectValue?.count == 2)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"\#(a)":1,"\#(a)":2}"#) }
        // Keys of 8 to 16 bytes are told apart by the two words of their fingerprint.
        #expect(try JSONValue.parse(#"{"abcdefghij":1,"abcdefghik":2,"bbcdefghij":3}"#).objectValue?.count == 3)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"abcdefghij":1,"k":0,"abcdefghij":2}"#) }
    }

    @Test func aKeyCanonicallyEqualToAnASCIIKeyIsADuplicate() {
        // U+212A KELVIN SIGN is canonically equivalent to "K", so Swift (and JSONObject) treat them as one key.
        #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"K\":1,\"\u{212A}\":2}") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"K":1,"\u212A":2}"#) }
    }

    @Test func validatedNumbersFollowTheGrammar() {
        #expect(JSONNumber(validating: "12.50")?.text == "12.50")
        #expect(JSONNumber(validating: "-0") != nil)
        for bad in ["", "01", "1.", ".5", "+1", "NaN", "1e", "--1", " 1", "1 "] {
            #expect(JSONNumber(validating: bad) == nil, "\(bad)")
        }
    }
}
