/// Writes compact JSON text (RFC 8259) into a byte buffer: no whitespace, object members in their order,
/// numbers as their exact text, strings with the minimal escapes plus U+2028, U+2029 and U+FEFF.
///
/// Servers can build replies directly, without a ``JSONValue`` tree:
///
/// ```swift
/// var line: [UInt8] = []
/// line.append(literal: #"{"id":"#)
/// JSONWriter.appendString(requestId, into: &line)
/// line.append(literal: #","ok":true}"#)
/// ```
public enum JSONWriter {
    /// Appends `value` as compact JSON text.
    public static func append(_ value: JSONValue, into out: inout [UInt8]) {
        JSONOutput.withOutput(appendingTo: &out) { output in write(value, to: &output) }
    }

    /// Appends `string` as a quoted JSON string literal.
    ///
    /// Escapes `"` and `\`; control characters as `\n` `\r` `\t` `\b` `\f` or `\u00XX`; U+2028/U+2029 as
    /// `\u2028`/`\u2029` (they end lines in JavaScript); and U+FEFF as `\ufeff` (swift-corelibs-foundation's
    /// `JSONSerialization` silently drops a raw U+FEFF at the start of a string or after an escape). Everything
    /// else, `/` and non-ASCII included, is written as its UTF-8 bytes.
    public static func appendString(_ string: String, into out: inout [UInt8]) {
        JSONOutput.withOutput(appendingTo: &out) { output in write(string: string, to: &output) }
    }

    /// Appends UTF-8 bytes as a quoted JSON string literal, escaped as ``appendString(_:into:)`` escapes a
    /// `String` — for text read in place (a stored record's fields). The bytes must be valid UTF-8.
    public static func appendString(utf8: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        JSONOutput.withOutput(appendingTo: &out) { output in
            write(utf8: utf8.assumingMemoryBound(to: UInt8.self), to: &output)
        }
    }

    /// Appends `value` as a JSON number (decimal digits), as ``JSONNumber`` writes an integer.
    public static func appendInteger(_ value: UInt64, into out: inout [UInt8]) {
        JSONOutput.withOutput(appendingTo: &out) { output in output.appendDecimal(magnitude: value) }
    }

    static func write(_ value: JSONValue, to out: inout JSONOutput) {
        switch value {
        case .null:
            out.append("null")
        case .bool(let b):
            out.append(b ? "true" : "false")
        case .number(let n):
            out.append(utf8Of: n.text)
        case .string(let s):
            write(string: s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for k in elements.indices {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(elements[k], to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let members = object.members
            for k in members.indices {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(string: members[k].key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(members[k].value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    static func write(string: String, to out: inout JSONOutput) {
        string.withUTF8InPlace { write(utf8: $0, to: &out) }
    }

    /// Writes bytes that are known to be valid UTF-8 as a quoted JSON string literal.
    static func write(utf8: UnsafeBufferPointer<UInt8>, to out: inout JSONOutput) {
        out.append(UInt8(ascii: "\""))
        guard let p = utf8.baseAddress else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let n = utf8.count
        var run = 0  // start of the bytes not yet copied
        var j = 0
        while j < n {
            if n - j >= 8 {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
                let stop =
                    JSONGrammar.stringStopMask(w) | zeroByteMask(w ^ 0xE2E2_E2E2_E2E2_E2E2)
                    | zeroByteMask(w ^ 0xEFEF_EFEF_EFEF_EFEF)
                if stop == 0 {
                    j += 8
                    continue
                }
                j += stop.trailingZeroBitCount &>> 3
            }
            let b = p[j]
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") && b < 0xE2 {
                j += 1
                continue
            }
            if b >= 0xE2 {
                // U+2028 is E2 80 A8, U+2029 is E2 80 A9, U+FEFF is EF BB BF; other lead bytes pass.
                let escape: StaticString
                if b == 0xE2 && j + 2 < n && p[j + 1] == 0x80 && p[j + 2] & 0xFE == 0xA8 {
                    escape = p[j + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                } else if b == 0xEF && j + 2 < n && p[j + 1] == 0xBB && p[j + 2] == 0xBF {
                    escape = "\\ufeff"
                } else {
                    j += 1
                    continue
                }
                out.append(p + run, count: j - run)
                out.append(escape)
                j += 3
                run = j
                continue
            }
            out.append(p + run, count: j - run)
            writeEscape(b, to: &out)
            j += 1
            run = j
        }
        out.append(p + run, count: n - run)
        out.append(UInt8(ascii: "\""))
    }

    static func writeEscape(_ b: UInt8, to out: inout JSONOutput) {
        out.reserve(6)
        out.appendReserved(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.appendReserved(b)
        case 0x0A: out.appendReserved(UInt8(ascii: "n"))
        case 0x0D: out.appendReserved(UInt8(ascii: "r"))
        case 0x09: out.appendReserved(UInt8(ascii: "t"))
        case 0x08: out.appendReserved(UInt8(ascii: "b"))
        case 0x0C: out.appendReserved(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.appendReserved(UInt8(ascii: "u"))
            out.appendReserved(UInt8(ascii: "0"))
            out.appendReserved(UInt8(ascii: "0"))
            out.appendReserved(hex.utf8Start[Int(b >> 4)])
            out.appendReserved(hex.utf8Start[Int(b & 0x0F)])
        }
    }

    /// High bit set in the lowest byte of `w` that is zero (bits above it may be spurious).
    @inline(__always)
    static func zeroByteMask(_ w: UInt64) -> UInt64 {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
    }
}
