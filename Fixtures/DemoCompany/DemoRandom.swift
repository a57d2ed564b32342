/// The demo company's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Deterministic across processes, platforms and builds (unlike `SystemRandomNumberGenerator` or
/// Swift's per-process seeded `Hasher`), so a seed always yields the same history.
struct DemoRandom: RandomNumberGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform integer in `0..<n` (n > 0), by Lemire's multiply-shift (bias below 2⁻³² here).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// A uniform Double in `[0, 1)`.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniform element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// An index drawn with probability proportional to `weights` (cumulative, increasing).
    mutating func pick(cumulative: [Double]) -> Int {
        let x = unit() * cumulative[cumulative.count - 1]
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// A log-uniform amount in cents between `low` and `high` currency units: many small, few large.
    mutating func cents(_ low: Double, _ high: Double) -> Int64 {
        let l = low.squareRoot()
        let h = high.squareRoot()
        let v = l + (h - l) * unit()
        return Int64((v * v * 100).rounded())
    }
}

/// SplitMix64: seeds xoshiro, and derives stable sub-seeds (tokens, names) from one seed. Also the
/// seeded generator of the randomised tests and benchmarks, so a failing seed replays exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit mix of a seed and a string (FNV-1a of the string, then SplitMix64).
    static func mix(_ seed: UInt64, _ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        var sm = SplitMix64(seed: seed ^ h)
        return sm.next()
    }
}
