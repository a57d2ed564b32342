/// The command mix, shaped like the demo company's day: a lead is captured, assigned to a rep,
/// followed up, converted into a customer with an opportunity, the opportunity advances, the
/// customer orders from stock, the order ships, and the rep files an expense for the visit —
/// 8 commands writing 12 events over CRM, ERP and OA. Every id is unique to the run, so runs can
/// repeat against the same store.
struct Workload: Sendable {
    let prefix: String
    let reps: Int
    let skus = 4
    let queryCustomers = 100
    let commandIds: Bool

    static let steps = 8

    var manager: String { "\(prefix)-M" }
    var finance: String { "\(prefix)-F" }
    var warehouse: String { "\(prefix)-WH" }
    func rep(_ i: Int) -> String { "\(prefix)-R\(i)" }
    func sku(_ i: Int) -> String { "\(prefix)-SKU\(i)" }
    func queryCustomer(_ i: Int) -> String { "\(prefix)-QC\(i)" }

    /// The commands that prepare the run (as admin): the org, the catalogue, stock, and customers
    /// for the query mix. Each line is a request body without its id.
    func setup() -> [String] {
        var out: [String] = []
        out.append(command("RegisterEmployee", #"{"employeeId":"\#(manager)","name":"Load Manager","roles":["manager","sales"]}"#))
        out.append(command("RegisterEmployee", #"{"employeeId":"\#(finance)","name":"Load Finance","roles":["finance"]}"#))
        for r in 0..<reps {
            out.append(command("RegisterEmployee", #"{"employeeId":"\#(rep(r))","name":"Rep \#(r)","roles":["sales"],"managerId":"\#(manager)"}"#))
        }
        out.append(command("RegisterWarehouse", #"{"warehouseId":"\#(warehouse)","name":"Load Warehouse"}"#))
        for s in 0..<skus {
            out.append(command("RegisterProduct", #"{"sku":"\#(sku(s))","name":"Product \#(s)","unit":"pc","reorderPoint":10}"#))
            out.append(command("ReceiveStock", #"{"receiptId":"\#(prefix)-RC\#(s)","sku":"\#(sku(s))","warehouseId":"\#(warehouse)","quantity":1000000000,"unitCost":"7.5000"}"#))
        }
        for c in 0..<queryCustomers {
            out.append(command("RegisterCustomer", #"{"customerId":"\#(queryCustomer(c))","name":"Customer \#(c)","ownerId":"\#(rep(c % reps))"}"#))
        }
        return out
    }

    private func command(_ type: String, _ data: String, commandId: String? = nil) -> String {
        var line = #""op":"command","type":"\#(type)","data":\#(data)"#
        if let commandId { line += #","commandId":"\#(commandId)""# }
        return line
    }

    /// Step `step` (0..<8) of flow `flow` in iteration `iteration` on connection `connection`.
    func step(_ step: Int, connection: Int, flow: Int, iteration: Int, depth: Int) -> String {
        let key = "\(prefix)-\(connection)-\(flow)-\(iteration)"
        let lead = "L\(key)", customer = "C\(key)", opportunity = "O\(key)", order = "SO\(key)"
        let rep = self.rep((connection * depth + flow) % reps)
        let id = commandIds ? "\(key)-\(step)" : nil
        switch step {
        case 0:
            return command("CaptureLead", #"{"leadId":"\#(lead)","company":"Company \#(iteration)","contactName":"Contact","source":"web","estimatedValue":"5000.00"}"#, commandId: id)
        case 1:
            return command("AssignLead", #"{"leadId":"\#(lead)","repId":"\#(rep)"}"#, commandId: id)
        case 2:
            return command("LogFollowUp", #"{"leadId":"\#(lead)","channel":"call","note":"first call"}"#, commandId: id)
        case 3:
            return command("ConvertLead", #"{"leadId":"\#(lead)","customerId":"\#(customer)","opportunityId":"\#(opportunity)","title":"Deal","amount":"1200.00"}"#, commandId: id)
        case 4:
            return command("AdvanceStage", #"{"opportunityId":"\#(opportunity)","stage":"proposal"}"#, commandId: id)
        case 5:
            return command("PlaceSalesOrder", #"{"orderId":"\#(order)","customerId":"\#(customer)","warehouseId":"\#(warehouse)","lines":[{"sku":"\#(sku(iteration % skus))","quantity":2,"unitPrice":"25.00"}]}"#, commandId: id)
        case 6:
            return command("ShipOrder", #"{"orderId":"\#(order)"}"#, commandId: id)
        default:
            return command("SubmitExpense", #"{"expenseId":"X\#(key)","amount":"42.00","category":"travel","description":"taxi","customerId":"\#(customer)"}"#, commandId: id)
        }
    }

    /// A `customer360` query for one of the setup's customers.
    func query(_ n: Int) -> String {
        #""op":"query","view":"customer360","params":{"customerId":"\#(queryCustomer(n % queryCustomers))"}"#
    }
}
