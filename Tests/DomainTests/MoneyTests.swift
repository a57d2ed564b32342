import Domain
import JSON
import Testing

@Suite struct MoneyTests {
    @Test func parsesAndPrintsExactly() {
        #expect(Money(parsing: "10000.10", maxFractionDigits: 2)?.amountText == "10000.10")
        #expect(Money(parsing: "12", maxFractionDigits: 2)?.costText == "12.0000")
        #expect(Money(parsing: "1.005", maxFractionDigits: 2) == nil)
        #expect(Money(parsing: "1e3", maxFractionDigits: 2) == nil)
        #expect(Money(parsing: ".5", maxFractionDigits: 2) == nil)
    }

    /// Every amount prints as its sign, its whole units, a dot and exactly two (or four) fraction
    /// digits, and parses back to itself: edges, and amounts spread over the whole range.
    @Test func everyAmountPrintsWithItsSignAndExactlyItsFractionDigits() {
        func expected(_ units: Int64, _ digits: Int) -> String {
            let negative = units < 0
            let m = units.magnitude
            let whole = m / 10_000
            let fraction = digits == 4 ? m % 10_000 : m % 10_000 / 100
            let text = String(fraction)
            return (negative ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - text.count) + text
        }
        var generator = SystemRandomNumberGenerator()
        var samples: [Int64] = [0, 1, -1, 99, 100, -100, 10_000, -10_000, 123_456_789, .max, .min, .min + 1]
        for _ in 0..<2_000 {
            let magnitude = Int64.random(in: 0...Int64.max, using: &generator) >> Int64.random(in: 0...62, using: &generator)
            samples.append(Bool.random(using: &generator) ? magnitude : -magnitude)
        }
        for units in samples {
            let money = Money(units: units)
            #expect(money.costText == expected(units, 4), "units \(units)")
            // Two digits print the amount rounded half-to-even to cents, so they are checked on cents.
            let cents = Money(units: units / 100 * 100)
            #expect(cents.amountText == expected(cents.units, 2), "units \(cents.units)")
            if units.magnitude < 100_000_000_000_000_000 {
                #expect(Money(parsing: money.costText, maxFractionDigits: 4) == money)
            }
        }
        #expect(Money(units: -49).amountText == "0.00")
        #expect(Money(units: -51).amountText == "-0.01")
    }

    @Test func hugeInputsNeverTrap() {
        #expect(Money(parsing: "999999999999999", maxFractionDigits: 2) == nil)
        #expect(Money(parsing: "99999999999999.99", maxFractionDigits: 2) != nil)
        let big = Money(parsing: "999999999999.99", maxFractionDigits: 2)!
        #expect(big.value(times: 1_000_000_000).units == Int64.max / 100 * 100 || big.value(times: 1_000_000_000).units > 0)
        #expect(Money(units: .max).amountText.hasPrefix("9"))
    }

    /// Each way an amount can be wrong gets its own message.
    @Test func aRefusedAmountSaysWhatIsWrongWithIt() throws {
        func message(_ value: JSONValue) throws -> String? {
            var reader = DataReader(object: ["amount": value])
            do {
                _ = try reader.money("amount")
                return nil
            } catch let e as DomainError {
                #expect(e.code == .invalidArgument)
                return e.message
            }
        }
        #expect(try message("999999999999999999999999999999") == "amount must be at most 999999999999.99")
        #expect(try message("1000000000000.00") == "amount must be at most 999999999999.99")
        #expect(try message("1.005") == "amount must have at most 2 fraction digits")
        #expect(try message(.number(JSONNumber(unchecked: "1e3"))) == #"amount must be a plain decimal such as "1000.00" (no exponent)"#)
        #expect(try message("12,50") == #"amount must be a decimal such as "12.50""#)
        #expect(try message("") == #"amount must be a decimal such as "12.50""#)
        #expect(try message("12.50") == nil)
    }

    @Test func roundsHalfToEven() {
        #expect(Money(units: 125).amountText == "0.01")  // 0.0125 → 0.01
        #expect(Money(units: 150).amountText == "0.02")  // 0.0150 → 0.02
        #expect(Money(units: 250).amountText == "0.02")  // 0.0250 → 0.02
    }

    @Test func odooMovingAverageExample() {
        let ten = Money(parsing: "10", maxFractionDigits: 4)!
        let sixteen = Money(parsing: "16", maxFractionDigits: 4)!
        let avg = Money.movingAverage(onHand: 8, average: ten, quantity: 4, unitCost: sixteen)
        #expect(avg.costText == "12.0000")
        #expect(avg.value(times: 2).amountText == "24.00")
    }
}

@Suite struct TimestampTests {
    @Test func formatsAndParsesISO8601() {
        let t = Timestamp(iso8601: "2026-11-22T08:15:30.123Z")!
        #expect(t.iso8601 == "2026-11-22T08:15:30.123Z")
        #expect(Timestamp(iso8601: "2026-11-22T09:15:30.123+01:00") == t)
        #expect(Timestamp(iso8601: "1970-01-01T00:00:00Z")?.milliseconds == 0)
        #expect(Timestamp(iso8601: "2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(iso8601: "0001-01-01T00:00:00Z")!.iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999Z")!.iso8601 == "9999-12-31T23:59:59.999Z")
    }

    /// Times in years 0–9999 take a fast path that writes the text in one piece; every one of them
    /// must read back as itself (the parser reads four-digit years only).
    @Test func everyFormattedTimeParsesBackToItself() {
        var rng = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, -1, 1, 86_399_999, 86_400_000, 951_782_400_000, 253_402_300_799_999, -62_135_596_800_000]
        let random = (0..<5_000).map { _ in Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &rng) }
        for ms in edges + random {
            let text = Timestamp(milliseconds: ms).iso8601
            #expect(Timestamp(iso8601: text)?.milliseconds == ms, "\(ms) → \(text)")
        }
    }
}
