/// Validation of client-chosen ids and free text (CONTRACT §1).
public enum Identifier {
    /// 1–64 characters from `A–Z a–z 0–9 . _ : -`.
    public static func isValid(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        for b in utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }
}

/// Free text: at most 4,096 characters (Swift `String` is always valid UTF-8).
public enum FreeText {
    public static let maximumLength = 4096

    public static func isValid(_ text: String) -> Bool { text.count <= maximumLength }

    /// True when the text has something other than white space.
    public static func isBlank(_ text: String) -> Bool { text.allSatisfy(\.isWhitespace) }
}
