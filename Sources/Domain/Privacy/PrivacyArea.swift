import JSON

/// Erasure of personal data (CONTRACT §8): `ForgetSubject {subject, reason}`, admin only.
///
/// The decider records the decision; destroying the subject's key happens outside the domain, once
/// the `SubjectForgotten` event is durable.
enum PrivacyArea {
    /// Subject kinds with personal data: a lead's contact details, an employee's name.
    static let subjectKinds: Set<String> = ["lead", "employee"]

    static let handlers: [CommandType: CommandHandler] = ["ForgetSubject": forgetSubject]

    static let evolvers: [EventType: EventEvolver] = [
        "SubjectForgotten": { state, e in
            if let subject = e.data["subject"]?.stringValue { state.forgottenSubjects.insert(subject) }
        }
    ]

    static func forgetSubject(_ command: Command, _ context: CommandContext, _ state: CompanyState) throws -> [NewEvent] {
        var r = try DataReader(command.data)
        let subject = try r.string("subject")
        let reason = try r.reason()
        try r.finish()
        let parts = subject.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, subjectKinds.contains(parts[0]), Identifier.isValid(parts[1]) else {
            throw DomainError.invalid("subject", "subject must be lead:<leadId> or employee:<employeeId>")
        }
        let (kind, id) = (parts[0], parts[1])
        switch kind {
        case "lead": guard state.crm.leads[id] != nil else { throw DomainError.notFound("lead", id) }
        default: guard state.org.employees[id] != nil else { throw DomainError.notFound("employee", id) }
        }
        if state.forgottenSubjects.contains(subject) {
            throw DomainError(.alreadyExists, "\(subject) was already forgotten", details: ["subject": .string(subject)])
        }
        return [NewEvent(
            stream: "subject-\(subject)", type: "SubjectForgotten", tags: [subject],
            data: ["subject": .string(subject), "reason": .string(reason)])]
    }
}
