import Dispatch
import EventLog
import Foundation
import Testing

/// Background threads (``NamedThread/Priority/background``) and the two job threads beside them.
@Suite struct ThreadPriorityTests {
    /// The calling thread's scheduling policy as the kernel reports it (`/proc/thread-self/stat`,
    /// field 41): 0 normal, 5 idle.
    static func currentPolicy() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the name (field 2, in parentheses) start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return Int(fields[41 - 3])
    }

    /// Runs `body` on a new named thread of `priority` and returns its result.
    static func onThread<T: Sendable>(priority: NamedThread.Priority, _ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Box<T>()
        NamedThread.start("priority-test", priority: priority) {
            result.value = body()
            done.signal()
        }
        done.wait()
        return result.value!
    }

    /// Runs `body` on whatever thread `schedule` runs it, and waits for it.
    static func waitFor<T: Sendable>(_ schedule: (@escaping @Sendable () -> Void) -> Void, _ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Box<T>()
        schedule {
            result.value = body()
            done.signal()
        }
        done.wait()
        return result.value!
    }

    /// Written by one thread before it signals, read by another after the wait.
    final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    @Test func aBackgroundThreadRunsAtTheIdlePriority() {
        let seen = Self.onThread(priority: .background) { (NamedThread.currentThreadIsBackground, Self.currentPolicy()) }
        #expect(seen.0)
        #expect(seen.1 == 5)
        let normal = Self.onThread(priority: .normal) { (NamedThread.currentThreadIsBackground, Self.currentPolicy()) }
        #expect(!normal.0)
        #expect(normal.1 == 0)
    }

    /// Why a background thread must not start threads, or have Dispatch start them for it.
    @Test func aThreadStartedByABackgroundThreadInheritsItsPriority() {
        let inherited = Self.onThread(priority: .background) {
            Self.waitFor({ work in Thread { work() }.start() }) { NamedThread.currentThreadIsBackground }
        }
        #expect(inherited)
    }

    @Test func workHandedOutOfTheBackgroundRunsAtNormalPriority() {
        let (callerThread, ranOn, background) = Self.onThread(priority: .background) {
            let caller = pthread_self()
            let (thread, background) = Self.waitFor(NamedThread.outsideBackground) {
                (pthread_self(), NamedThread.currentThreadIsBackground)
            }
            return (caller, thread, background)
        }
        #expect(!background)
        #expect(callerThread != ranOn)
        // What it starts, it starts at normal priority.
        let pooled = Self.onThread(priority: .background) {
            Self.waitFor({ work in NamedThread.outsideBackground { DispatchQueue.global().async { work() } } }) {
                NamedThread.currentThreadIsBackground
            }
        }
        #expect(!pooled)
    }

    @Test func workHandedOutOfANormalThreadRunsAtOnceOnIt() {
        let caller = pthread_self()
        let ranOn = Self.waitFor(NamedThread.outsideBackground) { pthread_self() }
        #expect(ranOn == caller)
    }

    @Test func backgroundWorkRunsAtTheIdlePriorityInOrder() {
        let order = Box<[Int]>()
        order.value = []
        let done = DispatchSemaphore(value: 0)
        let background = Box<Bool>()
        for i in 0..<100 {
            NamedThread.inBackground {
                order.value!.append(i)
                if i == 99 {
                    background.value = NamedThread.currentThreadIsBackground
                    done.signal()
                }
            }
        }
        done.wait()
        #expect(order.value == Array(0..<100))
        #expect(background.value == true)
    }
}
