import Foundation
import Testing

import StringBytes

@Suite struct StringBytesTests {
    /// Every form of string this program makes, small and large, ASCII and not.
    static func samples() -> [String] {
        let digits = (0..<40).map(String.init).joined()
        var grown = "opportunity:"
        grown += "O-0000012345"  // appended: a native string with spare capacity
        let slice = "customer:C-12345678901234567890".dropFirst(3)
        let long = "salesOrder:SO-2026-000042 (a literal long enough to be an immortal large string)"
        return [
            // small: up to 15 bytes
            "", "a", "lead:L-1", "fifteen-bytes!!", "é", "ééééééé", "éééééééa",
            // large
            "sixteen-bytes!!!",
            "ééééééééé", "Ünïcödé lead name with accents", long, digits, grown, String(slice),
            String(repeating: "x", count: 1000), String(decoding: Array("decoded-from-bytes-🎉".utf8), as: UTF8.self),
            "rep:\(12345)-\(678_901)-interpolated", NSString(string: "through NSString, long enough").description,
            String(describing: 123_456_789_012_345_678 as Int),
        ]
    }

    @Test func readsTheSameBytesAsTheStandardLibrary() {
        for sample in Self.samples() {
            var s = sample
            let expected = Array(s.utf8)
            let read = withUnsafePointer(to: &s) { p in String.withUTF8(at: p) { Array($0) } }
            #expect(read == expected, "\(sample.debugDescription)")
            let count = withUnsafePointer(to: &s) { String.utf8Count(at: $0) }
            #expect(count == expected.count)
        }
    }

    @Test func readsStringsInArraysAndFieldsInPlace() {
        struct Event { var schema = 1; var stream: String; var type: String; var tags: [String] }
        let strings = Self.samples()
        var events = strings.map { Event(stream: $0, type: "T-" + $0, tags: [$0, $0 + "-tag"]) }
        events.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices {
                let e = UnsafePointer(buffer.baseAddress! + i)
                #expect(String.withUTF8(at: e.pointer(to: \.stream)!) { Array($0) } == Array(strings[i].utf8))
                #expect(String.withUTF8(at: e.pointer(to: \.type)!) { Array($0) } == Array(("T-" + strings[i]).utf8))
                e.pointee.tags.withUnsafeBufferPointer { tags in
                    for t in tags.indices {
                        #expect(String.withUTF8(at: tags.baseAddress! + t) { Array($0) } == Array(tags[t].utf8))
                    }
                }
            }
        }
    }

    /// The point of it: a large native or literal string is read where the standard library keeps
    /// its bytes, and a native one's storage is not retained while it is read (a small one is copied
    /// out of its two words, as the standard library does).
    @Test func readsLargeStringsWhereTheyAreStoredWithoutRetainingThem() {
        let literal = "salesOrder:SO-2026-000042 (a literal long enough to be an immortal large string)"
        for sample in Self.samples() + [literal] where sample.utf8.count > 15 {
            let native = String(decoding: Array(sample.utf8), as: UTF8.self)
            for var string in [native, sample] {
                let stored = string.utf8.withContiguousStorageIfAvailable { $0.baseAddress }
                let read = withUnsafePointer(to: &string) { p in String.withUTF8(at: p) { $0.baseAddress } }
                #expect(read != nil && read == stored, "\(sample.debugDescription)")
            }
            var s = native
            withUnsafePointer(to: &s) { p in
                let before = Self.storageRetainCount(p)
                let during = String.withUTF8(at: p) { _ in Self.storageRetainCount(p) }
                #expect(during == before, "\(sample.debugDescription): read through a copy")
            }
        }
    }

    /// The retain count of a native large string's storage object (the second word's address).
    static func storageRetainCount(_ p: UnsafePointer<String>) -> UInt {
        let address = UnsafeRawPointer(p).load(fromByteOffset: 8, as: UInt.self) & 0x0FFF_FFFF_FFFF_FFFF
        let storage = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(bitPattern: address)!)
        return _getRetainCount(storage.takeUnretainedValue())
    }

    /// The check a program makes once at start-up (the log, when it opens) passes here.
    @Test func theStartUpCheckPasses() {
        #expect(String.bytesAreReadInPlaceAsExpected)
    }

    /// A string read in place after its storage was shared with another variable and one of them
    /// changed: each reads its own bytes.
    @Test func copiesThatDivergeReadTheirOwnBytes() {
        var a = "a shared string, long enough for storage of its own"
        var b = a
        b += " — changed"
        let ra = withUnsafePointer(to: &a) { String.withUTF8(at: $0) { Array($0) } }
        let rb = withUnsafePointer(to: &b) { String.withUTF8(at: $0) { Array($0) } }
        #expect(ra == Array(a.utf8))
        #expect(rb == Array(b.utf8))
    }
}
