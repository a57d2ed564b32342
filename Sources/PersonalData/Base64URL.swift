/// Base64url without padding (RFC 4648 §5), as sealed values spell subjects and ciphertexts.
///
/// Written out rather than through Foundation's base64 and three string replacements: sealing runs
/// on the log's writer thread for every personal field, and opening for every one a view or an
/// export shows.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The value of each ASCII byte in the alphabet, 0xFF for bytes outside it.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        Array(bytes).withUnsafeBytes { encode($0, after: "") }
    }

    /// `prefix`, the encoding of `bytes`, then `suffix`, made in one allocation (sealing writes one
    /// such string per personal field, and a subject's key prefix per sealed event).
    static func encode(_ bytes: UnsafeRawBufferPointer, after prefix: String, before suffix: String = "") -> String {
        var prefix = prefix
        var suffix = suffix
        return prefix.withUTF8 { head in suffix.withUTF8 { tail in
            let count = head.count + (bytes.count * 4 + 2) / 3 + tail.count
            return String(unsafeUninitializedCapacity: count) { out in
                _ = UnsafeMutableBufferPointer(rebasing: out[..<head.count]).initialize(fromContentsOf: head)
                var o = head.count
                var buffer: UInt32 = 0
                var bits = 0
                alphabet.withUnsafeBufferPointer { alphabet in
                    for b in bytes {
                        buffer = buffer << 8 | UInt32(b)
                        bits += 8
                        while bits >= 6 {
                            bits -= 6
                            out[o] = alphabet[Int(buffer >> UInt32(bits) & 0x3F)]
                            o += 1
                        }
                    }
                    if bits > 0 {
                        out[o] = alphabet[Int(buffer << UInt32(6 - bits) & 0x3F)]
                        o += 1
                    }
                }
                _ = UnsafeMutableBufferPointer(rebasing: out[o..<(o + tail.count)]).initialize(fromContentsOf: tail)
                return o + tail.count
            }
        } }
    }

    /// The bytes, or nil when `text` holds a character outside the alphabet, padding, or a length
    /// no encoding has (4n + 1).
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in utf8 {
            let v = values[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero, so each byte string has exactly one spelling.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
