import CommandProcessing
import Domain

/// The demo company: a mid-size firm and a year (2025) of its history, generated deterministically
/// from a seed, as commands for the real ``CommandProcessor``.
///
/// At scale 1: a CEO, a sales director, 5 sales managers with 40 reps, a head of finance with 3
/// clerks, a warehouse lead with 6 clerks, an auditor, an analyst and a service account; 3
/// warehouses; 300 products; and about a million events — leads captured, claimed, released,
/// recycled and converted; opportunities won and lost; orders reserved, shipped, cancelled and
/// returned; stock received, counted and transferred; expenses submitted, approved, rejected and
/// paid; people joining and leaving. `scale` multiplies the head count, the catalog and so the
/// history (`scale: 10` gives about ten million events).
///
/// ```swift
/// for request in DemoCompany.generate(seed: 2026, scale: 0.1) {
///     _ = try await processor.execute(request)
/// }
/// ```
///
/// Every request carries an explicit `at` (non-decreasing, 2025-01-01T08:00Z to 2025-12-31), a
/// unique `commandId` (`demo-<n>`, and `recycle-YYYY-MM-DD` for the nightly `RecycleStaleLeads` that
/// `system` issues at 00:05 Berlin time) and the acting employee as `actorId` (`admin` for setup and
/// HR). The generator is pure — no I/O, no clock, no system randomness — and streams: it keeps a
/// light model of the company, not the commands it produced.
public enum DemoCompany {
    /// The default seed.
    public static let defaultSeed: UInt64 = 2026

    /// The history as a lazy sequence of commands (see ``DemoCompany``).
    public static func generate(seed: UInt64 = defaultSeed, scale: Double = 1.0) -> DemoHistory {
        DemoHistory(seed: seed, scale: scale)
    }

    /// Demo tokens for every employee of the history (including those who join or leave during the
    /// year) plus `admin`, in employee id order with `admin` last.
    ///
    /// **Demo only**: the tokens are derived from the seed, so anyone who knows the seed knows them.
    /// Never use them for a store holding real data.
    public static func tokens(seed: UInt64 = defaultSeed, scale: Double = 1.0) -> [DemoToken] {
        let roster = DemoRoster(seed: seed, scale: scale)
        var tokens = roster.staff.map { staff in
            DemoToken(
                token: token(seed: seed, for: staff.id), employeeId: staff.id, name: staff.name, title: staff.job.title,
                roles: staff.job.roles, active: staff.leaveDay == nil)
        }
        tokens.append(
            DemoToken(
                token: token(seed: seed, for: "admin"), employeeId: "admin", name: "Administrator",
                title: "Administrator",
                roles: ["admin"], active: true))
        return tokens
    }

    /// The tokens file `serve --tokens` reads: `{"<token>": "<employeeId>", …}`, one entry per line.
    public static func tokensFile(_ tokens: [DemoToken]) -> String {
        var out = "{\n"
        for (i, t) in tokens.enumerated() {
            out += "  \"\(t.token)\": \"\(t.employeeId)\"" + (i < tokens.count - 1 ? ",\n" : "\n")
        }
        return out + "}\n"
    }

    private static func token(seed: UInt64, for employeeId: String) -> String {
        var mix = SplitMix64(seed: SplitMix64.mix(seed, "token:" + employeeId))
        let bits = mix.next()
        var hex = String(bits, radix: 16)
        while hex.count < 16 { hex = "0" + hex }
        return "demo-" + employeeId.lowercased() + "-" + hex
    }
}

/// A demo token and who it authenticates (see ``DemoCompany/tokens(seed:scale:)``).
public struct DemoToken: Sendable, Hashable {
    public var token: String
    /// An employee id, or `admin`.
    public var employeeId: String
    public var name: String
    /// The job, for people reading the table (`Sales rep`, `CEO`, …).
    public var title: String
    public var roles: [String]
    /// False for employees who leave during the year: their token is `unauthenticated` at the end.
    public var active: Bool
}

/// The demo company's history: a lazy, deterministic sequence of commands.
public struct DemoHistory: Sequence, Sendable {
    public let seed: UInt64
    public let scale: Double

    public func makeIterator() -> Iterator { Iterator(DemoSimulation(seed: seed, scale: scale)) }

    /// Produces commands one by one, simulating the company as it goes.
    public struct Iterator: IteratorProtocol {
        let simulation: DemoSimulation

        init(_ simulation: DemoSimulation) { self.simulation = simulation }

        public mutating func next() -> CommandRequest? { simulation.next() }

        /// How many events the commands produced so far will write, as the generator's model
        /// predicts them (the processor's count is the truth).
        public var predictedEvents: Int { simulation.predictedEvents }
    }
}
