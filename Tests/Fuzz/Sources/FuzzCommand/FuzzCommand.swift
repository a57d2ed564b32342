import Domain
import JSON

/// Command payload decoding and the deciders: the input is `<type>\n<data JSON>`; every command type
/// is tried against a small company. Any input must be accepted or rejected with a DomainError.
let company: CompanyState = {
    var s = CompanyState()
    var position: UInt64 = 0
    let now = Timestamp(iso8601: "2026-03-02T09:00:00Z")!
    func run(_ type: String, _ data: JSONValue) {
        guard let events = try? s.decide(Command(type: CommandType(rawValue: type), data: data),
                                         context: CommandContext(actor: .admin, now: now, nextPosition: position + 1))
        else { return }
        for e in events {
            position += 1
            s.apply(DomainEvent(position: position, at: now, actor: "admin", stream: e.stream, type: e.type, data: e.data))
        }
    }
    run("RegisterEmployee", ["employeeId": "M-1", "name": "M", "roles": ["manager", "sales"]])
    run("RegisterEmployee", ["employeeId": "E-1", "name": "E", "roles": ["sales"], "managerId": "M-1"])
    run("RegisterEmployee", ["employeeId": "F-1", "name": "F", "roles": ["finance"]])
    run("RegisterEmployee", ["employeeId": "C-0", "name": "C", "roles": ["ceo"]])
    run("RegisterWarehouse", ["warehouseId": "WH-1", "name": "Main"])
    run("RegisterProduct", ["sku": "S-1", "name": "W", "unit": "pcs", "reorderPoint": 1])
    run("ReceiveStock", ["receiptId": "R-1", "sku": "S-1", "warehouseId": "WH-1", "quantity": 10, "unitCost": "2.5"])
    run("CaptureLead", ["leadId": "L-1", "company": "Co", "contactName": "X", "source": "web"])
    run("RegisterCustomer", ["customerId": "CU-1", "name": "Acme", "ownerId": "E-1"])
    return s
}()

let actors: [Actor] = [.admin, Actor(id: "E-1", roles: [.sales]), Actor(id: "M-1", roles: [.manager, .sales])]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let newline = bytes.firstIndex(of: 0x0a) else { return 0 }
    let type = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[(newline + 1)...])
    guard let value = try? JSONValue.parse(body) else { return 0 }
    let now = Timestamp(iso8601: "2026-03-03T10:00:00Z")!
    for actor in actors {
        do {
            let events = try company.decide(
                Command(type: CommandType(rawValue: type), data: value), context: CommandContext(actor: actor, now: now))
            var s = company
            for (i, e) in events.enumerated() {
                s.apply(DomainEvent(position: 100 + UInt64(i), at: now, actor: actor.id, stream: e.stream, type: e.type, data: e.data))
            }
        } catch is DomainError {
            continue
        } catch {
            fatalError("a decider threw something other than a DomainError: \(error)")
        }
    }
    return 0
}
