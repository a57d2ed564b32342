import Foundation
import JSON
import Testing

@Suite struct JSONDepthTests {
    /// The parser's depth ceiling exists so that recursion fits a small thread stack (512 KiB is the
    /// smallest default among the platforms Swift servers run on): parse, write, encode, decode, read and
    /// destroy a value nested to the ceiling on such a thread. Measured: a release build needs under 192 KiB
    /// for this; a debug build's frames are about ten times bigger, so it gets 4 MiB.
    @Test func valuesNestedToTheCeilingFitASmallThreadStack() async throws {
        let depth = JSONParser.Limits.maximumDepthCeiling
        let opening = String(repeating: #"{"a":["#, count: depth / 2)
        let text = opening + "1" + String(repeating: "]}", count: depth / 2)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let thread = Thread {
                continuation.resume(returning: Self.exercise(text, depth: depth))
            }
            #if DEBUG
                thread.stackSize = 4 << 20
            #else
                thread.stackSize = 512 << 10
            #endif
            thread.start()
        }
        #expect(outcome == "ok")
    }

    static func exercise(_ text: String, depth: Int) -> String {
        do {
            let limits = JSONParser.Limits(maxDepth: depth)
            var value: JSONValue? = try JSONValue.parse(text, limits: limits)
            guard value!.jsonString == text else { return "written text differs" }
            let binary = value!.binaryBytes
            guard try JSONValue.decodeBinary(binary) == value else { return "binary round trip differs" }
            let found = try binary.withUnsafeBytes { try JSONBinaryReader($0).member("b") }
            guard found == nil else { return "reader found a missing member" }
            _ = try binary.withUnsafeBytes { try JSONBinaryReader($0).encodedBytes() }
            value = nil  // destroying a deep value recurses too
            return "ok"
        } catch {
            return "\(error)"
        }
    }
}
