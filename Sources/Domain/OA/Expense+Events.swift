import JSON

extension Expense {
    /// `expense-<id>`: every OA event of one expense goes to its stream.
    public var stream: String { "expense-\(id)" }

    /// `expense:`, `employee:` (the requester, the subject), and `customer:` / `opportunity:` when linked,
    /// on every event of the expense so a tag filter sees its whole history.
    public var tags: [String] {
        var tags = ["expense:\(id)", "employee:\(requesterId)"]
        if let customerId { tags.append("customer:\(customerId)") }
        if let opportunityId { tags.append("opportunity:\(opportunityId)") }
        return tags
    }

    /// An event of this expense; `expenseId` and `requesterId` lead every payload.
    func event(_ type: EventType, _ fields: JSONObject) -> NewEvent {
        var data: JSONObject = ["expenseId": .string(id), "requesterId": .string(requesterId)]
        data.reserveCapacity(2 + fields.count)
        for (key, value) in fields { data[key] = value }
        return NewEvent(stream: stream, type: type, tags: tags, data: data)
    }
}
