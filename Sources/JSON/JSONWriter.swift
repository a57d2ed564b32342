/// Writes compact JSON text (RFC 8259) into a byte buffer: no whitespace, object members in their order,
/// numbers as their exact text, strings with the minimal escapes plus U+2028, U+2029 and U+FEFF.
///
/// Servers can build replies directly, without a ``JSONValue`` tree:
///
/// ```swift
/// var line: [UInt8] = []
/// line.append(contentsOf: #"{"id":"#.utf8)
/// JSONWriter.appendString(requestId, into: &line)
/// line.append(contentsOf: #","ok":true}"#.utf8)
/// ```
public enum JSONWriter {
    /// Appends `value` as compact JSON text.
    public static func append(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            appendLiteral("null", into: &out)
        case .bool(let b):
            appendLiteral(b ? "true" : "false", into: &out)
        case .number(let n):
            var text = n.text
            text.withUTF8 { out.append(contentsOf: $0) }
        case .string(let s):
            appendString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (k, element) in elements.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                append(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let keys = object.keys
            let values = object.values
            for k in keys.indices {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendString(keys[k], into: &out)
                out.append(UInt8(ascii: ":"))
                append(values[k], into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a quoted JSON string literal.
    ///
    /// Escapes `"` and `\`; control characters as `\n` `\r` `\t` `\b` `\f` or `\u00XX`; U+2028/U+2029 as
    /// `\u2028`/`\u2029` (they end lines in JavaScript); and U+FEFF as `\ufeff` (swift-corelibs-foundation's
    /// `JSONSerialization` silently drops a raw U+FEFF at the start of a string or after an escape). Everything
    /// else, `/` and non-ASCII included, is written as its UTF-8 bytes.
    public static func appendString(_ string: String, into out: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendString(utf8: $0, into: &out) }
    }

    /// Appends bytes that are known to be valid UTF-8 as a quoted JSON string literal.
    static func appendString(utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
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
                out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: j - run))
                appendLiteral(escape, into: &out)
                j += 3
                run = j
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: j - run))
            appendEscape(b, into: &out)
            j += 1
            run = j
        }
        out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: n - run))
        out.append(UInt8(ascii: "\""))
    }

    static func appendEscape(_ b: UInt8, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            hex.withUTF8Buffer { digits in
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0x0F)])
            }
        }
    }

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, into out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// High bit set in the lowest byte of `w` that is zero (bits above it may be spurious).
    @inline(__always)
    static func zeroByteMask(_ w: UInt64) -> UInt64 {
        (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
    }
}
