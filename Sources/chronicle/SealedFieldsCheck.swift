import EventCoding
import EventLog
import JSON
import PersonalData

/// Whether the log's personal fields are stored sealed (CONTRACT §8): every string among the
/// personal fields of every event that carries them, as stored. `chronicle verify` reports it.
///
/// Release builds before `82f8953` stored leads' `contactName`, `phone` and `email` and employees'
/// `name` in plain text (README, "Personal data and erasure"); this finds the events they wrote. It
/// reads only the events of the personal types, through the log's type index.
struct SealedFieldsCheck {
    /// Events that carry personal fields.
    var checked = 0
    /// Of them, those with a personal field stored in plain text, and the first one's position.
    var plaintext = 0
    var firstPlaintext: UInt64?

    static func scan(_ log: EventLog) throws -> SealedFieldsCheck {
        var check = SealedFieldsCheck()
        let filter = EventFilter(types: PersonalFields.eventTypes)
        var next: UInt64? = 1
        while let from = next {
            let page = try log.read(from: from, limit: 4096, filter: filter)
            for e in page.events {
                guard let rule = PersonalFields.rule(for: e.type) else { continue }
                check.checked += 1
                let data = try PayloadCodec.decode(e.data)
                let exposed = rule.fields.contains { field in
                    guard case .string(let value)? = data[field] else { return false }
                    return !PersonalFields.isSealed(value)
                }
                if exposed {
                    check.plaintext += 1
                    if check.firstPlaintext == nil { check.firstPlaintext = e.position }
                }
            }
            next = page.next
        }
        return check
    }

    /// One line for `verify`'s text report.
    var summary: String {
        guard let first = firstPlaintext else {
            return checked == 0 ? "personal fields: no event carries any" : "personal fields: sealed in all \(checked) events that carry them"
        }
        return "personal fields: \(plaintext) of \(checked) events hold them in plain text (the first at position \(first));"
            + " see README, \"Personal data and erasure\""
    }
}
