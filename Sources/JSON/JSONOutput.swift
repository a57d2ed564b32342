/// Output bytes for the writer and the binary encoder: a pointer, a count and a capacity, so writing a byte
/// is a store instead of an `Array.append` with its uniqueness and capacity checks (measured: those checks
/// were most of the writer's time). It starts in stack memory lent by ``JSONOutput/withOutput(appendingTo:_:)``
/// and moves to the heap only when a value outgrows that.
struct JSONOutput: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    private var onHeap = false

    private init(stack: UnsafeMutableBufferPointer<UInt8>) {
        base = stack.baseAddress!
        capacity = stack.count
    }

    deinit {
        if onHeap { base.deallocate() }
    }

    /// Runs `body` with an empty output, then appends what it wrote to `array`.
    @inline(__always)
    static func withOutput(appendingTo array: inout [UInt8], _ body: (inout JSONOutput) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { stack in
            var output = JSONOutput(stack: stack)
            body(&output)
            array.append(contentsOf: UnsafeBufferPointer(start: output.base, count: output.count))
        }
    }

    /// Makes room for `n` more bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if capacity &- count < n { grow(to: count + n) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        if onHeap { base.deallocate() }
        base = newBase
        capacity = newCapacity
        onHeap = true
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count &+= 1
    }

    /// Appends a byte after ``reserve(_:)`` made room for it.
    @inline(__always)
    mutating func appendReserved(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        reserve(n)
        (base + count).initialize(from: bytes, count: n)
        count &+= n
    }

    @inline(__always)
    mutating func append(_ literal: StaticString) {
        append(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// Appends the UTF-8 of `string` (no quotes, no escapes).
    @inline(__always)
    mutating func append(utf8Of string: String) {
        string.withUTF8InPlace { utf8 in
            if let p = utf8.baseAddress { append(p, count: utf8.count) }
        }
    }

    /// Appends `value` in decimal (its canonical JSON number text).
    @inline(__always)
    mutating func appendDecimal(_ value: Int64) {
        reserve(20)
        if value < 0 { appendReserved(UInt8(ascii: "-")) }
        appendDecimal(magnitude: value.magnitude)
    }

    /// Appends `magnitude` in decimal, without a sign.
    @inline(__always)
    mutating func appendDecimal(magnitude: UInt64) {
        var length = 0
        var t = magnitude
        repeat {
            length &+= 1
            t /= 10
        } while t != 0
        reserve(length)
        var m = magnitude
        var k = count &+ length
        repeat {
            k &-= 1
            base[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
            m /= 10
        } while m != 0
        count &+= length
    }

    /// Appends an unsigned LEB128 varint.
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            appendReserved(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        appendReserved(UInt8(truncatingIfNeeded: v))
    }
}
