/// Chronicle's binary JSON: the compact form in which event payloads are stored.
///
/// ## Byte layout, version 1
///
/// A value is one **tag** byte followed by the tag's body. A **varint** is an unsigned LEB128 integer: seven
/// bits per byte, least significant group first, the high bit (0x80) set on every byte except the last; at
/// most ten bytes (so at most 2^64 − 1), and always in its shortest form (never a redundant final `00`).
///
/// | tag  | value             | body                                                                          |
/// |------|-------------------|-------------------------------------------------------------------------------|
/// | 0x00 | `null`            | none                                                                          |
/// | 0x01 | `false`           | none                                                                          |
/// | 0x02 | `true`            | none                                                                          |
/// | 0x03 | integer number    | varint of the zig-zag form of a signed 64-bit `n`: `(n << 1) ^ (n >> 63)`,    |
/// |      |                   | so 0, −1, 1, −2, 2 … become 0, 1, 2, 3, 4 …; the JSON text is `n` in decimal  |
/// | 0x04 | any other number  | varint byte count, then the number's JSON text in ASCII (`12.50`, `-0`, `1e3`)|
/// | 0x05 | string            | varint byte count, then the string's UTF-8 bytes (no escapes, no terminator)  |
/// | 0x06 | array             | varint element count, then each element as a value                            |
/// | 0x07 | object            | varint member count, then per member, in order: varint key byte count, the    |
/// |      |                   | key's UTF-8 bytes, the member's value                                         |
///
/// Tags 0x08–0xFF are reserved. A payload is exactly one value: no header, nothing after it.
///
/// **One encoding per value.** Tag 0x03 holds exactly the numbers whose text is a signed 64-bit integer in
/// shortest decimal form (`0`, `-17`, `9223372036854775807`); every other number (`-0`, `1.0`, `1e2`,
/// `12.50`, integers beyond 64 bits) keeps its exact text under tag 0x04. The decoder accepts
/// only what the encoder writes — it rejects a longer-than-needed varint, tag 0x04 text that tag 0x03 should
/// hold, text outside the JSON number grammar, ill-formed UTF-8, a key repeated within an object, an unknown
/// tag and trailing bytes — so decoding and re-encoding a payload gives back the same bytes.
///
/// **Examples.** `{"a":1,"b":["x",null]}` is `07 02 01 61 03 02 01 62 06 02 05 01 78 00`;
/// `12.50` is `04 05 31 32 2E 35 30`; `-1` is `03 01`; `300` is `03 D8 04`; `"é"` is `05 02 C3 A9`.
public enum JSONBinary {
    /// The tag bytes of version 1.
    enum Tag {
        static let null: UInt8 = 0x00
        static let `false`: UInt8 = 0x01
        static let `true`: UInt8 = 0x02
        static let integer: UInt8 = 0x03
        static let numberText: UInt8 = 0x04
        static let string: UInt8 = 0x05
        static let array: UInt8 = 0x06
        static let object: UInt8 = 0x07
    }

    /// The deepest nesting the decoder accepts by default: the text parser's ceiling, so anything parsed
    /// from JSON and then stored can be read back.
    public static let defaultMaxDepth = JSONParser.Limits.maximumDepthCeiling

    /// Appends the binary form of `value`.
    ///
    /// A number's text must be in the JSON grammar (it is, for numbers from the parser, from `JSONNumber(Int)`
    /// and from ``JSONNumber/init(validating:)``); text smuggled in through ``JSONNumber/init(unchecked:)``
    /// that is not would be written but refused by the decoder.
    public static func encode(_ value: JSONValue, into out: inout [UInt8]) {
        JSONOutput.withOutput(appendingTo: &out) { output in encode(value, to: &output) }
    }

    /// Appends the binary form of `object` with some of its string members replaced: a member for
    /// which `replacement(key, value)` returns a string is written as that string. The bytes are those
    /// of `encode(.object(changed), into:)` for the object so changed, without making it (the log's
    /// encoder writes sealed personal fields this way, one copy of the payload fewer per event).
    public static func encode(
        _ object: JSONObject, into out: inout [UInt8], replacing replacement: (_ key: String, _ value: JSONValue) -> String?
    ) {
        withoutActuallyEscaping(replacement) { replacement in
            JSONOutput.withOutput(appendingTo: &out) { output in encode(object, to: &output, replacing: replacement) }
        }
    }

    /// An object's binary form, with the members `replacement` names written as its strings.
    static func encode(
        _ object: JSONObject, to out: inout JSONOutput, replacing replacement: ((String, JSONValue) -> String?)?
    ) {
        out.append(Tag.object)
        let members = object.members
        out.appendVarint(UInt64(members.count))
        for k in members.indices {
            appendLengthPrefixed(members[k].key, to: &out)
            if let text = replacement?(members[k].key, members[k].value) {
                out.append(Tag.string)
                appendLengthPrefixed(text, to: &out)
            } else {
                encode(members[k].value, to: &out)
            }
        }
    }

    static func encode(_ value: JSONValue, to out: inout JSONOutput) {
        switch value {
        case .null:
            out.append(Tag.null)
        case .bool(let b):
            out.append(b ? Tag.true : Tag.false)
        case .number(let n):
            n.text.withUTF8InPlace { utf8 in
                if let base = utf8.baseAddress, let int = JSONGrammar.canonicalInt64(base, count: utf8.count) {
                    out.append(Tag.integer)
                    out.appendVarint(UInt64(bitPattern: (int &<< 1) ^ (int &>> 63)))
                } else {
                    out.append(Tag.numberText)
                    out.appendVarint(UInt64(utf8.count))
                    if let base = utf8.baseAddress { out.append(base, count: utf8.count) }
                }
            }
        case .string(let s):
            out.append(Tag.string)
            appendLengthPrefixed(s, to: &out)
        case .array(let elements):
            out.append(Tag.array)
            out.appendVarint(UInt64(elements.count))
            for element in elements { encode(element, to: &out) }
        case .object(let object):
            encode(object, to: &out, replacing: nil)
        }
    }

    @inline(__always)
    static func appendLengthPrefixed(_ string: String, to out: inout JSONOutput) {
        string.withUTF8InPlace { utf8 in
            out.appendVarint(UInt64(utf8.count))
            if let base = utf8.baseAddress { out.append(base, count: utf8.count) }
        }
    }
}

extension JSONValue {
    /// Appends this value in Chronicle's binary form (layout: ``JSONBinary``).
    public func encodeBinary(into buffer: inout [UInt8]) {
        JSONBinary.encode(self, into: &buffer)
    }

    /// This value in Chronicle's binary form (layout: ``JSONBinary``).
    public var binaryBytes: [UInt8] {
        var out: [UInt8] = []
        JSONBinary.encode(self, into: &out)
        return out
    }
}
