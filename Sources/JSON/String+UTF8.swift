extension String {
    /// Calls `body` with the string's UTF-8 bytes, read in place.
    ///
    /// `var copy = string; copy.withUTF8 { … }` — the usual way to reach the bytes — copies the
    /// string into a variable first: a retain and a release of its storage, an atomic write to an
    /// object that another thread usually made (a request parsed on an event loop, an event decided
    /// by the log's writer). A native string's bytes are always contiguous, so this borrows them;
    /// only a bridged string (never on Linux) is copied.
    @inlinable @inline(__always)
    public func withUTF8InPlace<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return copy.withUTF8(body)
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes: one copy from the binary's constant. (`append(contentsOf:
    /// "…".utf8)` made a `String` of the literal and walked its UTF-8 view; per reply, that was
    /// the reply thread's largest item after reference counting.)
    @inlinable @inline(__always)
    public mutating func append(literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
