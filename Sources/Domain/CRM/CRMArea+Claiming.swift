/// Leads entering the pool and being taken from it: `CaptureLead`, `ClaimLead`, `AssignLead`.
extension CRMArea {
    /// Everything but the lead's being new is in the data: the event is made while reading it.
    static func readCaptureLead(_ command: Command) throws -> PreparedDecision {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        let company = try r.text("company")
        let contactName = try r.text("contactName")
        let phone = try optionalNonBlankText(&r, "phone")
        let email = try optionalNonBlankText(&r, "email")
        let source = try r.text("source")
        let estimatedValue = try r.optionalMoney("estimatedValue")
        try r.finish()
        if let email, !looksLikeEmail(email) { throw DomainError.invalid("email", "email must look like name@domain") }
        let events = [
            CRMEvents.leadCaptured(
                leadId: leadId, company: company, contactName: contactName, phone: phone, email: email, source: source,
                estimatedValue: estimatedValue)
        ]
        return { _, state in
            if state.crm.leads[leadId] != nil { throw DomainError.alreadyExists("lead", leadId) }
            return events
        }
    }

    /// The actor claims a pool lead for themselves; every pool rule applies.
    static func claimLead(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws -> [NewEvent] {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        try r.finish()
        guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
        let repId = context.actor.id
        try LeadPool.requireInPool(lead)
        try LeadPool.requireCapacity(for: repId, state: state)
        try LeadPool.requireDailyClaimLeft(for: repId, now: context.now, state: state)
        try LeadPool.requireReclaimAllowed(lead, by: repId, now: context.now, state: state)
        return [CRMEvents.leadClaimed(leadId: leadId, repId: repId)]
    }

    /// A manager gives a pool lead to themselves or a report (an admin to anyone): capacity applies,
    /// the daily limit and the re-claim lock do not. The assignee must be an active employee; any of
    /// their roles will do (the contract does not ask for `sales`).
    static func assignLead(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws -> [NewEvent] {
        var r = try DataReader(command.data)
        let leadId = try r.id("leadId")
        let repId = try r.id("repId")
        try r.finish()
        guard let lead = state.crm.leads[leadId] else { throw DomainError.notFound("lead", leadId) }
        try OrgArea.requireActiveEmployee(repId, state: state, role: "assignee")
        try CRMAccess.requireMayAssign(context.actor, to: repId, state: state)
        try LeadPool.requireInPool(lead)
        try LeadPool.requireCapacity(for: repId, state: state)
        return [CRMEvents.leadAssigned(leadId: leadId, repId: repId, assignedBy: context.actor.id)]
    }

    // MARK: Helpers

    /// Optional free text where blank means "not given" (a blank phone is no phone).
    static func optionalNonBlankText(_ r: inout DataReader, _ field: String) throws -> String? {
        guard let text = try r.optionalText(field), !FreeText.isBlank(text) else { return nil }
        return text
    }

    /// Optional free text that, when given, must not be blank (`invalid_argument`): a name or a title.
    static func optionalNonBlankRequiredText(_ r: inout DataReader, _ field: String) throws -> String? {
        r.has(field) ? try r.text(field) : try r.optionalText(field)
    }

    /// A deliberately loose check — one `@` with text either side, no white space — that catches
    /// a phone number typed into the e-mail field without refusing real addresses.
    static func looksLikeEmail(_ text: String) -> Bool {
        if let answer = looksLikeASCIIEmail(text) { return answer }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !text.contains(where: \.isWhitespace)
    }

    /// The same answer from the bytes of ASCII-only text (nil for any other text).
    private static func looksLikeASCIIEmail(_ text: String) -> Bool? {
        var ats = 0
        var atIndex = -1
        var count = 0
        var whitespace = false
        for b in text.utf8 {
            if b >= 0x80 { return nil }
            if b == UInt8(ascii: "@") {
                ats += 1
                atIndex = count
            }
            if ASCIIText.isWhitespace(b) { whitespace = true }
            count += 1
        }
        return ats == 1 && atIndex > 0 && atIndex < count - 1 && !whitespace
    }
}
