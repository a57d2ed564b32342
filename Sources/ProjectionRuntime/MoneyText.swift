import JSON

/// Money as Chronicle writes it — decimal text with at most four fraction digits — read straight
/// from payload bytes into ten-thousandths, and written back as contract text (CONTRACT §3: amounts
/// with two decimals, costs with four, rounded half-to-even).
public enum MoneyText {
    public static let scale: Int64 = 10_000

    /// Parses `-?digits(.digits{1,4})?` with at most 14 integer digits; nil otherwise.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        let n = bytes.count
        guard n > 0 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        var whole: Int64 = 0
        var digits = 0
        while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            whole = whole * 10 + Int64(bytes[i] - 0x30)
            digits += 1
            i += 1
            if digits > 14 { return nil }
        }
        guard digits > 0 else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if i < n {
            guard bytes[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                fraction = fraction * 10 + Int64(bytes[i] - 0x30)
                fractionDigits += 1
                i += 1
                if fractionDigits > 4 { return nil }
            }
            guard fractionDigits > 0, i == n else { return nil }
        }
        for _ in fractionDigits..<4 { fraction *= 10 }
        let units = whole * scale + fraction
        return negative ? -units : units
    }

    public static func parse(_ text: String) -> Int64? {
        text.withUTF8InPlace { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Two decimals, rounded half-to-even (amounts, prices, values, totals).
    public static func amount(_ units: Int64) -> String { format(Int128(units), fractionDigits: 2) }

    /// Four decimals (unit and average costs).
    public static func cost(_ units: Int64) -> String { format(Int128(units), fractionDigits: 4) }

    /// Formats ten-thousandths (any width) with 2 or 4 decimals, half-to-even.
    public static func format(_ units: Int128, fractionDigits: Int) -> String {
        var v = units
        if fractionDigits == 2 { v = divideHalfEven(units, by: 100) * 100 }
        let negative = v < 0
        let magnitude = v.magnitude
        let whole = magnitude / UInt128(scale)
        var fraction = magnitude % UInt128(scale)
        if fractionDigits == 2 { fraction /= 100 }
        var fractionText = String(fraction)
        while fractionText.count < fractionDigits { fractionText = "0" + fractionText }
        return (negative ? "-" : "") + String(whole) + "." + fractionText
    }

    /// Integer division rounded half-to-even.
    public static func divideHalfEven(_ n: Int128, by d: Int128) -> Int128 {
        precondition(d > 0)
        var q = n / d
        let r = n % d
        let twice = (r < 0 ? -r : r) * 2
        if twice > d || (twice == d && q % 2 != 0) { q += n < 0 ? -1 : 1 }
        return q
    }

    /// `quantity × cost`, rounded half-to-even to cents (in ten-thousandths): a stock value.
    public static func value(quantity: Int, cost: Int64) -> Int128 {
        divideHalfEven(Int128(quantity) * Int128(cost), by: 100) * 100
    }
}
