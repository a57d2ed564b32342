import JSON

/// An exact amount of money, held as an integer count of 1/10,000 units.
///
/// Amounts and prices carry at most two fraction digits, unit costs at most four (CONTRACT §3).
/// Arithmetic that needs more room (quantity × cost) runs in `Int128`; rounding is half-to-even.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Ten-thousandths of a unit.
    public var units: Int64

    public static let scale: Int64 = 10_000
    public static let zero = Money(units: 0)
    /// The largest amount or price the contract accepts: 999,999,999,999.99.
    public static let maximumAmount = Money(units: 999_999_999_999_99 * 100)

    public init(units: Int64) { self.units = units }

    /// Parses a plain decimal text (`"12"`, `"12.5"`, `"-3.25"`) with at most `maxFractionDigits`
    /// fraction digits. Exponents, `+`, leading dots and blanks are refused (nil).
    public init?(parsing text: String, maxFractionDigits: Int) {
        // The string's own UTF-8, read in place (no copy into an array: amounts are parsed for
        // every order line and expense).
        var utf8 = text.utf8[...]
        guard let first = utf8.first else { return nil }
        var negative = false
        if first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        guard !utf8.isEmpty else { return nil }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenDot = false
        var digitsBeforeDot = 0
        for b in utf8 {
            if b == UInt8(ascii: ".") {
                guard !seenDot, digitsBeforeDot > 0 else { return nil }
                seenDot = true
                continue
            }
            guard b >= 0x30, b <= 0x39 else { return nil }
            let d = Int64(b - 0x30)
            if seenDot {
                fractionDigits += 1
                guard fractionDigits <= maxFractionDigits, fractionDigits <= 4 else { return nil }
                fraction = fraction * 10 + d
            } else {
                digitsBeforeDot += 1
                guard digitsBeforeDot <= 14 else { return nil }  // 10^14 × 10^4 fits in Int64
                whole = whole * 10 + d
            }
        }
        if seenDot && fractionDigits == 0 { return nil }
        for _ in fractionDigits..<4 { fraction *= 10 }
        let units = whole * Money.scale + fraction
        self.units = negative ? -units : units
    }

    /// The amount with exactly `fractionDigits` (2 or 4) decimals, rounded half-to-even.
    public func formatted(fractionDigits: Int = 2) -> String {
        precondition(fractionDigits == 2 || fractionDigits == 4, "Money prints 2 or 4 decimals")
        let rounded = fractionDigits == 4 ? units : Money.roundToCents(Int128(units))
        let negative = rounded < 0
        let magnitude = rounded.magnitude
        let whole = magnitude / UInt64(Money.scale)
        var fraction = magnitude % UInt64(Money.scale)
        if fractionDigits == 2 { fraction /= 100 }
        // Written in place into one string of the exact length (`DecimalDigits`, as JSON's integers are):
        // joining pieces made a string of each piece, and an order's payload carries three amounts.
        let length = (negative ? 1 : 0) + DecimalDigits.count(whole) + 1 + fractionDigits
        return String(unsafeUninitializedCapacity: length) { out in
            let dot = DecimalDigits.write(fraction, endingAt: length, into: out, minimumCount: fractionDigits) - 1
            out[dot] = UInt8(ascii: ".")
            DecimalDigits.write(whole, endingAt: dot, into: out)
            if negative { out[0] = UInt8(ascii: "-") }
            return length
        }
    }

    /// Two-decimal text, for amounts, prices, values and totals.
    public var amountText: String { formatted(fractionDigits: 2) }
    /// Four-decimal text, for `unitCost`, `averageCost` and `averageCostAfter`.
    public var costText: String { formatted(fractionDigits: 4) }
    public var description: String { amountText }

    public static func < (a: Money, b: Money) -> Bool { a.units < b.units }
    public static func + (a: Money, b: Money) -> Money { Money(units: a.units + b.units) }
    public static func - (a: Money, b: Money) -> Money { Money(units: a.units - b.units) }
    public static func += (a: inout Money, b: Money) { a.units += b.units }
    public static func -= (a: inout Money, b: Money) { a.units -= b.units }

    /// `self × quantity`, exact (no rounding), saturating at Int64's range.
    public func times(_ quantity: Int) -> Money {
        let product = Int128(units) * Int128(quantity)
        return Money(units: Int64(clamping: product))
    }

    /// `self × quantity` rounded half-to-even to two decimals (a line total or a stock value).
    public func value(times quantity: Int) -> Money {
        Money(units: Money.roundToCents(Int128(units) * Int128(quantity)))
    }

    /// This amount rounded half-to-even to two decimals.
    public var roundedToCents: Money { Money(units: Money.roundToCents(Int128(units))) }

    /// Rounds ten-thousandths to whole cents (half-to-even), saturating at Int64's range.
    static func roundToCents(_ units: Int128) -> Int64 {
        let cents = divideHalfEven128(units, by: 100)
        return Int64(clamping: cents * 100)
    }

    /// The moving-average cost after `quantity` units at `unitCost` come in on top of `onHand`
    /// units at `average`: `(onHand × average + quantity × unitCost) / (onHand + quantity)`,
    /// rounded half-to-even to four decimals. Both quantities are ≥ 0 and their sum > 0.
    public static func movingAverage(onHand: Int, average: Money, quantity: Int, unitCost: Money) -> Money {
        let total = onHand + quantity
        guard total > 0 else { return unitCost }
        let numerator = Int128(onHand) * Int128(average.units) + Int128(quantity) * Int128(unitCost.units)
        return Money(units: Int64(clamping: divideHalfEven(numerator, by: Int128(total))))
    }

    /// Integer division rounded half-to-even.
    public static func divideHalfEven(_ n: Int128, by d: Int128) -> Int64 {
        Int64(clamping: divideHalfEven128(n, by: d))
    }

    static func divideHalfEven128(_ n: Int128, by d: Int128) -> Int128 {
        precondition(d > 0)
        var q = n / d
        let r = n % d
        let twice = (r < 0 ? -r : r) * 2
        if twice > d || (twice == d && q % 2 != 0) {
            q += n < 0 ? -1 : 1
        }
        return q
    }
}
