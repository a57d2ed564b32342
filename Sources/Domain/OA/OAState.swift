/// OA state: expenses and their approval chains, keyed by expense id so every decision is O(1).
public struct OAState: Sendable {
    /// (Grows a little at a time: see ``IncrementalMap``.)
    public var expenses = IncrementalMap<String, Expense>()

    public init() {}

    public func expense(_ id: String) -> Expense? { expenses[id] }
}
