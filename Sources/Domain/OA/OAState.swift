import IdHashing

/// OA state: expenses and their approval chains, keyed by expense id so every decision is O(1).
public struct OAState: Sendable {
    public var expenses: IdMap<Expense> = [:]

    public init() {}

    public func expense(_ id: String) -> Expense? { expenses[id] }
}
