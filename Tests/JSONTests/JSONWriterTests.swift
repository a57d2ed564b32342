import DemoCompany
import JSON
import Testing

@Suite struct JSONWriterTests {
    @Test func valuesAreWrittenCompactlyWithMembersInOrder() {
        var object = JSONObject()
        object["b"] = 1
        object["a"] = [true, false, nil, "x", [], .object([:])]
        #expect(JSONValue.object(object).jsonString == #"{"b":1,"a":[true,false,null,"x",[],{}]}"#)
    }

    @Test func numbersAreWrittenAsTheirText() {
        let numbers: JSONValue = [
            .number(JSONNumber(unchecked: "12.50")), .number(JSONNumber(unchecked: "-0")),
            .number(JSONNumber(unchecked: "1E+5")), .number(JSONNumber(Int64.min)),
        ]
        #expect(numbers.jsonString == "[12.50,-0,1E+5,-9223372036854775808]")
    }

    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        let value = JSONValue.string("\"\\/\n\r\t\u{08}\u{0C}\u{00}\u{01}\u{1F} \u{7F}")
        #expect(value.jsonString == #""\"\\/\n\r\t\b\f\u0000\u0001\u001f "# + "\u{7F}\"")
    }

    @Test func separatorsAndTheByteOrderMarkAreEscapedButOtherTextIsNot() {
        let value = JSONValue.string("a\u{2028}b\u{2029}c\u{FEFF}…€é中😀\u{FFFD}\u{FEFE}")
        #expect(value.jsonString == #""a\u2028b\u2029c\ufeff…€é中😀"# + "\u{FFFD}\u{FEFE}\"")
        // A lone 0xE2 lead byte of another character right at the end must not be misread.
        #expect(JSONValue.string("€").jsonBytes == [0x22, 0xE2, 0x82, 0xAC, 0x22])
    }

    @Test func escapesAreFoundAtEveryPositionOfAWord() {
        for k in 0..<20 {
            let pad = String(repeating: "x", count: k)
            for (raw, escaped) in [
                ("\"", #"\""#), ("\n", #"\n"#), ("\u{2028}", #"\u2028"#), ("\u{FEFF}", #"\ufeff"#), ("€", "€"),
            ] {
                #expect(JSONValue.string(pad + raw + pad).jsonString == "\"\(pad)\(escaped)\(pad)\"")
            }
        }
    }

    @Test func randomStringsMatchASimpleReferenceEscaper() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let s = RandomJSON.string(using: &rng)
            var out: [UInt8] = []
            JSONWriter.appendString(s, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == Self.referenceEscape(s))
        }
    }

    @Test func appendStringAddsToWhatIsAlreadyInTheBuffer() {
        var line = Array(#"{"id":"#.utf8)
        JSONWriter.appendString("r-\"1\"", into: &line)
        line.append(contentsOf: #","ok":true}"#.utf8)
        #expect(String(decoding: line, as: UTF8.self) == #"{"id":"r-\"1\"","ok":true}"#)
    }

    @Test func writeAppendsAndJSONBytesMatchesJSONString() {
        let value: JSONValue = ["k": ["é", 1, nil]]
        var buffer: [UInt8] = [0x5B]
        value.write(into: &buffer)
        #expect(buffer == [0x5B] + value.jsonBytes)
        #expect(String(decoding: value.jsonBytes, as: UTF8.self) == value.jsonString)
    }

    /// Escapes scalar by scalar, the slow obvious way.
    static func referenceEscape(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case "\u{FEFF}": out += "\\ufeff"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

@Suite struct JSONObjectLiteralTests {
    @Test func aRepeatedKeyKeepsOneMemberWithTheLastValue() {
        let o: JSONObject = ["a": 1, "bb": 2, "a": 3, "cc": 4, "bb": 5]
        #expect(o.keys == ["a", "bb", "cc"])
        #expect(o["a"] == 3)
        #expect(o["bb"] == 5)
        #expect(o.count == 3)
    }

    @Test func keysAreComparedAsStrings() {
        // Equal Strings (canonical equivalence) are one key, as in a Dictionary, whatever their bytes:
        // "é" as one scalar or two, and the Kelvin sign and "K".
        let o: JSONObject = ["ab": 1, "ba": 2, "é": 3, "e\u{301}": 4, "K": 5, "\u{212A}": 6]
        #expect(o.keys == ["ab", "ba", "é", "K"])
        #expect(o["ba"] == 2)
        #expect(o["é"] == 4)
        #expect(o["K"] == 6)
    }

    /// Keys longer than eight bytes, ASCII or not, equal or different only past the eighth byte.
    @Test func longKeysAreComparedWhole() {
        let o: JSONObject = ["abcdefghij": 1, "abcdefghik": 2, "abcdefghij": 3, "abcdéfghij": 4]
        #expect(o.keys == ["abcdefghij", "abcdefghik", "abcdéfghij"])
        #expect(o["abcdefghij"] == 3)
    }

    /// Keys of 15, 16 and 17 bytes (around the 16 the check packs into two words), equal or
    /// different only in their last byte, and keys that are one another's prefix.
    @Test func keysAroundSixteenBytesAreComparedWhole() {
        let o: JSONObject = [
            "abcdefghijklmno": 1, "abcdefghijklmnop": 2, "abcdefghijklmnoq": 3, "abcdefghijklmnopq": 4,
            "abcdefghijklmnopr": 5, "abcdefghijklmnop": 6, "abcdefghijklmnopq": 7, "abcdefghijklmno": 8, "": 9, "": 10,
        ]
        #expect(o.keys == [
            "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnoq", "abcdefghijklmnopq", "abcdefghijklmnopr", "",
        ])
        #expect(o["abcdefghijklmnop"] == 6)
        #expect(o["abcdefghijklmnopq"] == 7)
        #expect(o["abcdefghijklmno"] == 8)
        #expect(o[""] == 10)
        let distinct: JSONObject = ["a": 1, "a\u{0}": 2, "abcdefghijklmnop": 3, "abcdefghijklmnopq": 4]
        #expect(distinct.count == 4)
    }

    /// A literal without a repeated key keeps its own array as the members (see
    /// `JSONObject.init(members:)`): it reads, grows and shrinks like any other object.
    @Test func anObjectTakenFromItsLiteralIsAnOrdinaryObject() {
        var o: JSONObject = ["b": 1, "a": "x", "longer key": [1, 2], "c": nil]
        #expect(o.keys == ["b", "a", "longer key", "c"])
        #expect(o["longer key"] == .array([1, 2]))
        o["d"] = 3
        o["a"] = nil
        #expect(o.keys == ["b", "longer key", "c", "d"])
        #expect(o == ["b": 1, "longer key": [1, 2], "c": nil, "d": 3])
        #expect(Array(o.map(\.key)) == o.keys)
    }
}
