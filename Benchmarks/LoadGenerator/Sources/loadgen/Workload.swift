import NIOCore

/// The command mix, shaped like the demo company's day: a lead is captured, assigned to a rep,
/// followed up, converted into a customer with an opportunity, the opportunity advances, the
/// customer orders from stock, the order ships, and the rep files an expense for the visit —
/// 8 commands writing 12 events over CRM, ERP and OA. Every id is unique to the run, so runs can
/// repeat against the same store.
///
/// Ids have the demo company's length (`L-100001`, `SO-100001`): a kind, the run's tag and a
/// base-36 number unique within the run — `Lb5vu-khc`. Length matters to the server: an id of
/// more than 15 bytes is a heap string in Swift, and every copy of one is a reference count
/// changed. `--long-ids` sends the earlier shape instead, `Llg12345678-63-31-1234` (the run's
/// prefix, the connection, the flow and the iteration, in decimal), for comparison.
struct Workload: Sendable {
    let prefix: String
    /// The earlier, longer ids (see above).
    let longIds: Bool
    /// The command connections (numbering the flows of all of them).
    let connections: Int
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

    /// Writes the body (without its id) of step `step` (0..<8) of flow `flow` in iteration
    /// `iteration` on connection `connection` into `b`: the same text that string interpolation
    /// would make, written as bytes — building strings was a third of the generator's CPU, which it
    /// takes from the server it measures on the same two cores. (Into an array, copied into the
    /// connection's buffer once per request: each small write into a `ByteBuffer` checked its
    /// capacity, its uniqueness and its storage's exclusive access, a tenth of the CPU again.)
    func writeStep(_ step: Int, connection: Int, flow: Int, iteration: Int, depth: Int, into b: inout [UInt8]) {
        // The run's key for this flow and iteration: PREFIX-N, N in base 36 numbering every flow's
        // every iteration (or, with `longIds`, PREFIX-CONNECTION-FLOW-ITERATION in decimal).
        func key(_ b: inout [UInt8]) {
            b.writeString(prefix)
            b.writeStaticString("-")
            if longIds {
                b.writeDecimal(connection)
                b.writeStaticString("-")
                b.writeDecimal(flow)
                b.writeStaticString("-")
                b.writeDecimal(iteration)
            } else {
                b.writeBase36(iteration * connections * depth + connection * depth + flow)
            }
        }
        b.writeStaticString(#""op":"command","type":"#)
        switch step {
        case 0:
            b.writeStaticString(#""CaptureLead","data":{"leadId":"L"#)
            key(&b)
            b.writeStaticString(#"","company":"Company "#)
            b.writeDecimal(iteration)
            b.writeStaticString(#"","contactName":"Contact","source":"web","estimatedValue":"5000.00"}"#)
        case 1:
            b.writeStaticString(#""AssignLead","data":{"leadId":"L"#)
            key(&b)
            b.writeStaticString(#"","repId":""#)
            b.writeString(rep((connection * depth + flow) % reps))  // (names this short make no allocation)
            b.writeStaticString(#""}"#)
        case 2:
            b.writeStaticString(#""LogFollowUp","data":{"leadId":"L"#)
            key(&b)
            b.writeStaticString(#"","channel":"call","note":"first call"}"#)
        case 3:
            b.writeStaticString(#""ConvertLead","data":{"leadId":"L"#)
            key(&b)
            b.writeStaticString(#"","customerId":"C"#)
            key(&b)
            b.writeStaticString(#"","opportunityId":"O"#)
            key(&b)
            b.writeStaticString(#"","title":"Deal","amount":"1200.00"}"#)
        case 4:
            b.writeStaticString(#""AdvanceStage","data":{"opportunityId":"O"#)
            key(&b)
            b.writeStaticString(#"","stage":"proposal"}"#)
        case 5:
            b.writeStaticString(#""PlaceSalesOrder","data":{"orderId":"SO"#)
            key(&b)
            b.writeStaticString(#"","customerId":"C"#)
            key(&b)
            b.writeStaticString(#"","warehouseId":""#)
            b.writeString(warehouse)
            b.writeStaticString(#"","lines":[{"sku":""#)
            b.writeString(sku(iteration % skus))
            b.writeStaticString(#"","quantity":2,"unitPrice":"25.00"}]}"#)
        case 6:
            b.writeStaticString(#""ShipOrder","data":{"orderId":"SO"#)
            key(&b)
            b.writeStaticString(#""}"#)
        default:
            b.writeStaticString(#""SubmitExpense","data":{"expenseId":"X"#)
            key(&b)
            b.writeStaticString(#"","amount":"42.00","category":"travel","description":"taxi","customerId":"C"#)
            key(&b)
            b.writeStaticString(#""}"#)
        }
        if commandIds {
            b.writeStaticString(#","commandId":""#)
            key(&b)
            b.writeStaticString("-")
            b.writeDecimal(step)
            b.writeStaticString(#"""#)
        }
    }

    /// A `customer360` query for one of the setup's customers.
    func query(_ n: Int) -> String {
        #""op":"query","view":"customer360","params":{"customerId":"\#(queryCustomer(n % queryCustomers))"}"#
    }
}

extension Array where Element == UInt8 {
    /// A non-negative integer as decimal text.
    mutating func writeDecimal(_ value: Int) { writeDigits(value, radix: 10) }

    /// A non-negative integer in base 36 (digits, then lower-case letters).
    mutating func writeBase36(_ value: Int) { writeDigits(value, radix: 36) }

    @inline(__always)
    private mutating func writeDigits(_ value: Int, radix: Int) {
        precondition(value >= 0)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = value
            var i = digits.count
            repeat {
                i -= 1
                let d = UInt8(v % radix)
                digits[i] = d < 10 ? UInt8(ascii: "0") &+ d : UInt8(ascii: "a") &+ (d - 10)
                v /= radix
            } while v > 0
            append(contentsOf: UnsafeMutableBufferPointer(rebasing: digits[i...]))
        }
    }

    mutating func writeStaticString(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func writeString(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil { append(contentsOf: Array(s.utf8)) }
    }
}
