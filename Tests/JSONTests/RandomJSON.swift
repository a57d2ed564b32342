import DemoCompany
import JSON

/// Random JSON values that reach the corners: escapes, control characters, U+2028, astral scalars,
/// every shape of number, empty and nested containers.
enum RandomJSON {
    static func value(depth: Int = 0, using rng: inout SplitMix64) -> JSONValue {
        let leafOnly = depth >= 5
        switch Int.random(in: 0..<(leafOnly ? 5 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2, 3: return .number(number(using: &rng))
        case 4: return .string(string(using: &rng))
        case 5:
            let count = Int.random(in: 0...5, using: &rng)
            return .array((0..<count).map { _ in value(depth: depth + 1, using: &rng) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                object[string(using: &rng)] = value(depth: depth + 1, using: &rng)
            }
            return .object(object)
        }
    }

    static let oddNumbers = [
        "-0", "0.0", "-0.0", "1e5", "1E+5", "9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "0e0", "1.5e-10",
    ]

    static func number(using rng: inout SplitMix64) -> JSONNumber {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return JSONNumber(Int.random(in: -100...100, using: &rng))
        case 1: return JSONNumber(Int64.random(in: .min ... .max, using: &rng))
        case 2: return JSONNumber([Int64.min, Int64.max, 0, -1, 1][Int.random(in: 0..<5, using: &rng)])
        case 3: return JSONNumber(unchecked: oddNumbers[Int.random(in: 0..<oddNumbers.count, using: &rng)])
        default:
            var text = Bool.random(using: &rng) ? "-" : ""
            text += integerDigits(using: &rng)
            if Bool.random(using: &rng) { text += "." + digits(using: &rng) }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                text += ["e", "E", "e+", "e-", "E-"][Int.random(in: 0..<5, using: &rng)]
                text += digits(using: &rng)
            }
            return JSONNumber(unchecked: text)
        }
    }

    static func integerDigits(using rng: inout SplitMix64) -> String {
        if Int.random(in: 0..<6, using: &rng) == 0 { return "0" }
        return String(Int.random(in: 1...9, using: &rng)) + digits(using: &rng).dropFirst()
    }

    static func digits(using rng: inout SplitMix64) -> String {
        String(
            (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                Character(Unicode.Scalar(UInt8.random(in: 0x30...0x39, using: &rng)))
            })
    }

    static let specials: [Unicode.Scalar] = [
        "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{1F}", "\u{7F}", "\u{2028}",
        "\u{2029}", "\u{2026}", "\u{20AC}", "é", "\u{301}", "\u{FFFD}", "\u{FEFF}", "\u{10FFFF}", "😀", "中",
    ]

    static func string(using rng: inout SplitMix64) -> String {
        let count = Int.random(in: 0...(Int.random(in: 0..<8, using: &rng) == 0 ? 80 : 12), using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: scalars.append(specials[Int.random(in: 0..<specials.count, using: &rng)])
            case 1: scalars.append(Unicode.Scalar(UInt8.random(in: 0..<0x20, using: &rng)))
            case 2: scalars.append(randomScalar(using: &rng))
            default: scalars.append(Unicode.Scalar(UInt8.random(in: 0x20..<0x7F, using: &rng)))
            }
        }
        return String(scalars)
    }

    static func randomScalar(using rng: inout SplitMix64) -> Unicode.Scalar {
        while true {
            if let s = Unicode.Scalar(UInt32.random(in: 0x80...0x10FFFF, using: &rng)) { return s }
        }
    }
}
