import CommandProcessing
import EventLog
import Foundation
import JSON
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import SocketAPI

/// The connection handler's framing and synchronous replies, on an embedded channel.
@Suite struct ConnectionFramingTests {
    final class Fixture {
        let directory = NSTemporaryDirectory() + "chronicle-socket-" + UUID().uuidString
        let log: EventLog
        let state: ServerState
        let channel = EmbeddedChannel()

        init(limits: ServerLimits = ServerLimits()) throws {
            log = try EventLog.open(directory: directory, options: .init(mapSize: 1 << 24))
            state = ServerState(
                processor: try CommandProcessor(log: log), queries: nil, tokens: TokenTable(adminToken: "root"),
                limits: limits, logger: Logger(label: "test"), name: "chronicle", version: "test")
            try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: state, transport: .tcp))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7420)).wait()
        }

        deinit {
            _ = try? channel.finish()
            log.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func send(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
            channel.pipeline.fireChannelReadComplete()
        }

        /// Every line written so far.
        func lines() throws -> [JSONObject] {
            var out: [JSONObject] = []
            while let b = try channel.readOutbound(as: ByteBuffer.self) {
                for line in String(buffer: b).split(separator: "\n") {
                    guard case .object(let o) = try JSONValue.parse(String(line)) else { continue }
                    out.append(o)
                }
            }
            return out
        }
    }

    @Test func aLineSplitOverReadsIsOneRequest() throws {
        let f = try Fixture()
        try f.send(#"{"id":1,"op":"pi"#)
        #expect(try f.lines().isEmpty)
        try f.send("ng\"}\n\r\n\n" + #"{"id":2,"op":"ping"}"# + "\n" + #"{"id":3,"op":"ping"}"#)
        #expect(try f.lines().map { $0["id"] } == [1, 2])
        try f.send("\n")
        #expect(try f.lines().map { $0["id"] } == [3])
    }

    @Test func helloAuthenticatesTheConnection() throws {
        let f = try Fixture()
        try f.send(#"{"id":1,"op":"read","fromPosition":0}"# + "\n" + #"{"id":2,"op":"hello","token":"root"}"# + "\n")
        let replies = try f.lines()
        #expect(replies[0]["error"]?["code"] == "unauthenticated")
        #expect(replies[1]["actor"] == "admin" && replies[1]["position"] == 0)
    }

    @Test func aTooLongLineIsFrameTooLargeAndCloses() throws {
        var limits = ServerLimits()
        limits.maxLineBytes = 100
        let f = try Fixture(limits: limits)
        try f.send(String(repeating: "x", count: 60))
        #expect(f.channel.isActive)
        try f.send(String(repeating: "x", count: 60))
        let replies = try f.lines()
        #expect(replies.count == 1 && replies[0]["error"]?["code"] == "frame_too_large")
        #expect(!f.channel.isActive)
    }

    @Test func aTooLongLineWithItsNewlineIsRefusedToo() throws {
        var limits = ServerLimits()
        limits.maxLineBytes = 100
        let f = try Fixture(limits: limits)
        try f.send(#"{"id":1,"op":"ping","pad":""# + String(repeating: "x", count: 200) + "\"}\n")
        #expect(try f.lines().first?["error"]?["code"] == "frame_too_large")
        #expect(!f.channel.isActive)
    }

    /// 300 pings in one read: 128 now, the rest in later turns, in order.
    static let burst = (1...300).map { #"{"id":\#($0),"op":"ping"}"# + "\n" }.joined()

    @Test func aPipelinedBurstIsAnsweredInTurnsOfAtMost128Lines() throws {
        let f = try Fixture()
        try f.send(Self.burst)
        var ids = try f.lines().compactMap { $0["id"]?.intValue }
        #expect(ids == Array(1...ConnectionHandler.linesPerTurn), "one turn, then the loop serves others")
        for _ in 0..<5 {
            f.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            ids += try f.lines().compactMap { $0["id"]?.intValue }
        }
        #expect(ids == Array(1...300))
    }

    @Test func shutdownAnswersEveryLineAlreadyReceivedThenCloses() throws {
        let f = try Fixture()
        try f.send(Self.burst)
        f.channel.pipeline.fireUserInboundEventTriggered(ShutdownRequested())
        var replies = try f.lines()
        for _ in 0..<5 {
            f.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
            replies += try f.lines()
        }
        #expect(replies.compactMap { $0["id"]?.intValue } == Array(1...300))
        #expect(replies.dropFirst(ConnectionHandler.linesPerTurn).allSatisfy { $0["error"]?["code"] == "unavailable" })
        #expect(!f.channel.isActive)
    }
}
