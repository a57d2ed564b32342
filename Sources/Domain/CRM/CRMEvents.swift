import JSON

/// The CRM's events, schema 1: the one place their streams, tags and payloads are written.
///
/// Payloads are frozen once shipped (CONTRACT §9). Conventions: every field of a schema is always
/// present, an optional one as `null` when absent; money as a two-decimal string; counts and
/// probabilities as JSON integers; times as ISO-8601 UTC; dates as `YYYY-MM-DD`. Tags name every
/// entity the event refers to, in the order `lead`, `customer`, `opportunity`, `rep` (the owning
/// rep at that moment; for a release or recycle, the rep who had the lead).
enum CRMEvents {
    /// Schema 2 (CONTRACT §9): schema 1's fields, then `domain` (``LeadCapturedV2``) — the payload
    /// the upcaster makes of a schema-1 record, written at once instead of upcast on every capture.
    static func leadCaptured(
        leadId: String, company: String, contactName: String, phone: String?, email: String?, source: String,
        estimatedValue: Money?
    ) -> NewEvent {
        var event = lead(
            leadId, CRMEventType.leadCaptured, rep: nil,
            [
                "leadId": .string(leadId), "company": .string(company), "contactName": .string(contactName),
                "phone": optional(phone), "email": optional(email), "source": .string(source),
                "estimatedValue": optional(estimatedValue?.amountText),
                "domain": optional(LeadCapturedV2.domain(ofEmail: email)),
            ])
        event.schema = LeadCapturedV2.schema
        return event
    }

    static func leadClaimed(leadId: String, repId: String) -> NewEvent {
        lead(leadId, CRMEventType.leadClaimed, rep: repId, ["leadId": .string(leadId), "repId": .string(repId)])
    }

    static func leadAssigned(leadId: String, repId: String, assignedBy: String) -> NewEvent {
        lead(
            leadId, CRMEventType.leadAssigned, rep: repId,
            ["leadId": .string(leadId), "repId": .string(repId), "assignedBy": .string(assignedBy)])
    }

    static func leadReleased(leadId: String, repId: String, reason: String) -> NewEvent {
        lead(
            leadId, CRMEventType.leadReleased, rep: repId,
            ["leadId": .string(leadId), "repId": .string(repId), "reason": .string(reason)])
    }

    static func leadRecycled(leadId: String, repId: String, lastActivityAt: Timestamp, asOf: Timestamp) -> NewEvent {
        lead(
            leadId, CRMEventType.leadRecycled, rep: repId,
            [
                "leadId": .string(leadId), "repId": .string(repId),
                "lastActivityAt": .string(lastActivityAt.iso8601), "asOf": .string(asOf.iso8601),
            ])
    }

    static func leadDisqualified(leadId: String, repId: String?, reason: String) -> NewEvent {
        lead(
            leadId, CRMEventType.leadDisqualified, rep: repId,
            ["leadId": .string(leadId), "reason": .string(reason), "repId": optional(repId)])
    }

    /// A follow-up on a lead (`customerId` null) or on a customer (`leadId` null).
    static func followUpLogged(leadId: String?, customerId: String?, channel: String, note: String, repId: String?)
        -> NewEvent
    {
        let stream = leadId.map { "lead-\($0)" } ?? "customer-\(customerId ?? "")"
        return NewEvent(
            stream: stream, type: CRMEventType.followUpLogged,
            tags: tags(lead: leadId, customer: customerId, rep: repId),
            data: [
                "leadId": optional(leadId), "customerId": optional(customerId), "channel": .string(channel),
                "note": .string(note), "repId": optional(repId),
            ])
    }

    static func leadConverted(leadId: String, customerId: String, opportunityId: String?, repId: String) -> NewEvent {
        NewEvent(
            stream: "lead-\(leadId)", type: CRMEventType.leadConverted,
            tags: tags(lead: leadId, customer: customerId, opportunity: opportunityId, rep: repId),
            data: [
                "leadId": .string(leadId), "customerId": .string(customerId), "opportunityId": optional(opportunityId),
                "repId": .string(repId),
            ])
    }

    static func customerRegistered(customerId: String, name: String, ownerId: String, leadId: String?) -> NewEvent {
        NewEvent(
            stream: "customer-\(customerId)", type: CRMEventType.customerRegistered,
            tags: tags(lead: leadId, customer: customerId, rep: ownerId),
            data: [
                "customerId": .string(customerId), "name": .string(name), "ownerId": .string(ownerId),
                "leadId": optional(leadId),
            ])
    }

