/// A `String`'s UTF-8 bytes read where the string is stored, through a pointer to it, without
/// copying the string.
///
/// Code that reads a request in place goes through pointers (`event.pointee.stream`) so as not to
/// copy whole structures; but handing `event.pointee.stream` to any function — even one that only
/// borrows it, `utf8.withContiguousStorageIfAvailable` included — copies the string out of memory
/// the compiler cannot vouch for: a retain and a release of its storage, two atomic writes to an
/// object that, on the log's writer threads, another core made. The writer's stager did that for
/// the stream, type and tags of every event, two or three times each (checking their lengths,
/// hashing them, looking them up), and its encoder again to write them.
///
/// These read the string's two words instead, as the standard library lays them out on 64-bit
/// little-endian platforms other than Android on ARM64, whose heap tags its pointers
/// (`StringObject.swift`):
/// - a **small** string (discriminator bit 61) holds its bytes in the two words themselves, its
///   count in bits 56–59 of the second;
/// - a **large** string that is neither bridged nor foreign (bits 62, 61 and 60 clear) and whose
///   bytes are tail-allocated (bit 60 of the first word) has them 32 bytes past its storage object's
///   address (the low 60 bits of the second word), its count in the low 48 bits of the first — a
///   native string, and a literal's immortal one, whose address is biased the same way.
///
/// Any other form (shared, bridged, foreign: none on Linux in this program) is copied and read the
/// usual way. `StringBytesTests` checks these readings against the standard library's own for every
/// form a program here makes, and ``Swift/String/bytesAreReadInPlaceAsExpected`` lets a program check
/// them once at start-up (the log does, when it opens), so that a toolchain that laid strings out
/// otherwise fails there, with a message, rather than in the log.
extension String {
    /// Calls `body` with the UTF-8 bytes of the string at `pointer`, valid only during the call.
    /// The string must stay alive and unchanged meanwhile (as anything read through a pointer must).
    @inlinable @inline(__always)
    public static func withUTF8<R>(
        at pointer: UnsafePointer<String>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        #if _pointerBitWidth(_64) && _endian(little) && !(os(Android) && arch(arm64))
        let raw = UnsafeRawPointer(pointer)
        let flags = raw.load(as: UInt64.self)
        let object = raw.load(fromByteOffset: 8, as: UInt64.self)
        if object & StringLayout.small != 0 {
            // Copied out of the two words (as the standard library reads a small string too).
            var words = (flags, object)
            let count = Int(truncatingIfNeeded: (object >> 56) & 0xF)
            return try withUnsafeBytes(of: &words) { bytes in
                let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                return try body(UnsafeBufferPointer(start: start, count: count))
            }
        }
        if object & StringLayout.notContiguousLarge == 0 && flags & StringLayout.tailAllocated != 0 {
            let address = UInt(truncatingIfNeeded: object & StringLayout.address) &+ StringLayout.headerSize
            let count = Int(truncatingIfNeeded: flags & StringLayout.count)
            return try body(UnsafeBufferPointer(start: UnsafePointer<UInt8>(bitPattern: address), count: count))
        }
        #endif
        var copy = pointer.pointee
        return try copy.withUTF8(body)
    }

    /// The UTF-8 length of the string at `pointer` (see ``withUTF8(at:_:)``).
    @inlinable @inline(__always)
    public static func utf8Count(at pointer: UnsafePointer<String>) -> Int {
        withUTF8(at: pointer) { $0.count }
    }

    /// Whether ``withUTF8(at:_:)`` reads what the standard library reads, in place where it should:
    /// checked once, on a small, a large native and a literal string (each read in place on the
    /// platforms it reads in place, and through a copy elsewhere).
    public static let bytesAreReadInPlaceAsExpected: Bool = {
        let small = "lead:L-1"
        let native = String(decoding: Array("customer:C-0000000012345 é".utf8), as: UTF8.self)
        let literal = "opportunity:O-2026-000042 (a literal: an immortal string)"
        for sample in [small, native, literal] {
            var s = sample
            let read = withUnsafePointer(to: &s) { p in withUTF8(at: p) { Array($0) } }
            guard read == Array(s.utf8) else { return false }
        }
        #if _pointerBitWidth(_64) && _endian(little) && !(os(Android) && arch(arm64))
        // The large ones are read where the standard library keeps their bytes, not from a copy.
        for sample in [native, literal] {
            var s = sample
            let start = withUnsafePointer(to: &s) { p in withUTF8(at: p) { $0.baseAddress } }
            guard let start, start == s.utf8.withContiguousStorageIfAvailable({ $0.baseAddress }) else { return false }
        }
        #endif
        return true
    }()
}

/// The bits ``Swift/String/withUTF8(at:_:)`` reads.
@usableFromInline
enum StringLayout {
    /// Second word: a small string.
    @inlinable static var small: UInt64 { 1 << 61 }
    /// Second word: a bridged (62), small (61) or foreign (60) string — not a contiguous large one.
    @inlinable static var notContiguousLarge: UInt64 { 0b0111 << 60 }
    /// Second word: the storage object's address.
    @inlinable static var address: UInt64 { 0x0FFF_FFFF_FFFF_FFFF }
    /// First word: the bytes follow the storage object's header.
    @inlinable static var tailAllocated: UInt64 { 1 << 60 }
    /// First word: the count of a large string.
    @inlinable static var count: UInt64 { 0x0000_FFFF_FFFF_FFFF }
    /// The storage object's header, before its bytes.
    @inlinable static var headerSize: UInt { 32 }
}
