extension JSONParser {
    /// Parses the string whose opening quote is at `i`.
    ///
    /// Fast path: scan eight bytes at a time for `"`, `\` or a control character; a string without escapes
    /// then becomes a `String` in one call over the input bytes (ASCII directly; anything else after our own
    /// UTF-8 check, which also finds the offending byte). Sets ``lastStringIsPlainASCII``.
    @inline(never)
    mutating func parseString() throws(JSONParseError) -> String {
        let start = i + 1
        var j = start
        var high: UInt64 = 0
        while true {
            if end - j >= 8 {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self))
                let stop = JSONGrammar.stringStopMask(w)
                if stop == 0 {
                    high |= w
                    j += 8
                    continue
                }
                let k = stop.trailingZeroBitCount &>> 3
                high |= w & ((1 &<< (UInt64(k) &* 8)) &- 1)
                j += k
            } else {
                while j < end {
                    let b = p[j]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
                    high |= UInt64(b)
                    j += 1
                }
                guard j < end else { throw Self.unterminatedString(quote: start - 1, end: end) }
            }
            let b = p[j]
            if b == UInt8(ascii: "\"") {
                i = j + 1
                let ascii = high & 0x8080_8080_8080_8080 == 0
                if !ascii, let bad = JSONGrammar.firstInvalidUTF8(p, from: start, to: j) {
                    throw Self.invalidUTF8(at: bad, p[bad])
                }
                lastStringIsPlainASCII = ascii
                return JSONGrammar.string(validUTF8: p + start, count: j - start, isASCII: ascii)
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(start: start, firstEscape: j) }
            throw Self.controlCharacter(at: j, p[j])
        }
    }

    /// The slow path for a string with escapes: decode into `scratch`, validating UTF-8 as we copy.
    mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        lastStringIsPlainASCII = false
        if let bad = JSONGrammar.firstInvalidUTF8(p, from: start, to: firstEscape) {
            throw Self.invalidUTF8(at: bad, p[bad])
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: firstEscape - start))
        var j = firstEscape
        while j < end {
            let b = p[j]
            if b == UInt8(ascii: "\"") {
                i = j + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                j = try decodeEscape(at: j, stringStart: start)
            } else if b < 0x20 {
                throw Self.controlCharacter(at: j, p[j])
            } else if b < 0x80 {
                scratch.append(b)
                j += 1
            } else {
                let n = JSONGrammar.utf8SequenceLength(p, at: j, end: end)
                guard n > 0 else { throw Self.invalidUTF8(at: j, p[j]) }
                scratch.append(contentsOf: UnsafeBufferPointer(start: p + j, count: n))
                j += n
            }
        }
        throw Self.unterminatedString(quote: start - 1, end: end)
    }

    /// Decodes the escape whose backslash is at `j` into `scratch`; returns the index after it.
    mutating func decodeEscape(at j: Int, stringStart: Int) throws(JSONParseError) -> Int {
        guard j + 1 < end else { throw Self.unterminatedString(quote: stringStart - 1, end: end) }
        let c = p[j + 1]
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(c)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            guard let unit = hex4(at: j + 2) else {
                throw Self.invalidEscape(at: j, "\\u must be followed by four hex digits")
            }
            if unit & 0xF800 != 0xD800 {
                appendUTF8(UInt32(unit))
                return j + 6
            }
            guard unit < 0xDC00 else { throw Self.loneSurrogate(at: j) }
            // A high surrogate: its low partner must follow as another \u escape.
            guard j + 7 < end, p[j + 6] == UInt8(ascii: "\\"), p[j + 7] == UInt8(ascii: "u") else {
                throw Self.loneSurrogate(at: j)
            }
            guard let low = hex4(at: j + 8) else {
                throw Self.invalidEscape(at: j + 6, "\\u must be followed by four hex digits")
            }
            guard low & 0xFC00 == 0xDC00 else { throw Self.loneSurrogate(at: j) }
            appendUTF8(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
            return j + 12
        default:
            throw Self.unknownEscape(at: j, c)
        }
        return j + 2
    }

    @inline(__always)
    func hex4(at k: Int) -> UInt16? {
        guard end - k >= 4 else { return nil }
        var v: UInt16 = 0
        for n in k..<(k + 4) {
            let b = p[n]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b &- 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b &- 0x57
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b &- 0x37
            default: return nil
            }
            v = v &<< 4 | UInt16(d)
        }
        return v
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    @inline(never)
    static func unterminatedString(quote: Int, end: Int) -> JSONParseError {
        JSONParseError(
            kind: .unexpectedEndOfInput, offset: end,
            message: "the string that starts at byte \(quote) has no closing quote")
    }

    @inline(never)
    static func controlCharacter(at offset: Int, _ byte: UInt8) -> JSONParseError {
        JSONParseError(
            kind: .controlCharacterInString, offset: offset,
            message: "control character \(JSONParseError.show(byte)) must be escaped in a string")
    }

    @inline(never)
    static func invalidUTF8(at offset: Int, _ byte: UInt8) -> JSONParseError {
        JSONParseError(
            kind: .invalidUTF8, offset: offset, message: "byte \(JSONParseError.show(byte)) is not valid UTF-8 here")
    }

    @inline(never)
    static func invalidEscape(at offset: Int, _ message: StaticString) -> JSONParseError {
        JSONParseError(kind: .invalidEscape, offset: offset, message: "\(message)")
    }

    @inline(never)
    static func unknownEscape(at offset: Int, _ byte: UInt8) -> JSONParseError {
        JSONParseError(kind: .invalidEscape, offset: offset, message: "unknown escape \\\(JSONParseError.show(byte))")
    }

    @inline(never)
    static func loneSurrogate(at offset: Int) -> JSONParseError {
        JSONParseError(
            kind: .loneSurrogate, offset: offset, message: "a \\u escape of a UTF-16 surrogate must form a pair")
    }
}
