/// A point in time, in milliseconds since 1970-01-01T00:00:00Z (UTC).
///
/// Domain code never reads a clock: the processor passes `now` in. Formatting and parsing are pure.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static let millisecondsPerDay: Int64 = 86_400_000

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    public func adding(days: Int) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64(days) * Timestamp.millisecondsPerDay)
    }

    public func adding(milliseconds delta: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + delta) }

    /// `2026-11-22T08:15:30.123Z`.
    public var iso8601: String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendISO8601(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``iso8601``'s UTF-8 bytes, without making a `String` (exports write millions of them).
    public func appendISO8601(into out: inout [UInt8]) {
        let days = floorDiv(milliseconds, Timestamp.millisecondsPerDay)
        let msOfDay = milliseconds - days * Timestamp.millisecondsPerDay
        let date = CivilDate(daysSinceEpoch: days)
        if (0...9999).contains(date.year) {
            // Every time a log holds: the 24 bytes written in one append (export writes one per event).
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { t in
                func put(_ v: Int64, _ width: Int, at offset: Int) {
                    var v = v
                    for i in stride(from: offset + width - 1, through: offset, by: -1) {
                        t[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                        v /= 10
                    }
                }
                put(date.year, 4, at: 0)
                t[4] = UInt8(ascii: "-")
                put(date.month, 2, at: 5)
                t[7] = UInt8(ascii: "-")
                put(date.day, 2, at: 8)
                t[10] = UInt8(ascii: "T")
                put(msOfDay / 3_600_000, 2, at: 11)
                t[13] = UInt8(ascii: ":")
                put((msOfDay / 60_000) % 60, 2, at: 14)
                t[16] = UInt8(ascii: ":")
                put((msOfDay / 1000) % 60, 2, at: 17)
                t[19] = UInt8(ascii: ".")
                put(msOfDay % 1000, 3, at: 20)
                t[23] = UInt8(ascii: "Z")
                out.append(contentsOf: t)
            }
            return
        }
        date.appendText(into: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(msOfDay / 3_600_000, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendPadded((msOfDay / 60_000) % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        appendPadded((msOfDay / 1000) % 60, 2, &out)
        out.append(UInt8(ascii: "."))
        appendPadded(msOfDay % 1000, 3, &out)
        out.append(UInt8(ascii: "Z"))
    }

    public var description: String { iso8601 }

    /// Parses ISO-8601 UTC times: `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`, or a bare date
    /// `YYYY-MM-DD` (midnight UTC). Returns nil for anything else.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 10, let date = CivilDate(bytes: b[0..<10]) else { return nil }
        var ms = date.daysSinceEpoch * Timestamp.millisecondsPerDay
        if b.count == 10 {
            self.milliseconds = ms
            return
        }
        guard b.count >= 20, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let h = digits(b[11..<13]), let mi = digits(b[14..<16]), let s = digits(b[17..<19]),
            h < 24, mi < 60, s < 61
        else { return nil }
        ms += (h * 3600 + mi * 60 + s) * 1000
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var fraction: Int64 = 0
            var count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if count < 3 { fraction = fraction * 10 + Int64(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 3)..<3 { fraction *= 10 }
            ms += fraction
        }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                let oh = digits(b[(i + 1)..<(i + 3)]), let om = digits(b[(i + 4)..<(i + 6)]), oh < 24, om < 60
            else { return nil }
            let offset = (oh * 60 + om) * 60_000
            ms += b[i] == UInt8(ascii: "+") ? -offset : offset
        } else {
            return nil
        }
        self.milliseconds = ms
    }
}

/// A calendar date (proleptic Gregorian), as used by `expectedClose` and day boundaries.
public struct CivilDate: Sendable, Hashable, Comparable {
    public var year: Int64
    public var month: Int64
    public var day: Int64

    public init?(year: Int64, month: Int64, day: Int64) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 10 else { return nil }
        self.init(bytes: b[0..<10])
    }

    init?(bytes b: ArraySlice<UInt8>) {
        let s = b.startIndex
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
            let y = digits(b[s..<(s + 4)]), let m = digits(b[(s + 5)..<(s + 7)]), let d = digits(b[(s + 8)..<(s + 10)])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Howard Hinnant's civil-from-days.
    public init(daysSinceEpoch z0: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    /// Days since 1970-01-01 (days-from-civil).
    public var daysSinceEpoch: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendText(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``text``'s UTF-8 bytes.
    func appendText(into out: inout [UInt8]) {
        appendPadded(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(day, 2, &out)
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Appends `v` in decimal, its magnitude zero-padded to `width` digits (`-` before it when negative).
func appendPadded(_ v: Int64, _ width: Int, _ out: inout [UInt8]) {
    if v < 0 { out.append(UInt8(ascii: "-")) }
    var digits = 1
    var t = v.magnitude / 10
    while t != 0 {
        digits += 1
        t /= 10
    }
    var k = out.count + max(width, digits)
    out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, digits)))
    var m = v.magnitude
    out.withUnsafeMutableBufferPointer { o in
        repeat {
            k -= 1
            o[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
            m /= 10
        } while m != 0
    }
}

func digits(_ b: ArraySlice<UInt8>) -> Int64? {
    var v: Int64 = 0
    for c in b {
        guard c >= 0x30, c <= 0x39 else { return nil }
        v = v * 10 + Int64(c - 0x30)
    }
    return v
}
