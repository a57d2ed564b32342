import CommandProcessing
import Domain
import JSON

/// The simulated company: its light model, the agenda of what happens next, and the commands that
/// come out, in time order.
///
/// Each action looks at the model when its time comes, issues only commands the deciders will
/// accept, and updates the model the way the events will update the real state. Actions that no
/// longer make sense (a lead that was recycled meanwhile, a rep who left) issue nothing.
final class DemoSimulation {
    let scale: Double
    var rng: DemoRandom
    let roster: DemoRoster
    let catalog: DemoCatalog
    let calendar = DemoCalendar()
    var agenda = DemoAgenda()

    // Organisation.
    var employees: [EmployeeModel]
    var rules = (capacity: 30, dailyLimit: 8, lockDays: 7, recycleDays: 14)
    let ceoThresholdCents: Int64 = 500_000
    let exemptionCents: Int64 = 1_000_000
    let ceo: Int
    let director: Int
    let managers: [Int]
    /// Active warehouse clerks by warehouse.
    var clerks: [[Int]] = [[], [], []]

    // CRM.
    var leads: [LeadModel] = []
    var pool: [Int] = []
    var customers: [CustomerModel] = []
    /// Customers by owning employee index.
    var customersByOwner: [[Int]]
    var opportunities: [OpportunityModel] = []

    // ERP.
    var orders: [OrderModel] = []
    /// Stock per product and warehouse, at `product * 3 + warehouse`.
    var stock: [StockModel]
    var receiptCount = 0
    var adjustmentCount = 0
    var transferCount = 0
    var returnCount = 0

    // OA.
    var expenses: [ExpenseModel] = []

    // Output.
    var output: [CommandRequest] = []
    var outputIndex = 0
    /// The time of the last command issued; every later command is at or after it.
    var clock: Int64 = DemoCalendar.yearStart
    var commandCount = 0
    /// Events the accepted commands will write, as the model predicts them.
    var predictedEvents = 0

    init(seed: UInt64, scale: Double) {
        self.scale = scale
        rng = DemoRandom(seed: SplitMix64.mix(seed, "history"))
        roster = DemoRoster(seed: seed, scale: scale)
        catalog = DemoCatalog(seed: seed, scale: scale)
        employees = roster.staff.map { EmployeeModel(managerIndex: $0.managerIndex) }
        customersByOwner = Array(repeating: [], count: roster.staff.count)
        stock = Array(repeating: StockModel(), count: catalog.products.count * 3)
        ceo = roster.indexes(of: .ceo)[0]
        director = roster.indexes(of: .salesDirector)[0]
        managers = roster.indexes(of: .salesManager)
        setUp()
        updateClerks()
        for day in 0..<DemoCalendar.days {
            agenda.schedule(.dayStart(day: day), at: DemoCalendar.midnight(day) + 7 * DemoCalendar.hourMs)
            agenda.schedule(.recycle(day: day), at: DemoCalendar.recycleTime(after: day).time)
        }
        for (i, change) in roster.changes.enumerated() {
            let hour: Int64 = if case .leave = change.change { 16 } else { 9 }
            let day = calendar.workingDay(after: change.day, plus: 0) ?? change.day
            agenda.schedule(.staffChange(i), at: DemoCalendar.midnight(day) + hour * DemoCalendar.hourMs)
        }
    }

    /// The next command of the history, or nil at the end of the year.
    func next() -> CommandRequest? {
        while outputIndex == output.count {
            output.removeAll(keepingCapacity: true)
            outputIndex = 0
            guard let time = agenda.nextTime, time < DemoCalendar.end, let (at, action) = agenda.pop() else {
                return nil
            }
            clock = max(clock, at)
            run(action)
        }
        defer { outputIndex += 1 }
        return output[outputIndex]
    }

    private func run(_ action: DemoAction) {
        switch action {
        case .dayStart(let day): startDay(day)
        case .recycle(let day): recycle(after: day)
        case .staffChange(let i): applyStaffChange(roster.changes[i].change)
        case .repMorning(let rep): repMorning(rep)
        case .claimLead(let rep): claimLead(rep)
        case .captureOwnLead(let rep): captureOwnLead(rep)
        case .captureInbound(let manager): captureInbound(manager)
        case .managerRoutine(let manager): managerRoutine(manager)
        case .leadWork(let lead, let rep): workLead(lead, rep)
        case .opportunityWork(let o): workOpportunity(o)
        case .customerCycle(let c): customerCycle(c)
        case .placeOrder(let c, let o): placeOrder(customer: c, opportunity: o)
        case .shipOrder(let o): shipOrder(o)
        case .cancelOrder(let o): cancelOrder(o)
        case .returnGoods(let o): returnGoods(o)
        case .receiveStock(let key): receiveStock(key)
        case .warehouseRoutine(let w): warehouseRoutine(w)
        case .submitExpense(let e): submitExpense(e)
        case .decideExpense(let e): decideExpense(e)
        case .withdrawExpense(let e): withdrawExpense(e)
        case .payExpense(let e): payExpense(e)
        }
    }

    // MARK: The working day

