@testable import Domain
import Testing

/// An order finds its lines by sku whether it scans them (a short order) or keeps an index (a long
/// one), and a repeated sku always means its first line, as the index keeps it.
@Suite struct SalesOrderLinesTests {
    static func order(lines count: Int) -> SalesOrder {
        let lines = (0..<count).map { i in
            OrderLine(sku: "P-\(i % max(1, count - 1))", quantity: i + 1, unitPrice: .zero, lineTotal: .zero)
        }
        return SalesOrder(
            id: "SO-1", customerId: "C-1", opportunityId: nil, warehouseId: "W-1", lines: lines, total: .zero,
            repId: "R-1")
    }

    @Test(arguments: [1, 2, SalesOrder.indexedLines, SalesOrder.indexedLines + 1, 200])
    func linesAreFoundAndChangedBySku(count: Int) {
        var order = Self.order(lines: count)
        for i in 0..<count {
            let sku = order.lines[i].sku
            let first = order.lines.firstIndex { $0.sku == sku }!
            #expect(order.line(sku: sku)?.quantity == first + 1)
        }
        #expect(order.line(sku: "absent") == nil)
        let last = order.lines[count - 1].sku
        order.updateLine(sku: last) { $0.returnedQuantity = 7 }
        let changed = order.lines.firstIndex { $0.sku == last }!
        #expect(order.lines[changed].returnedQuantity == 7)
        #expect(order.lines.filter { $0.returnedQuantity == 7 }.count == 1)
        order.updateLine(sku: "absent") { $0.returnedQuantity = 9 }
        #expect(!order.lines.contains { $0.returnedQuantity == 9 })
    }
}
