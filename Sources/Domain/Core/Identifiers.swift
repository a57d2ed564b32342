/// Validation of client-chosen ids and free text (CONTRACT §1).
public enum Identifier {
    /// 1–64 characters from `A–Z a–z 0–9 . _ : -`.
    public static func isValid(_ id: String) -> Bool {
        // In place over the UTF-8 (a native string's is contiguous), a table look-up per byte.
        if let valid = id.utf8.withContiguousStorageIfAvailable({ isValid($0) }) { return valid }
        return Array(id.utf8).withUnsafeBufferPointer { isValid($0) }
    }

    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return allowed.withUnsafeBufferPointer { table in
            for b in bytes where !table[Int(b)] { return false }
            return true
        }
    }

    /// Whether a byte may appear in an id, by value.
    private static let allowed: [Bool] = (0..<256).map { b in
        switch UInt8(b) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
            UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}

/// Free text: at most 4,096 characters (Swift `String` is always valid UTF-8).
public enum FreeText {
    public static let maximumLength = 4096

    /// At most ``maximumLength`` characters. (A text has no more characters than UTF-8 bytes, so
    /// short texts are not counted character by character.)
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count <= maximumLength || text.count <= maximumLength
    }

    /// True when the text has nothing but white space.
    public static func isBlank(_ text: String) -> Bool {
        if let blank = ASCIIText.isBlank(text) { return blank }
        return text.allSatisfy(\.isWhitespace)
    }
}

/// Answers about ASCII-only text from its bytes, where they equal the answers about its characters
/// (`Character.isWhitespace` is true for exactly the ASCII bytes 9–13 and 32; `"\r\n"` is one
/// character and white space). Nil for text with any other byte: callers then ask the characters.
enum ASCIIText {
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    static func isBlank(_ text: String) -> Bool? {
        var blank = true
        for b in text.utf8 {
            if b >= 0x80 { return nil }
            if !isWhitespace(b) { blank = false }
        }
        return blank
    }
}
