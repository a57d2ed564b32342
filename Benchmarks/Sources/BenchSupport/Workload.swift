import EventLog

/// A small, fast, seedable generator (SplitMix64), so every run appends the same sequence.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (Lemire's multiply-shift; the bias is negligible for our bounds).
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: (UInt128(next()) &* UInt128(UInt64(bound))) >> 64)
    }
}

/// The benchmark's event shape (the event log issue):
///
/// - the stream is picked uniformly from `streams` lead streams, `lead-L-<n>`;
/// - two tags, `lead:L-<n>` and `rep:E-<n % 40>`;
/// - a realistic CRM event type (eight names, 12–17 bytes, weighted like a sales pipeline);
/// - ~300-byte JSON-looking payload bytes (270–330, mean 300), from a pool of 4,096 distinct payloads;
/// - one append = one command: an actor (`E-<k>`) and a command id (`cmd-<seed>-<seq>`) per append.
public struct Workload: Sendable {
    public static let defaultStreams = 100_000
    public static let reps = 40

    /// Event types and their weights (out of 100).
    public static let types: [(name: String, weight: Int)] = [
        ("LeadCaptured", 10), ("LeadAssigned", 10), ("LeadContacted", 25), ("LeadNoteAdded", 20),
        ("LeadQualified", 10), ("MeetingScheduled", 10), ("LeadStatusChanged", 10), ("LeadConverted", 5),
    ]

    public let streams: Int
    public let seed: UInt64
    public let withCommandIds: Bool
    private var rng: SplitMix64
    private var commandSeq: UInt64 = 0
    private let payloads: [[UInt8]]
    private let typeTable: [String]  // 100 entries, by weight

    public init(streams: Int = Workload.defaultStreams, seed: UInt64 = 42, withCommandIds: Bool = true) {
        self.streams = streams
        self.seed = seed
        self.withCommandIds = withCommandIds
        var rng = SplitMix64(seed: seed)
        var table: [String] = []
        for (name, weight) in Self.types { table += Array(repeating: name, count: weight) }
        typeTable = table
        payloads = (0..<4096).map { _ in Self.makePayload(&rng, streams: streams) }
        self.rng = rng
    }

    /// Mean payload size of the pool, in bytes.
    public var meanPayloadBytes: Double {
        Double(payloads.reduce(0) { $0 + $1.count }) / Double(payloads.count)
    }

    /// One event of the benchmark shape.
    public mutating func nextEvent() -> EventToAppend {
        let n = rng.below(streams)
        let type = typeTable[rng.below(typeTable.count)]
        let data = payloads[rng.below(payloads.count)]
        return EventToAppend(
            stream: "lead-L-\(n)", type: type, schema: 1,
            tags: ["lead:L-\(n)", "rep:E-\(n % Self.reps)"], data: data)
    }

    /// One append request carrying `count` events (one command, one actor).
    public mutating func request(events count: Int) -> AppendRequest {
        var events: [EventToAppend] = []
        events.reserveCapacity(count)
        for _ in 0..<count { events.append(nextEvent()) }
        commandSeq += 1
        return AppendRequest(
            events: events, actor: "E-\(rng.below(Self.reps))",
            commandId: withCommandIds ? "cmd-\(seed)-\(commandSeq)" : nil,
            fingerprint: commandSeq)
    }

    // MARK: Payloads

    private static let firstNames = ["Alex", "Maria", "Chen", "Priya", "Jonas", "Fatima", "Diego", "Aiko", "Noah", "Lena"]
    private static let lastNames = ["Morgan", "Schmidt", "Okafor", "Larsen", "Tanaka", "Rossi", "Novak", "Haddad", "Silva", "Brown"]
    private static let companies = ["Northwind Traders", "Contoso Ltd", "Fabrikam Inc", "Globex", "Initech", "Umbrella Logistics",
                                    "Tailspin Toys", "Wide World Importers", "Litware", "Proseware"]
    private static let sources = ["web-form", "referral", "trade-show", "cold-call", "partner", "webinar"]
    private static let stages = ["new", "contacted", "qualified", "proposal", "negotiation"]
    private static let notes =
        "Asked for a demo of the reporting module; budget approved for Q3, decision by the ops director. "
        + "Prefers email in the morning. Current vendor contract ends in September; wants volume pricing. "

    static func makePayload(_ rng: inout SplitMix64, streams: Int) -> [UInt8] {
        let n = rng.below(streams)
        let first = firstNames[rng.below(firstNames.count)]
        let last = lastNames[rng.below(lastNames.count)]
        let company = companies[rng.below(companies.count)]
        let domain = company.lowercased().filter { $0.isLetter }
        let phone = 1000 + rng.below(9000)
        let head = #"{"leadId":"L-\#(n)","company":"\#(company)","contact":{"name":"\#(first) \#(last)","email":"\#(first.lowercased()).\#(last.lowercased())@\#(domain).example","phone":"+1-555-01\#(phone)"},"source":"\#(sources[rng.below(sources.count)])","score":\#(rng.below(100)),"stage":"\#(stages[rng.below(stages.count)])","note":""#
        let tail = #""}"#
        let target = 270 + rng.below(61)  // 270...330, mean 300
        let noteBytes = Array(notes.utf8)
        var out = Array(head.utf8)
        let room = max(0, target - out.count - tail.utf8.count)
        let start = rng.below(noteBytes.count / 2)
        for i in 0..<room { out.append(noteBytes[(start + i) % noteBytes.count]) }
        out += Array(tail.utf8)
        return out
    }
}
