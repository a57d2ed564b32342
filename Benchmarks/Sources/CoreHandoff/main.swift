// What it costs the two cores to hand one cache line back and forth: a thread on CPU 0 and one on
// CPU 1 take turns writing a shared counter, and the round trip is printed in nanoseconds. Every
// reference count two threads change, every lock and queue they share, pays this. On this VM a C
// loop doing the same took 52–69 ns in some minutes and 317–339 ns in others; this one 84–100 ns in
// a fast minute (docs/PERFORMANCE-HISTORY.md, session 29).
//
//   swift run -c release CoreHandoff [--round-trips N] [--repeat K]
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]), v > 0 else {
        if arguments.contains(name) {
            FileHandle.standardError.write(Data("\(name) takes a positive integer\n".utf8))
            exit(2)
        }
        return fallback
    }
    return v
}
let roundTrips = option("--round-trips", 1_000_000)
let repeats = option("--repeat", 1)
guard ProcessInfo.processInfo.activeProcessorCount >= 2 else {
    print("CoreHandoff needs two CPUs")
    exit(2)
}

/// Pins the calling thread to one CPU (false when the system refuses). `sched_setaffinity` with
/// pid 0 is the calling thread's; Glibc's module does not export it (a GNU extension), so it is
/// looked up by name.
@Sendable func pin(to cpu: Int) -> Bool {
    #if canImport(Glibc)
    typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else { return false }
    let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
    var mask = [UInt64](repeating: 0, count: 16)  // a cpu_set_t: 1,024 bits
    mask[cpu / 64] |= 1 << UInt64(cpu % 64)
    return mask.withUnsafeBytes { setAffinity(0, $0.count, $0.baseAddress!) } == 0
    #else
    return false
    #endif
}

final class Turn: Sendable {
    let value = Atomic<Int>(0)
    /// Whether the other thread could pin itself to CPU 1.
    let otherPinned = Atomic<Bool>(false)
}

for _ in 0..<repeats {
    let turn = Turn()
    let n = roundTrips
    let other = Thread {
        turn.otherPinned.store(pin(to: 1), ordering: .relaxed)
        for i in 0..<n {
            while turn.value.load(ordering: .acquiring) != 2 * i + 1 {}
            turn.value.store(2 * i + 2, ordering: .releasing)
        }
    }
    other.start()
    let pinned = pin(to: 0)
    let start = ContinuousClock.now
    for i in 0..<n {
        turn.value.store(2 * i + 1, ordering: .releasing)
        while turn.value.load(ordering: .acquiring) != 2 * i + 2 {}
    }
    let elapsed = ContinuousClock.now - start
    let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    let where_ = pinned && turn.otherPinned.load(ordering: .relaxed) ? "CPUs 0 and 1" : "not pinned to CPUs 0 and 1"
    print(String(format: "round trip %.0f ns (%d round trips, %@)", ns / Double(n), n, where_))
}
