import Foundation
import Locking

/// Random bytes from the kernel's generator, read 64 KiB at a time, for key and nonce material.
///
/// swift-crypto makes random bytes on Linux through `SystemRandomNumberGenerator`, one `getrandom`
/// system call per 8 bytes: a key cost four calls, each field's nonce two, and on this VM they were
/// a quarter of sealing's time on the log's writer thread. Bytes handed out are never handed out
/// again, so random nonces stay unique as likely as before.
///
/// The buffer is refilled outside the lock: tasks presealing on both cores take nonces from it at
/// once, and one that read the kernel's bytes while holding it kept the other waiting in `futex`.
final class RandomBytes: Sendable {
    private static let chunk = 65536
    private let state = Lock<(buffer: [UInt8], next: Int)>(([], 0))

    /// `count` random bytes.
    func bytes(_ count: Int) throws -> [UInt8] {
        if count > Self.chunk { return try Self.read(count) }
        var out = [UInt8](repeating: 0, count: count)
        try out.withUnsafeMutableBytes { try fill($0) }
        return out
    }

    /// Fills `out` (at most 64 KiB) with random bytes, without allocating.
    func fill(_ out: UnsafeMutableRawBufferPointer) throws {
        precondition(out.count <= Self.chunk)
        while true {
            let done = state.withLock { s in
                guard s.buffer.count - s.next >= out.count else { return false }
                s.buffer.withUnsafeBytes { b in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[s.next..<(s.next + out.count)]))
                }
                s.next += out.count
                return true
            }
            if done { return }
            let fresh = try Self.read(Self.chunk)
            state.withLock { s in
                // (Another thread may have refilled meanwhile: then these bytes are dropped, unused.)
                if s.buffer.count - s.next < out.count { (s.buffer, s.next) = (fresh, 0) }
            }
        }
    }

    private static func read(_ count: Int) throws -> [UInt8] {
        let fd = Glibc.open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KeyStoreError("cannot open /dev/urandom: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KeyStoreError("cannot read /dev/urandom: \(String(cString: strerror(errno)))") }
            filled += n
        }
        return out
    }
}
