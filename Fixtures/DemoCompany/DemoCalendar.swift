import Domain

/// The demo year: 2025, business hours 08:00–17:00 UTC (09:00–19:00 in Berlin), Monday to Friday
/// except German public holidays, and the lead pool's daily recycle at 00:05 Berlin time.
///
/// Every business time falls on the same calendar day in UTC and in the pool's time zone, so the
/// daily claim limit is counted on the day the generator thinks it is.
struct DemoCalendar {
    static let timeZone = "Europe/Berlin"
    static let dayMs = Timestamp.millisecondsPerDay
    static let hourMs: Int64 = 3_600_000
    static let minuteMs: Int64 = 60_000
    /// 2025-01-01T00:00:00Z.
    static let yearStart = CivilDate(year: 2025, month: 1, day: 1)!.daysSinceEpoch * dayMs
    static let days = 365
    /// Nothing is generated at or after 2026-01-01T00:00:00Z.
    static let end = yearStart + Int64(days) * dayMs
    static let businessStart = 8 * hourMs
    static let businessEnd = 17 * hourMs

    /// Public holidays in 2025 (New Year, Good Friday, Easter Monday, Labour Day, Ascension, Whit
    /// Monday, German Unity Day, Christmas Eve to Boxing Day, New Year's Eve), as day-of-year indexes.
    static let holidays: Set<Int> = Set(
        ["01-01", "04-18", "04-21", "05-01", "05-29", "06-09", "10-03", "12-24", "12-25", "12-26", "12-31"].map {
            let parts = $0.split(separator: "-").map { Int64($0)! }
            return Int(CivilDate(year: 2025, month: parts[0], day: parts[1])!.daysSinceEpoch - yearStart / dayMs)
        })

    /// For each day of the year, the index in `workingDays` of the first working day on or after it.
    let nextWorking: [Int]
    /// The working days of the year, in order.
    let workingDays: [Int]

    init() {
        var working: [Int] = []
        for d in 0..<DemoCalendar.days where DemoCalendar.isWorking(d) { working.append(d) }
        var next = [Int](repeating: working.count, count: DemoCalendar.days + 1)
        var i = working.count
        for d in stride(from: DemoCalendar.days - 1, through: 0, by: -1) {
            if i > 0 && working[i - 1] == d { i -= 1 }
            next[d] = i
        }
        workingDays = working
        nextWorking = next
    }

    static func isWorking(_ day: Int) -> Bool {
        let epochDay = yearStart / dayMs + Int64(day)
        let weekday = (epochDay + 4) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
        return weekday != 0 && weekday != 6 && !holidays.contains(day)
    }

    /// The day of the year (0-based) that `time` falls on, in UTC.
    static func day(of time: Int64) -> Int { Int((time - yearStart) / dayMs) }

    static func midnight(_ day: Int) -> Int64 { yearStart + Int64(day) * dayMs }

    /// The working day `n` working days after `day` (0 = `day` itself when it is one, else the next),
    /// or nil past the year's end.
    func workingDay(after day: Int, plus n: Int) -> Int? {
        guard day < DemoCalendar.days else { return nil }
        let i = nextWorking[max(0, day)] + n
        return i < workingDays.count ? workingDays[i] : nil
    }

    /// The pool time zone's offset from UTC at noon of each day of the year (it changes at 01:00 UTC,
    /// outside business hours), so a business time's local day needs no time-zone lookup.
    static let noonOffsets: [Int64] = (0...days).map {
        TimeZones.offsetMilliseconds(at: Timestamp(milliseconds: midnight($0) + 12 * hourMs), in: timeZone)
    }

    /// The calendar day (days since 1970-01-01) of a business time in the pool's time zone, as the
    /// deciders count the daily claim limit.
    static func localDay(of time: Int64) -> Int64 {
        let offset = noonOffsets[min(max(0, day(of: time)), days)]
        return (time + offset) / dayMs
    }

    /// When the daily recycle for the morning after `day` runs: 00:05 in the pool's time zone.
    static func recycleTime(after day: Int) -> (time: Int64, localDate: String) {
        let local = midnight(day + 1) + 5 * minuteMs
        var t = local - TimeZones.offsetMilliseconds(at: Timestamp(milliseconds: local), in: timeZone)
        t = local - TimeZones.offsetMilliseconds(at: Timestamp(milliseconds: t), in: timeZone)
        let date = CivilDate(daysSinceEpoch: local / dayMs)
        return (t, date.text)
    }

    /// A date `days` after `time`, as `YYYY-MM-DD`.
    static func date(_ time: Int64, plusDays days: Int) -> String {
        CivilDate(daysSinceEpoch: time / dayMs + Int64(days)).text
    }
}
