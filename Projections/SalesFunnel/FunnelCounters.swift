import ProjectionRuntime

/// The funnel's additive figures for a set of opportunities: what one opportunity contributes, what
/// a day's bucket sums, what a query adds up. Subtracting an opportunity's old contribution and
/// adding its new one keeps every bucket exact.
struct FunnelCounters: ViewRecord, Equatable {
    static let stageCount = 6
    static let rankCount = 5
    static let stayStages = 4

    /// Per stage (discovery … negotiation, won, lost): opportunities now there, their amount and
    /// their amount × probability / 100 (ten-thousandths).
    /// (Fixed-size inline arrays: a bucket is one flat value, changed in place, never allocated.)
    var count = InlineArray<6, Int64>(repeating: 0)
    var amount = InlineArray<6, Int128>(repeating: 0)
    var weighted = InlineArray<6, Int128>(repeating: 0)
    /// Per forward rank (discovery … won): opportunities that ever reached it (or a later one).
    var reached = InlineArray<5, Int64>(repeating: 0)
    /// Per open stage: total milliseconds and number of completed stays.
    var stayMilliseconds = InlineArray<4, Int64>(repeating: 0)
    var stays = InlineArray<4, Int64>(repeating: 0)

    init() {}

    static func == (a: FunnelCounters, b: FunnelCounters) -> Bool {
        same(a.count, b.count) && same(a.amount, b.amount) && same(a.weighted, b.weighted)
            && same(a.reached, b.reached) && same(a.stayMilliseconds, b.stayMilliseconds) && same(a.stays, b.stays)
    }

    static func same<let n: Int, T: Equatable>(_ a: InlineArray<n, T>, _ b: InlineArray<n, T>) -> Bool {
        for i in a.indices where a[i] != b[i] { return false }
        return true
    }

    static func += (a: inout FunnelCounters, b: FunnelCounters) {
        for i in 0..<stageCount {
            a.count[i] += b.count[i]
            a.amount[i] += b.amount[i]
            a.weighted[i] += b.weighted[i]
        }
        for i in 0..<rankCount { a.reached[i] += b.reached[i] }
        for i in 0..<stayStages {
            a.stayMilliseconds[i] += b.stayMilliseconds[i]
            a.stays[i] += b.stays[i]
        }
    }

    /// Adds (`sign` 1) or removes (`sign` −1) what one opportunity contributes, in place.
    mutating func add(_ o: FunnelOpportunity, sign: Int64) {
        count[o.stage] += sign
        amount[o.stage] += Int128(sign) * Int128(o.amount)
        weighted[o.stage] += Int128(sign) * (Int128(o.amount) * Int128(o.probability) / 100)
        for k in 0...min(max(o.maxRank, 0), Self.rankCount - 1) { reached[k] += sign }
        for i in 0..<Self.stayStages {
            stayMilliseconds[i] += sign * o.stayMilliseconds[i]
            stays[i] += sign * o.stays[i]
        }
    }

    static prefix func - (a: FunnelCounters) -> FunnelCounters {
        var n = FunnelCounters()
        for i in 0..<stageCount {
            n.count[i] = -a.count[i]
            n.amount[i] = -a.amount[i]
            n.weighted[i] = -a.weighted[i]
        }
        for i in 0..<rankCount { n.reached[i] = -a.reached[i] }
        for i in 0..<stayStages {
            n.stayMilliseconds[i] = -a.stayMilliseconds[i]
            n.stays[i] = -a.stays[i]
        }
        return n
    }

    func encode(into w: inout RecordWriter) {
        for i in 0..<Self.stageCount {
            w.int(count[i])
            w.int128(amount[i])
            w.int128(weighted[i])
        }
        for i in 0..<Self.rankCount { w.int(reached[i]) }
        for i in 0..<Self.stayStages {
            w.int(stayMilliseconds[i])
            w.int(stays[i])
        }
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        for i in 0..<Self.stageCount {
            count[i] = try r.int()
            amount[i] = try r.int128()
            weighted[i] = try r.int128()
        }
        for i in 0..<Self.rankCount { reached[i] = try r.int() }
        for i in 0..<Self.stayStages {
            stayMilliseconds[i] = try r.int()
            stays[i] = try r.int()
        }
    }
}

