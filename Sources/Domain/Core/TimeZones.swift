import Foundation

/// IANA time zones, for the lead pool's calendar days. Reads the system's zone rules; no clock.
public enum TimeZones {
    public static func isValid(_ identifier: String) -> Bool { TimeZone(identifier: identifier) != nil }

    /// The calendar day (days since 1970-01-01) that `time` falls on in `identifier` (UTC when unknown).
    public static func day(of time: Timestamp, in identifier: String) -> Int64 {
        let offset = offsetMilliseconds(at: time, in: identifier)
        return floorDiv(time.milliseconds + offset, Timestamp.millisecondsPerDay)
    }

    /// The zone's offset from UTC at `time`, in milliseconds.
    public static func offsetMilliseconds(at time: Timestamp, in identifier: String) -> Int64 {
        guard identifier != "UTC", let zone = TimeZone(identifier: identifier) else { return 0 }
        let date = Date(timeIntervalSince1970: Double(time.milliseconds) / 1000)
        return Int64(zone.secondsFromGMT(for: date)) * 1000
    }
}
