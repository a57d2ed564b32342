import Foundation

/// Throughput and latency percentiles per kind of connection.
struct Report {
    let results: [ConnectionResult]
    let seconds: Double

    func print() {
        section("commands") { if case .commands = $0 { true } else { false } }
        section("queries") { if case .queries = $0 { true } else { false } }
    }

    private func section(_ name: String, _ include: (WorkerHandler.Kind) -> Bool) {
        let mine = results.filter { include($0.kind) }
        guard !mine.isEmpty else { return }
        var latencies = mine.flatMap(\.latencies)
        latencies.sort()
        let ok = mine.reduce(0) { $0 + $1.ok }
        var errors: [String: Int] = [:]
        for r in mine { errors.merge(r.errors, uniquingKeysWith: +) }
        let total = latencies.count
        Swift.print(String(format: "%@: %d replies in %.1f s = %.0f/s (%d ok, %d errors)",
                           name, total, seconds, Double(total) / seconds, ok, total - ok))
        if !errors.isEmpty {
            Swift.print("  errors: " + errors.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        guard total > 0 else { return }
        func p(_ q: Double) -> String {
            let ns = latencies[min(total - 1, Int(Double(total) * q))]
            return String(format: "%.3f ms", Double(ns) / 1e6)
        }
        Swift.print("  latency p50 \(p(0.50))  p90 \(p(0.90))  p99 \(p(0.99))  p99.9 \(p(0.999))  max \(p(1.0))")
    }
}
