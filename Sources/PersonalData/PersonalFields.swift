import JSON

/// What is personal data in Chronicle (CONTRACT §8), and whose it is.
///
/// Personal: a lead's `contactName`, `phone` and `email` (subject `lead:<leadId>`); an employee's
/// `name` (subject `employee:<employeeId>`). Not personal: company and customer names, product data,
/// amounts, notes and reasons (free text is the writer's responsibility), ids, tags and times.
public enum PersonalFields {
    public struct Rule: Sendable {
        /// The payload field holding the subject's id, and the subject's kind.
        public var idField: String
        public var kind: String
        public var fields: [String]
    }

    public static let rules: [String: Rule] = [
        "LeadCaptured": Rule(idField: "leadId", kind: "lead", fields: ["contactName", "phone", "email"]),
        "EmployeeRegistered": Rule(idField: "employeeId", kind: "employee", fields: ["name"]),
        "EmployeeUpdated": Rule(idField: "employeeId", kind: "employee", fields: ["name"]),
    ]

    /// The rule for events of `type`, if they carry personal fields. (Three entries: comparing names
    /// beats hashing `type`, and the command processor asks for every event it decides.)
    public static func rule(for type: String) -> Rule? {
        for (name, rule) in rules where name == type { return rule }
        return nil
    }

    /// The subject kinds that `ForgetSubject` accepts.
    public static let subjectKinds: Set<String> = ["lead", "employee"]

    /// The subject an event's personal fields belong to, when it has any.
    public static func subject(ofType type: String, data: JSONObject) -> (subject: String, fields: [String])? {
        guard let rule = rule(for: type), let id = data[rule.idField]?.stringValue else { return nil }
        return ("\(rule.kind):\(id)", rule.fields)
    }
}
