import ArgumentParser
import Foundation
import JSON

#if canImport(Glibc)
import Glibc
#endif

/// A small blocking NDJSON client for `send` and `query`: one connection, one request at a time.
final class LineClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextId = 0

    /// Connects to `HOST:PORT`, or to a Unix socket path (anything with a `/`).
    init(connect: String) throws {
        if connect.contains("/") {
            fd = try Self.connectUnix(connect)
        } else {
            guard let colon = connect.lastIndex(of: ":"), let port = UInt16(connect[connect.index(after: colon)...]) else {
                throw CLIError("--connect must be HOST:PORT or a socket path")
            }
            var host = String(connect[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            fd = try Self.connectTCP(host: host, port: port)
        }
    }

    deinit { close(fd) }

    /// A usage error (exit 2) unless `connect` is `HOST:PORT` with a port 1–65535 or a socket path.
    static func validate(connect: String) throws {
        if connect.contains("/") { return }
        guard let colon = connect.lastIndex(of: ":"), colon != connect.startIndex,
            let port = UInt16(connect[connect.index(after: colon)...]), port > 0
        else { throw ValidationError("--connect must be HOST:PORT (port 1–65535) or a socket path, not \(connect)") }
    }

    private static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw CLIError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard ok == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw CLIError("cannot connect to \(path): \(why)")
        }
        return fd
    }

    private static func connectTCP(host: String, port: UInt16) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw CLIError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let a = info {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return fd
                }
                lastError = String(cString: strerror(errno))
                close(fd)
            }
            info = a.pointee.ai_next
        }
        throw CLIError("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Sends `request` with a fresh id and returns the reply's line and its parsed object.
    func call(_ request: JSONObject) throws -> (line: [UInt8], reply: JSONObject) {
        nextId += 1
        let id = "cli-\(nextId)"
        var object = request
        object["id"] = .string(id)
        var line = JSONValue.object(object).jsonBytes
        line.append(0x0A)
        try writeAll(line)
        while true {
            let reply = try readLine()
            guard case .object(let o) = try JSONValue.parse(reply) else { throw CLIError("the server sent a non-object line") }
            if o["id"]?.stringValue == id { return (reply, o) }
            if o["id"]?.isNull == true, o["ok"]?.boolValue == false { return (reply, o) }  // the server is closing
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CLIError("the connection closed while sending") }
            sent += n
        }
    }

    private func readLine() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<nl])
                buffer.removeFirst(nl + 1)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CLIError("the server closed the connection") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
