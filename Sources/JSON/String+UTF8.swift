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
