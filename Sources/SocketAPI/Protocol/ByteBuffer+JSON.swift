import Domain
import JSON
import NIOCore

/// Replies written straight into a `ByteBuffer`: no JSON tree for the fixed parts, and strings
/// copied as they are unless they need escapes.
extension ByteBuffer {
    /// `"…"` with JSON escapes (see `JSONWriter.appendString`).
    mutating func writeJSONString(_ string: String) {
        let plain = string.withUTF8InPlace { utf8 in
            guard !Self.needsEscaping(utf8) else { return false }
            writeInteger(UInt8(ascii: "\""))
            writeBytes(UnsafeRawBufferPointer(utf8))
            writeInteger(UInt8(ascii: "\""))
            return true
        }
        if !plain {
            var scratch: [UInt8] = []
            scratch.reserveCapacity(string.utf8.count + 16)
            JSONWriter.appendString(string, into: &scratch)
            writeBytes(scratch)
        }
    }

    /// Bytes the fast path cannot copy: controls, `"`, `\`, and lead bytes of U+2028, U+2029, U+FEFF.
    @inline(__always)
    static func needsEscaping(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b >= 0xE2 {
            return true
        }
        return false
    }

    /// Any JSON value, compact.
    mutating func writeJSON(_ value: JSONValue) {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(128)
        JSONWriter.append(value, into: &scratch)
        writeBytes(scratch)
    }

    mutating func writeJSON(_ object: JSONObject) { writeJSON(.object(object)) }

    /// An unsigned integer as decimal text.
    mutating func writeDecimal(_ value: UInt64) {
        Self.withDecimalDigits(value) { _ = writeBytes($0) }
    }

    /// Calls `body` with `value`'s decimal digits, written backwards into a buffer on the stack.
    @inline(__always)
    static func withDecimalDigits<R>(_ value: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold the 20 digits of UInt64.max
        return withUnsafeMutableBytes(of: &digits) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            let first = DecimalDigits.write(value, endingAt: out.count, into: out)
            return body(UnsafeRawBufferPointer(rebasing: raw[first...]))
        }
    }

    mutating func writeID(_ id: RequestID?) {
        switch id {
        case nil: writeStaticString("null")
        case .string(let s)?: writeJSONString(s)
        case .number(let text)?: writeString(text)
        }
    }

    /// `{"id":…,"ok":true` — the caller appends `,"field":…` members and then ``endReply()``.
    mutating func writeReplyStart(_ id: RequestID) {
        writeStaticString("{\"id\":")
        writeID(id)
        writeStaticString(",\"ok\":true")
    }

    /// `}` and the line's `\n`.
    mutating func endReply() { writeStaticString("}\n") }

    /// `{"id":…,"ok":true}` and `\n`.
    mutating func writeEmptyReply(_ id: RequestID) {
        writeReplyStart(id)
        endReply()
    }

    /// `{"id":…,"ok":false,"error":{"code":…,"message":…,"details":{…}}}` and `\n`.
    mutating func writeErrorReply(_ id: RequestID?, _ error: DomainError) {
        writeStaticString("{\"id\":")
        writeID(id)
        writeStaticString(",\"ok\":false,\"error\":{\"code\":")
        writeJSONString(error.code.rawValue)
        writeStaticString(",\"message\":")
        writeJSONString(error.message)
        writeStaticString(",\"details\":")
        if error.details.isEmpty { writeStaticString("{}") } else { writeJSON(error.details) }
        writeStaticString("}}\n")
    }
}
