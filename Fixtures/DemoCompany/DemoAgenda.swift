/// Something the simulated company will do at a given time.
enum DemoAction {
    case dayStart(day: Int)
    case recycle(day: Int)
    case staffChange(Int)
    case repMorning(rep: Int)
    case claimLead(rep: Int)
    case captureOwnLead(rep: Int)
    case captureInbound(manager: Int)
    case managerRoutine(manager: Int)
    case leadWork(lead: Int, rep: Int)
    case opportunityWork(opportunity: Int)
    case customerCycle(customer: Int)
    case placeOrder(customer: Int, opportunity: Int)
    case shipOrder(order: Int)
    case cancelOrder(order: Int)
    case returnGoods(order: Int)
    case receiveStock(key: Int)
    case warehouseRoutine(warehouse: Int)
    case submitExpense(employee: Int)
    case decideExpense(expense: Int)
    case withdrawExpense(expense: Int)
    case payExpense(expense: Int)
}

/// The simulation's agenda: a binary min-heap of actions by time, ties broken by the order in which
/// they were scheduled, so the history is deterministic.
struct DemoAgenda {
    private struct Entry {
        let time: Int64
        let sequence: UInt64
        let action: DemoAction

        func precedes(_ other: Entry) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextTime: Int64? { heap.first?.time }

    mutating func schedule(_ action: DemoAction, at time: Int64) {
        sequence += 1
        heap.append(Entry(time: time, sequence: sequence, action: action))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (time: Int64, action: DemoAction)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var smallest = i
                if l < heap.count && heap[l].precedes(heap[smallest]) { smallest = l }
                if r < heap.count && heap[r].precedes(heap[smallest]) { smallest = r }
                if smallest == i { break }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
        return (first.time, first.action)
    }
}
