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

        @inlinable
        public init(idField: String, kind: String, fields: [String]) {
            self.idField = idField
            self.kind = kind
            self.fields = fields
        }
    }

    /// The rule for events of `type`, if they carry personal fields.
    ///
    /// A `switch` over literals, built where asked: the writer's stager and encoder and the tasks that
    /// preseal ask for every event, and a rule read out of a shared table (as this did) retained and
    /// released that table and the rules' arrays from all three threads — their reference counts'
    /// cache lines moved between the cores for every event.
    ///
    /// Not `@inlinable`, on purpose. The optimizer turns each array literal here into a static object
    /// named after this function and its position (`…Tv_`, `…Tv0_`), emitted as a weak symbol by
    /// every module that inlines the function; the Swift 6.3 compiler numbered the two arrays in
    /// opposite orders in `PersonalData` and `CommandProcessing`, the linker kept one definition of
    /// each name, and release builds looked for a lead's `name` and an employee's contact fields,
    /// which they do not have, and stored the real ones in plain text. `make test` runs the end-to-end suite against
    /// the release server and checks its object files for such conflicts
    /// (`scripts/check-outlined-objects.sh`).
    public static func rule(for type: String) -> Rule? {
        switch type {
        case "LeadCaptured": Rule(idField: "leadId", kind: "lead", fields: ["contactName", "phone", "email"])
        case "EmployeeRegistered", "EmployeeUpdated": Rule(idField: "employeeId", kind: "employee", fields: ["name"])
        default: nil
        }
    }

    /// Whether events of `type` carry personal fields: ``rule(for:)`` without building the rule.
    @inlinable
    public static func hasPersonalFields(_ type: String) -> Bool {
        switch type {
        case "LeadCaptured", "EmployeeRegistered", "EmployeeUpdated": true
        default: false
        }
    }

    /// The event types that carry personal fields (those ``hasPersonalFields(_:)`` names).
    public static let eventTypes: Set<String> = ["LeadCaptured", "EmployeeRegistered", "EmployeeUpdated"]

    /// Whether a stored field value is sealed (`enc2.…`, or `enc1.…` from stores before the key pool).
    public static func isSealed(_ value: String) -> Bool { SubjectKeyStore.isSealed(value) }

    /// The subject kinds that `ForgetSubject` accepts.
    public static let subjectKinds: Set<String> = ["lead", "employee"]

    /// The subject an event's personal fields belong to, when it has any.
    public static func subject(ofType type: String, data: JSONObject) -> (subject: String, fields: [String])? {
        guard let rule = rule(for: type), let id = data[rule.idField]?.stringValue else { return nil }
        return ("\(rule.kind):\(id)", rule.fields)
    }
}