/// `salesFunnel.opportunities`: opportunityId → what the funnel needs of it.
struct FunnelOpportunity: ViewRecord, Equatable {
    var repId: String
    var openedAt: Int64
    var amount: Int64
    var probability: Int
    /// Index into ``SalesFunnel/stages``.
    var stage: Int
    var stageEnteredAt: Int64
    /// The furthest forward rank reached (0 discovery … 4 won).
    var maxRank: Int
    var stayMilliseconds = InlineArray<4, Int64>(repeating: 0)
    var stays = InlineArray<4, Int64>(repeating: 0)

    static func == (a: FunnelOpportunity, b: FunnelOpportunity) -> Bool {
        a.repId == b.repId && a.openedAt == b.openedAt && a.amount == b.amount && a.probability == b.probability
            && a.stage == b.stage && a.stageEnteredAt == b.stageEnteredAt && a.maxRank == b.maxRank
            && FunnelCounters.same(a.stayMilliseconds, b.stayMilliseconds) && FunnelCounters.same(a.stays, b.stays)
    }

    init(repId: String, openedAt: Int64, amount: Int64, probability: Int, stage: Int) {
        self.repId = repId
        self.openedAt = openedAt
        self.amount = amount
        self.probability = probability
        self.stage = stage
        self.stageEnteredAt = openedAt
        self.maxRank = min(stage, 4)
    }

    /// The day (UTC, days since the epoch) it opened: its bucket.
    var openedDay: Int64 { SalesFunnel.day(of: openedAt) }

    /// Ends the stay in the current stage at `at` (when it is an open stage).
    mutating func leaveStage(at: Int64) {
        if stage < FunnelCounters.stayStages {
            stayMilliseconds[stage] += max(0, at - stageEnteredAt)
            stays[stage] += 1
        }
    }

    var contribution: FunnelCounters {
        var c = FunnelCounters()
        c.count[stage] = 1
        c.amount[stage] = Int128(amount)
        c.weighted[stage] = Int128(amount) * Int128(probability) / 100
        for k in 0...min(maxRank, 4) { c.reached[k] = 1 }
        c.stayMilliseconds = stayMilliseconds
        c.stays = stays
        return c
    }

    func encode(into w: inout RecordWriter) {
        w.string(repId)
        w.int(openedAt)
        w.int(amount)
        w.int(probability)
        w.int(stage)
        w.int(stageEnteredAt)
        w.int(maxRank)
        for i in 0..<FunnelCounters.stayStages {
            w.int(stayMilliseconds[i])
            w.int(stays[i])
        }
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        repId = try r.string()
        openedAt = try r.int()
        amount = try r.int()
        probability = try r.intValue()
        stage = try r.intValue()
        stageEnteredAt = try r.int()
        maxRank = try r.intValue()
        for i in 0..<FunnelCounters.stayStages {
            stayMilliseconds[i] = try r.int()
            stays[i] = try r.int()
        }
    }
}

/// `salesFunnel.leads`: repId (or `*` for everyone) → lead pool counts.
struct LeadCounters: ViewRecord {
    /// Only in everyone's record: leads in the pool now.
    var inPool: Int64 = 0
    var claimed: Int64 = 0
    var converted: Int64 = 0
    var disqualified: Int64 = 0
    var recycled: Int64 = 0

    init() {}

    func encode(into w: inout RecordWriter) {
        w.int(inPool)
        w.int(claimed)
        w.int(converted)
        w.int(disqualified)
        w.int(recycled)
    }

    init(from r: inout RecordReader) throws(RecordDecodingError) {
        inPool = try r.int()
        claimed = try r.int()
        converted = try r.int()
        disqualified = try r.int()
        recycled = try r.int()
    }
}

/// `salesFunnel.opened`: opening time ‖ position → opportunityId (for periods that cut through a day).
struct OpportunityId: ViewRecord {
    var id: String

    init(_ id: String) { self.id = id }
    func encode(into w: inout RecordWriter) { w.string(id) }
    init(from r: inout RecordReader) throws(RecordDecodingError) { id = try r.string() }
}

/// A key of two big-endian numbers: time then position.
struct TimeKey: TableKey {
    var at: Int64
    var position: UInt64

    func encode(into bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(bitPattern: at ^ Int64.min).bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: position.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func bytes(at: Int64) -> [UInt8] {
        var b: [UInt8] = []
        TimeKey(at: at, position: 0).encode(into: &b)
        return b
    }
}
