/// Decimal digits of an unsigned integer, written backwards into a caller's buffer — the one way
/// Chronicle writes integers as text (JSON's integers, amounts of money, reply positions), with no
/// formatter and no intermediate string.
public enum DecimalDigits {
    /// How many digits `value` has (1 for 0).
    @inlinable
    public static func count(_ value: UInt64) -> Int {
        var n = 1
        var v = value
        while v >= 10 {
            n += 1
            v /= 10
        }
        return n
    }

    /// Writes `value`'s digits so that the last ends just before `end`, zero-padded to at least
    /// `minimumCount` digits; returns the index of the first. The caller makes room
    /// (``count(_:)``, or 20 bytes for any `UInt64`).
    @inlinable @discardableResult
    public static func write(
        _ value: UInt64, endingAt end: Int, into out: UnsafeMutableBufferPointer<UInt8>, minimumCount: Int = 1
    ) -> Int {
        var v = value
        var k = end
        repeat {
            k -= 1
            out[k] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
        } while v != 0 || end - k < minimumCount
        return k
    }
}
