import Foundation

/// CPU time of this process's threads by name, from `/proc/self/task/*/stat` (Linux): how a
/// benchmark's CPU splits between the log's writer threads (`log-stage`, `log-encode`,
/// `log-commit`), the Swift task pool (its threads show as `oot.default-qos`, their queue's name cut
/// to the 15 characters a thread name holds), and the rest.
public enum ThreadCPU {
    /// Seconds of CPU (user and system) per thread name, summed over the threads of each name.
    /// Empty where `/proc` is not there.
    public static func byName() -> [String: Double] {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        var seconds: [String: Double] = [:]
        guard ticksPerSecond > 0, let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else {
            return seconds
        }
        for task in tasks {
            // `pid (name) state ppid …`: the name may hold spaces and parentheses, so it ends at the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close
            else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is the state (field 3 of stat(5)); utime and stime are fields 14 and 15.
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds[name, default: 0] += (user + system) / ticksPerSecond
        }
        return seconds
    }

    /// What each name used between two readings, largest first (a thread that ended in between is
    /// missing from `after`: its time is not counted).
    public static func used(from before: [String: Double], to after: [String: Double]) -> [(name: String, seconds: Double)] {
        after.map { (name: $0.key, seconds: $0.value - (before[$0.key] ?? 0)) }
            .filter { $0.seconds > 0 }
            .sorted { $0.seconds > $1.seconds }
    }
}