    static func opportunityOpened(
        opportunityId: String, customerId: String, title: String, amount: Money, expectedClose: CivilDate?,
        ownerId: String
    ) -> NewEvent {
        let stage = OpportunityStage.discovery
        return NewEvent(
            stream: "opportunity-\(opportunityId)", type: CRMEventType.opportunityOpened,
            tags: tags(customer: customerId, opportunity: opportunityId, rep: ownerId),
            data: [
                "opportunityId": .string(opportunityId), "customerId": .string(customerId), "title": .string(title),
                "amount": .string(amount.amountText), "expectedClose": optional(expectedClose?.text),
                "ownerId": .string(ownerId), "stage": .string(stage.rawValue),
                "probability": .number(JSONNumber(stage.probability)),
            ])
    }

    static func opportunityStageAdvanced(_ o: Opportunity, to stage: OpportunityStage, reason: String?) -> NewEvent {
        opportunity(
            o, CRMEventType.opportunityStageAdvanced,
            [
                "from": .string(o.stage.rawValue), "to": .string(stage.rawValue),
                "probability": .number(JSONNumber(stage.probability)), "reason": optional(reason),
            ])
    }

    static func opportunityWon(_ o: Opportunity) -> NewEvent {
        opportunity(o, CRMEventType.opportunityWon, ["amount": .string(o.amount.amountText)])
    }

    static func opportunityLost(_ o: Opportunity, reason: String) -> NewEvent {
        opportunity(o, CRMEventType.opportunityLost, ["from": .string(o.stage.rawValue), "reason": .string(reason)])
    }

    // MARK: Shapes

    private static func lead(_ leadId: String, _ type: EventType, rep: String?, _ data: JSONObject) -> NewEvent {
        NewEvent(stream: "lead-\(leadId)", type: type, tags: tags(lead: leadId, rep: rep), data: data)
    }

    /// An opportunity event: `opportunityId`, `customerId` and `ownerId` first, so views that follow a
    /// customer or a rep need no other view.
    private static func opportunity(_ o: Opportunity, _ type: EventType, _ fields: JSONObject) -> NewEvent {
        var data: JSONObject = [
            "opportunityId": .string(o.id), "customerId": .string(o.customerId), "ownerId": .string(o.ownerId),
        ]
        data.reserveCapacity(data.count + fields.count)
        for (key, value) in fields { data[key] = value }
        return NewEvent(
            stream: "opportunity-\(o.id)", type: type,
            tags: tags(customer: o.customerId, opportunity: o.id, rep: o.ownerId), data: data)
    }

    private static func tags(
        lead: String? = nil, customer: String? = nil, opportunity: String? = nil, rep: String? = nil
    ) -> [String] {
        var tags: [String] = []
        tags.reserveCapacity(4)  // (one allocation: appending to an empty array grew it twice)
        if let lead { tags.append("lead:\(lead)") }
        if let customer { tags.append("customer:\(customer)") }
        if let opportunity { tags.append("opportunity:\(opportunity)") }
        if let rep { tags.append("rep:\(rep)") }
        return tags
    }

    private static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}

/// `LeadCaptured` schema 2 adds `domain`: the lead's e-mail domain, lower-cased, or null. The rule
/// is here, in the domain, so that the decider writes schema 2 and the upcaster derives the same
/// field from schema-1 records.
public enum LeadCapturedV2 {
    public static let schema = 2

    public static func domain(ofEmail email: String?) -> String? {
        guard let email else { return nil }
        if let answer = asciiDomain(ofEmail: email) { return answer }
        guard let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...]
        return domain.isEmpty ? nil : domain.lowercased()
    }

    /// The same answer from the bytes of ASCII-only text: `.some(domain)`, or `.some(nil)` when the
    /// address has no domain; nil when the text is not ASCII (the character-wise rule answers then).
    /// Searching and lower-casing `Character`s was a tenth of reading a `CaptureLead`.
    private static func asciiDomain(ofEmail email: String) -> String?? {
        var email = email
        return email.withUTF8 { bytes -> String?? in
            var at = -1
            for (i, b) in bytes.enumerated() {
                if b >= 0x80 { return nil }
                if b == UInt8(ascii: "@") { at = i }
            }
            guard at >= 0, at + 1 < bytes.count else { return .some(nil) }
            let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
            return String(unsafeUninitializedCapacity: domain.count) { out in
                for (i, b) in domain.enumerated() {
                    out[i] = b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b
                }
                return domain.count
            }
        }
    }
}
