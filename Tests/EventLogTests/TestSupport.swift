@testable import EventLog
import Foundation
import Locking

/// A fresh directory under the system's temporary directory, removed when the value is deinitialised.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "chronicle-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock the test moves by hand.
final class ManualClock: LogClock {
    let now = Lock<Int64>(1_780_000_000_000)
    func nowMilliseconds() -> Int64 { now.withLock { $0 } }
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
}

func payload(_ text: String) -> [UInt8] { Array(text.utf8) }

func event(_ stream: String, _ type: String = "Happened", tags: [String] = [], _ data: String = "{}") -> EventToAppend {
    EventToAppend(stream: stream, type: type, tags: tags, data: payload(data))
}

func openLog(_ dir: TemporaryDirectory, clock: ManualClock = ManualClock(), runShift: Int = 20, readOnly: Bool = false,
             scanOnly: Bool = false, layout: Int? = nil) throws -> EventLog {
    var options = EventLog.Options(
        mapSize: 1 << 24, clock: clock, readOnly: readOnly, indexRunShift: runShift, scanOnly: scanOnly)
    if let layout { options.createLayout = layout }
    // Chunks of three requests: a batch of a few concurrent appends already spans several.
    options.encoderChunk = 3
    return try EventLog.open(directory: dir.path + "/log", options: options)
}
