/// OA state: expenses and their approval chains.
public struct OAState: Sendable {
    public init() {}
}
