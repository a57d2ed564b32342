/// Byte-level rules shared by the text parser, the binary decoder and ``JSONNumber/init(validating:)``:
/// the RFC 8259 number grammar, well-formed UTF-8 (Unicode Table 3-7) and the canonical integer form.
enum JSONGrammar {
    /// The outcome of scanning a number: where it ends, or where and why it breaks the grammar.
    enum NumberScan {
        case end(Int)
        case invalid(at: Int, reason: StaticString)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `start`. The number ends at the first
    /// byte the grammar cannot continue with; the caller decides whether that byte may follow a number.
    /// (Not `throws`: a caller that only asks "is this a number" should not pay for an error.)
    static func scanNumber(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> NumberScan {
        var i = start
        if i < end && p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end else { return .invalid(at: i, reason: "a number needs a digit here") }
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < end && isDigit(p[i]) { return .invalid(at: i, reason: "a number cannot have leading zeros") }
        } else if isDigit(p[i]) {
            i += 1
            while i < end && isDigit(p[i]) { i += 1 }
        } else {
            return .invalid(at: i, reason: "a number needs a digit here")
        }
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end && isDigit(p[i]) else {
                return .invalid(at: i, reason: "a decimal point must be followed by a digit")
            }
            while i < end && isDigit(p[i]) { i += 1 }
        }
        if i < end && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < end && isDigit(p[i]) else { return .invalid(at: i, reason: "an exponent needs a digit") }
            while i < end && isDigit(p[i]) { i += 1 }
        }
        return .end(i)
    }

    /// Whether `[start, end)` is exactly one number in the JSON grammar.
    static func isNumber(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Bool {
        if case .end(end) = scanNumber(p, from: start, to: end) { return true }
        return false
    }

    /// The integer when `count` bytes at `p` are an `Int64` in its one canonical decimal form (`0`, `-17`;
    /// not `-0`, `017`, `+1`, `1.0`, `1e2`), else nil. The binary codec stores exactly these as integers.
    static func canonicalInt64(_ p: UnsafePointer<UInt8>, count: Int) -> Int64? {
        guard count > 0 else { return nil }
        let negative = p[0] == UInt8(ascii: "-")
        let first = negative ? 1 : 0
        let digits = count - first
        guard digits >= 1, digits <= 19 else { return nil }
        if p[first] == UInt8(ascii: "0") {
            return digits == 1 && !negative ? 0 : nil
        }
        // Accumulate negatively so Int64.min fits.
        var value: Int64 = 0
        for k in first..<count {
            let d = p[k] &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            value = s
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    /// The canonical decimal text of `value`, built without going through a formatter.
    static func decimalText(_ value: Int64) -> String {
        let magnitude = value.magnitude
        let length = (value < 0 ? 1 : 0) + DecimalDigits.count(magnitude)
        return String(unsafeUninitializedCapacity: length) { buffer in
            DecimalDigits.write(magnitude, endingAt: length, into: buffer)
            if value < 0 { buffer[0] = UInt8(ascii: "-") }
            return length
        }
    }

    /// The length of the well-formed UTF-8 sequence that starts with a byte ≥ 0x80 at `i`, or 0 when it is
    /// ill-formed: a stray continuation byte, an overlong form, a UTF-16 surrogate, a scalar above U+10FFFF,
    /// or a sequence cut off by `end`.
    @inline(__always)
    static func utf8SequenceLength(_ p: UnsafePointer<UInt8>, at i: Int, end: Int) -> Int {
        let b0 = p[i]
        @inline(__always) func isContinuation(_ k: Int) -> Bool { k < end && p[k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return isContinuation(i + 1) ? 2 : 0
        case 0xE0...0xEF:
            guard i + 1 < end else { return 0 }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard b1 >= low, b1 <= high, isContinuation(i + 2) else { return 0 }
            return 3
        case 0xF0...0xF4:
            guard i + 1 < end else { return 0 }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard b1 >= low, b1 <= high, isContinuation(i + 2), isContinuation(i + 3) else { return 0 }
            return 4
        default:
            return 0
        }
    }

    /// The offset of the first byte that does not start a well-formed UTF-8 sequence in `[start, end)`, or nil.
    static func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        while i < end {
            if p[i] < 0x80 {
                i += 1
                continue
            }
            let n = utf8SequenceLength(p, at: i, end: end)
            if n == 0 { return i }
            i += n
        }
        return nil
    }

    /// A `String` from bytes already known to be well-formed UTF-8. (`String(validating:)` would check them
    /// itself, but is several times slower than our scan plus this.)
    @inline(__always)
    static func string(validUTF8 p: UnsafePointer<UInt8>, count: Int, isASCII: Bool) -> String {
        if isASCII { return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self) }
        // Measured: for non-ASCII text this is about twice as fast as `String(decoding:as:)`.
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress!.initialize(from: p, count: count)
            return count
        }
    }

    @inline(__always)
    static func isASCII(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        var high: UInt64 = 0
        let raw = UnsafeRawPointer(p)
        while count - i >= 8 {
            high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            high |= UInt64(p[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// For eight string bytes (little-endian word): a mask whose lowest set bit marks the first byte that ends
    /// the unescaped run — `"`, `\` or a control character below 0x20. Bits above the lowest may be spurious
    /// (borrows), so only `trailingZeroBitCount` of a nonzero mask is meaningful.
    @inline(__always)
    static func stringStopMask(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)
        let bs = w ^ (ones &* 0x5C)
        let quote = (q &- ones) & ~q
        let backslash = (bs &- ones) & ~bs
        let control = (w &- ones &* 0x20) & ~w
        return (quote | backslash | control) & highs
    }

    /// `0xNN`, for messages about binary bytes.
    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(digits)" : "0x\(digits)"
    }
}
