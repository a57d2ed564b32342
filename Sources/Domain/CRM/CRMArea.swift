/// CRM: leads and the lead pool, customers, opportunities.
enum CRMArea {
    static let handlers: [CommandType: CommandHandler] = [:]
    static let evolvers: [EventType: EventEvolver] = [:]
}