    private func startDay(_ day: Int) {
        for i in stock.indices { stock[i].demand *= 0.95 }
        guard DemoCalendar.isWorking(day) else { return }
        if day == DemoSimulation.summerCampaignDay { summerCampaign() }
        for (i, staff) in roster.staff.enumerated() where employees[i].active {
            switch staff.job {
            case .salesRep:
                schedule(.repMorning(rep: i), on: day, from: 8 * 60, to: 9 * 60 + 30)
            case .salesManager:
                let inbound = Double(reports(of: i).count) * 2.6
                for _ in 0..<count(around: inbound) { schedule(.captureInbound(manager: i), on: day) }
                schedule(.managerRoutine(manager: i), on: day, from: 9 * 60, to: 11 * 60)
            default: break
            }
            if staff.job != .integration && rng.chance(expenseRate(staff.job)) {
                schedule(.submitExpense(employee: i), on: day)
            }
        }
        for w in 0..<3 { schedule(.warehouseRoutine(warehouse: w), on: day, from: 7 * 60, to: 8 * 60) }
    }

    private func expenseRate(_ job: DemoJob) -> Double {
        switch job {
        case .salesRep: 0.14
        case .salesManager, .salesDirector, .ceo: 0.08
        default: 0.04
        }
    }

    /// 1 July 2025.
    static let summerCampaignDay = 181

    // MARK: Scheduling

    var today: Int { DemoCalendar.day(of: clock) }

    /// Schedules `action` on `day` at a random minute between `from` and `to` (minutes after midnight
    /// UTC), never before now.
    func schedule(_ action: DemoAction, on day: Int, from: Int = 8 * 60, to: Int = 17 * 60) {
        let midnight = DemoCalendar.midnight(day)
        let earliest = max(from, Int((clock - midnight) / DemoCalendar.minuteMs) + 1)
        let minute = Int64(earliest < to ? rng.int(earliest...(to - 1)) : earliest)
        let ms = Int64(rng.below(60_000))
        agenda.schedule(action, at: midnight + minute * DemoCalendar.minuteMs + ms)
    }

    /// Schedules `action` `n` working days from today (n ≥ 1), or later today when `n` is 0.
    func schedule(_ action: DemoAction, workingDays n: Int) {
        if n <= 0 {
            let latest = DemoCalendar.midnight(today) + 17 * DemoCalendar.hourMs
            let time = min(clock + Int64(rng.int(5...180)) * DemoCalendar.minuteMs, max(latest, clock + 1))
            agenda.schedule(action, at: time)
            return
        }
        guard let day = calendar.workingDay(after: today + 1, plus: n - 1) else { return }
        schedule(action, on: day)
    }

    /// A random count with mean `mean`: uniform within ±50 %, rounded up or down by chance.
    func count(around mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let x = mean * (0.5 + rng.unit())
        let whole = x.rounded(.down)
        return Int(whole) + (rng.chance(x - whole) ? 1 : 0)
    }

    // MARK: Issuing commands

    func id(_ staff: Int) -> String { roster.staff[staff].id }

    /// Issues a command at the current time; `events` is how many events it will write.
    func emit(_ type: String, _ data: JSONObject, by actor: String, events: Int, commandId: String? = nil) {
        commandCount += 1
        predictedEvents += events
        output.append(
            CommandRequest(
                type: type, data: .object(data), actorId: actor,
                commandId: commandId ?? "demo-\(commandCount)", at: Timestamp(milliseconds: clock)))
    }

    func emit(_ type: String, _ data: JSONObject, by actor: Int, events: Int) {
        emit(type, data, by: id(actor), events: events)
    }

    // MARK: People

    /// Active direct reports of a manager.
    func reports(of manager: Int) -> [Int] {
        roster.staff.indices.filter { employees[$0].active && employees[$0].managerIndex == manager }
    }

    /// Who acts for something `owner` owns: the owner while active, else the nearest active manager
    /// above them (a manager acts for their reports' customers and opportunities).
    func actor(for owner: Int) -> Int {
        var current: Int? = owner
        while let c = current {
            if employees[c].active && (c == owner || roster.staff[c].job == .salesManager || c == director) {
                return c
            }
            current = employees[c].managerIndex
        }
        return director
    }

    /// An active warehouse clerk of `warehouse`, else any active clerk, else the warehouse lead.
    func warehouseStaff(for warehouse: Int) -> Int {
        let local = clerks[warehouse]
        if !local.isEmpty { return rng.pick(local) }
        let all = clerks.flatMap { $0 }
        if !all.isEmpty { return rng.pick(all) }
        return roster.indexes(of: .warehouseLead)[0]
    }

    /// Recomputes ``clerks`` after someone joins or leaves.
    func updateClerks() {
        clerks = (0..<3).map { w in
            roster.staff.filter { $0.job == .warehouseClerk && $0.warehouse == w && employees[$0.index].active }.map(
                \.index)
        }
    }

    // MARK: Formatting

    static func money(_ cents: Int64) -> JSONValue {
        let whole = cents / 100
        let fraction = cents % 100
        return .string("\(whole).\(fraction < 10 ? "0" : "")\(fraction)")
    }

    static func cost(_ tenThousandths: Int64) -> JSONValue {
        let whole = tenThousandths / 10_000
        var fraction = String(tenThousandths % 10_000)
        while fraction.count < 4 { fraction = "0" + fraction }
        return .string("\(whole).\(fraction)")
    }

    static func int(_ n: Int) -> JSONValue { .number(JSONNumber(n)) }
}
