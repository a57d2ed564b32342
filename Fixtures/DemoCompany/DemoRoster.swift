/// What an employee of the demo company does; decides their roles and their part in the history.
enum DemoJob: Sendable {
    case ceo, salesDirector, salesManager, salesRep, financeHead, financeClerk
    case warehouseLead, warehouseClerk, auditor, analyst, integration

    var roles: [String] {
        switch self {
        case .ceo: ["ceo"]
        case .salesDirector, .salesManager: ["manager"]
        case .salesRep: ["sales"]
        case .financeHead, .financeClerk: ["finance"]
        case .warehouseLead, .warehouseClerk: ["warehouse"]
        case .auditor: ["auditor"]
        case .analyst: ["analyst"]
        case .integration: ["integration"]
        }
    }

    var title: String {
        switch self {
        case .ceo: "CEO"
        case .salesDirector: "Sales director"
        case .salesManager: "Sales manager"
        case .salesRep: "Sales rep"
        case .financeHead: "Head of finance"
        case .financeClerk: "Finance clerk"
        case .warehouseLead: "Warehouse lead"
        case .warehouseClerk: "Warehouse clerk"
        case .auditor: "Internal auditor"
        case .analyst: "Business analyst"
        case .integration: "Service account"
        }
    }
}

/// One employee of the demo company, with when they join and leave.
struct DemoStaff: Sendable {
    let index: Int
    let id: String
    let name: String
    let job: DemoJob
    let managerIndex: Int?
    /// The day of the year they are registered; nil for the opening roster (registered at setup).
    let joinDay: Int?
    /// The day of the year they are deactivated, if they leave.
    var leaveDay: Int?
    /// The warehouse a warehouse clerk works in (0..<3).
    let warehouse: Int
}

/// A change to the organisation during the year.
enum DemoStaffChange: Sendable {
    case hire(Int)
    case leave(Int)
    case move(Int, toManager: Int)
    case rename(Int, String)
}

/// The demo company's people: the opening roster (about 40 reps under 5 managers at scale 1, a sales
/// director, a CEO, finance, warehouse staff, an auditor, an analyst, a service account) and the
/// year's hires, departures, team moves and a change of name. Derived from the seed and the scale only.
struct DemoRoster: Sendable {
    let staff: [DemoStaff]
    /// Changes by day of the year, in order.
    let changes: [(day: Int, change: DemoStaffChange)]
    /// The rep exempted from the CEO step up to 10,000.
    let exemptRep: Int

    static let firstNames = [
        "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hannah", "Ibrahim", "Jonas", "Katrin", "Lukas",
        "Mia", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Sofia", "Tobias", "Ulrike", "Viktor", "Wiebke", "Xaver",
        "Yasmin", "Zoe", "Amir", "Birgit", "Carlos", "Dilara", "Emil", "Fatima", "Georg", "Helga", "Ivan", "Julia",
        "Karl", "Lena", "Marta", "Nils", "Oskar", "Petra", "Ruth", "Stefan", "Tanja", "Uwe", "Vera", "Wolfgang",
    ]
    static let lastNames = [
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
        "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger",
        "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Maier", "Kaya", "Nowak", "Yilmaz", "Rossi",
        "Jansen", "Peters", "Vogel", "Frank", "Berger", "Kaiser", "Fuchs", "Scholz", "Möller",
    ]

    init(seed: UInt64, scale: Double) {
        var rng = DemoRandom(seed: SplitMix64.mix(seed, "roster"))
        func count(_ base: Double, minimum: Int) -> Int { max(minimum, Int((base * scale).rounded())) }
        let managers = count(5, minimum: 2)
        let reps = count(40, minimum: 4)
        let financeClerks = count(3, minimum: 2)
        let warehouseClerks = count(6, minimum: 2)
        var staff: [DemoStaff] = []
        var changes: [(day: Int, change: DemoStaffChange)] = []

        func add(_ job: DemoJob, manager: Int?, joinDay: Int? = nil, warehouse: Int = 0) -> Int {
            let index = staff.count
            let name = rng.pick(DemoRoster.firstNames) + " " + rng.pick(DemoRoster.lastNames)
            staff.append(
                DemoStaff(
                    index: index, id: "E-\(1001 + index)", name: name, job: job, managerIndex: manager,
                    joinDay: joinDay, leaveDay: nil, warehouse: warehouse))
            return index
        }
        let ceo = add(.ceo, manager: nil)
        let director = add(.salesDirector, manager: ceo)
        let managerIndexes = (0..<managers).map { _ in add(.salesManager, manager: director) }
        let repIndexes = (0..<reps).map { i in add(.salesRep, manager: managerIndexes[i % managers]) }
        let financeHead = add(.financeHead, manager: ceo)
        let clerkIndexes = (0..<financeClerks).map { _ in add(.financeClerk, manager: financeHead) }
        let warehouseLead = add(.warehouseLead, manager: ceo)
        for i in 0..<warehouseClerks { _ = add(.warehouseClerk, manager: warehouseLead, warehouse: i % 3) }
        _ = add(.auditor, manager: ceo)
        _ = add(.analyst, manager: ceo)
        _ = add(.integration, manager: nil)
        let exemptRep = repIndexes[0]

        // Departures: about one rep in ten, never the exempt rep; a finance clerk when three or more.
        let leaving = count(4, minimum: 1)
        var candidates = Array(repIndexes.dropFirst())
        var leavers: [Int] = []
        for _ in 0..<min(leaving, candidates.count - 1) {
            leavers.append(candidates.remove(at: rng.below(candidates.count)))
        }
        if financeClerks >= 3 { leavers.append(clerkIndexes[rng.below(clerkIndexes.count)]) }
        for i in leavers {
            let day = rng.int(40...320)
            staff[i].leaveDay = day
            changes.append((day, .leave(i)))
        }
        // Team moves among those who stay, when there is another team to move to.
        if managers >= 2 {
            for _ in 0..<count(2, minimum: 1) where !candidates.isEmpty {
                let rep = candidates.remove(at: rng.below(candidates.count))
                let current = staff[rep].managerIndex!
                let others = managerIndexes.filter { $0 != current }
                changes.append((rng.int(60...300), .move(rep, toManager: rng.pick(others))))
            }
        }
        // Hires: new reps through the year, a finance clerk and a warehouse clerk.
        var hires: [(day: Int, job: DemoJob, manager: Int, warehouse: Int)] = []
        for _ in 0..<count(6, minimum: 1) { hires.append((rng.int(20...300), .salesRep, rng.pick(managerIndexes), 0)) }
        hires.append((rng.int(90...200), .financeClerk, financeHead, 0))
        hires.append((rng.int(90...200), .warehouseClerk, warehouseLead, rng.below(3)))
        hires.sort { $0.day < $1.day }
        for h in hires {
            let i = add(h.job, manager: h.manager, joinDay: h.day, warehouse: h.warehouse)
            changes.append((h.day, .hire(i)))
        }
        // A change of name (an UpdateEmployee that changes nothing else).
        if let renamed = candidates.first {
            let last = rng.pick(DemoRoster.lastNames)
            let first = staff[renamed].name.split(separator: " ").first.map(String.init) ?? "Alex"
            changes.append((rng.int(100...250), .rename(renamed, first + " " + last)))
        }
        changes.sort { $0.day < $1.day }
        self.staff = staff
        self.changes = changes
        self.exemptRep = exemptRep
    }

    func indexes(of job: DemoJob) -> [Int] { staff.filter { $0.job == job }.map(\.index) }
}
