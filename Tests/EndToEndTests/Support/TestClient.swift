import Foundation
import JSON

#if canImport(Glibc)
import Glibc
#endif

/// A blocking NDJSON client for tests: send lines, read lines (5 s timeout), match replies by id.
final class TestClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextId = 0
    /// Lines that arrived while waiting for a reply (subscription pushes, other replies), in order.
    private(set) var queued: [JSONObject] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard ok == 0 else { throw TestFailure("connect to port \(port) failed: errno \(errno)") }
        try setTimeout(seconds: 10)
    }

    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path(unixPath).enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard ok == 0 else { throw TestFailure("connect to \(unixPath) failed: errno \(errno)") }
        try setTimeout(seconds: 10)
    }

    private func path(_ p: String) -> [UInt8] { Array(p.utf8) }

    deinit { close(fd) }

    /// The socket, for tests that drive it by hand.
    var descriptor: Int32 { fd }

    func setTimeout(seconds: Int) throws {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed: errno \(errno)") }
            sent += n
        }
    }

    func sendLine(_ line: String) throws { try sendRaw(Array(line.utf8) + [0x0A]) }

    /// The next line, or nil when the server closed the connection.
    func readLine() throws -> String? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeFirst(nl + 1)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return nil }
            if n < 0 {
                if errno == EINTR { continue }
                throw TestFailure("no line within the timeout (errno \(errno))")
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// The next line as an object (a queued one first).
    func readObject() throws -> JSONObject {
        if !queued.isEmpty { return queued.removeFirst() }
        guard let line = try readLine() else { throw TestFailure("the server closed the connection") }
        guard case .object(let o) = try JSONValue.parse(line) else { throw TestFailure("not an object: \(line)") }
        return o
    }

    /// Whether the server closed the connection (after any lines still buffered).
    func isClosedByServer() throws -> Bool {
        while let line = try readLine() { _ = line }
        return true
    }

    func newId() -> String {
        nextId += 1
        return "r\(nextId)"
    }

    /// Sends `{"id":…, "op":op, …fields}` and returns its reply; other lines are queued.
    @discardableResult
    func call(_ op: String, _ fields: JSONObject = [:]) throws -> JSONObject {
        let id = newId()
        try send(op, fields, id: id)
        return try reply(to: id)
    }

    func send(_ op: String, _ fields: JSONObject = [:], id: String) throws {
        var request = fields
        request["id"] = .string(id)
        request["op"] = .string(op)
        try sendLine(JSONValue.object(request).jsonString)
    }

    func reply(to id: String) throws -> JSONObject {
        if let i = queued.firstIndex(where: { $0["id"]?.stringValue == id }) { return queued.remove(at: i) }
        while true {
            guard let line = try readLine() else { throw TestFailure("closed before the reply to \(id)") }
            guard case .object(let o) = try JSONValue.parse(line) else { throw TestFailure("not an object: \(line)") }
            if o["id"]?.stringValue == id { return o }
            queued.append(o)
        }
    }

    @discardableResult
    func hello(_ token: String = ServerProcess.adminToken) throws -> JSONObject {
        try call("hello", ["token": .string(token)])
    }

    /// A `command` request; `extra` adds top-level fields (commandId, expectedVersion, …).
    @discardableResult
    func command(_ type: String, _ data: JSONObject, _ extra: JSONObject = [:]) throws -> JSONObject {
        var fields = extra
        fields["type"] = .string(type)
        fields["data"] = .object(data)
        return try call("command", fields)
    }
}

extension JSONObject {
    var ok: Bool { self["ok"]?.boolValue == true }
    /// The error code of an error reply.
    var code: String? { self["error"]?["code"]?.stringValue }
    var position: UInt64? { self["position"]?.numberText.flatMap { UInt64($0) } }
}

extension TestClient {
    /// Registers an employee as admin (this client must be the admin).
    func register(_ id: String, roles: [String], manager: String? = nil) throws {
        var data: JSONObject = ["employeeId": .string(id), "name": .string("Name \(id)"),
                                "roles": .array(roles.map(JSONValue.string))]
        if let manager { data["managerId"] = .string(manager) }
        let r = try command("RegisterEmployee", data)
        guard r.ok else { throw TestFailure("RegisterEmployee \(id): \(r)") }
    }
}
