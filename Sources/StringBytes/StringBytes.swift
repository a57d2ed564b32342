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
/// little-endian platforms (`StringObject.swift`):
/// - a **small** string (discriminator bit 61) holds its bytes in the two words themselves, its
///   count in bits 56–59 of the second;
/// - a **large** string that is neither bridged nor foreign (bits 62, 61 and 60 clear) and whose
///   bytes are tail-allocated (bit 60 of the first word) has them 32 bytes past its storage object's
///   address (the low 60 bits of the second word), its count in the low 48 bits of the first — a
///   native string, and a literal's immortal one, whose address is biased the same way.
///
/// Any other form (shared, bridged, foreign: none on Linux in this program) is copied and read the
/// usual way. `StringBytesTests` checks these readings against the standard library's own for every
/// form a program here makes, so a toolchain that laid strings out otherwise fails the tests
/// rather than the log.
extension String {
    /// Calls `body` with the UTF-8 bytes of the string at `pointer`, valid only during the call.
    /// The string must stay alive and unchanged meanwhile (as anything read through a pointer must).
    @inlinable @inline(__always)
    public static func withUTF8<R>(
        at pointer: UnsafePointer<String>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        #if _pointerBitWidth(_64) && _endian(little)
        let raw = UnsafeRawPointer(pointer)
        let flags = raw.load(as: UInt64.self)
        let object = raw.load(fromByteOffset: 8, as: UInt64.self)
        if object & StringLayout.small != 0 {
            // Copied out of the two words (as the standard library reads a small string too).
            var words = (flags, object)
            let count = Int(truncatingIfNeeded: (object >> 56) & 0xF)
            return try withUnsafeBytes(of: &words) { bytes in
                try body(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
            }
        }
        if object & StringLayout.notContiguousLarge == 0 && flags & StringLayout.tailAllocated != 0 {
            let start = UnsafePointer<UInt8>(bitPattern: UInt(truncatingIfNeeded: object & StringLayout.address) &+ 32)
            return try body(UnsafeBufferPointer(start: start, count: Int(truncatingIfNeeded: flags & StringLayout.count)))
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
}

/// The bits ``Swift/String/withUTF8(at:_:)`` reads.
@usableFromInline
enum StringLayout {
    /// Second word: a small string.
    @usableFromInline static let small: UInt64 = 1 << 61
    /// Second word: a bridged (62), small (61) or foreign (60) string — not a contiguous large one.
    @usableFromInline static let notContiguousLarge: UInt64 = 0b0111 << 60
    /// Second word: the storage object's address.
    @usableFromInline static let address: UInt64 = 0x0FFF_FFFF_FFFF_FFFF
    /// First word: the bytes follow the storage object's header.
    @usableFromInline static let tailAllocated: UInt64 = 1 << 60
    /// First word: the count of a large string.
    @usableFromInline static let count: UInt64 = 0x0000_FFFF_FFFF_FFFF

    /// Whether ``Swift/String/withUTF8(at:_:)`` reads the string at `pointer` without copying it
    /// (for the tests: they check that a native string is read so).
    static func readsInPlace(_ pointer: UnsafePointer<String>) -> Bool {
        #if _pointerBitWidth(_64) && _endian(little)
        let raw = UnsafeRawPointer(pointer)
        let flags = raw.load(as: UInt64.self)
        let object = raw.load(fromByteOffset: 8, as: UInt64.self)
        return object & small != 0 || (object & notContiguousLarge == 0 && flags & tailAllocated != 0)
        #else
        return false
        #endif
    }
}
