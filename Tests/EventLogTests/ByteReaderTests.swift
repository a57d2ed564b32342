import Foundation
import Testing

@testable import EventLog

/// Strings in records: the ASCII fast path and the general UTF-8 validation must agree on every
/// input — same string for valid bytes, an error for invalid ones — wherever the first byte ≥ 0x80 sits.
@Suite struct ByteReaderTests {
    func read(_ bytes: [UInt8]) -> String? {
        var record: [UInt8] = []
        Bytes.appendVarint(UInt64(bytes.count), to: &record)
        record += bytes
        return record.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            return try? r.string()
        }
    }

    @Test func asciiAndUTF8StringsReadBackAndInvalidBytesAreRefused() {
        for length in 0...40 {
            let ascii = (0..<length).map { UInt8(0x21 + $0 % 90) }
            #expect(read(ascii) == String(decoding: ascii, as: UTF8.self))
            for at in stride(from: 0, to: length, by: 1) {
                var invalid = ascii
                invalid[at] = 0xFF  // never valid in UTF-8
                #expect(read(invalid) == nil, "0xFF at \(at) of \(length)")
                if at + 1 < length {
                    var utf8 = ascii
                    utf8[at] = 0xC3  // "é" is C3 A9
                    utf8[at + 1] = 0xA9
                    #expect(read(utf8) == String(decoding: utf8, as: UTF8.self), "é at \(at) of \(length)")
                }
            }
        }
    }
}
