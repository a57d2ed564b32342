/// OA: expense approvals.
enum OAArea {
    static let handlers: [CommandType: CommandHandler] = [:]
    static let evolvers: [EventType: EventEvolver] = [:]
}
