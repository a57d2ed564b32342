/// Reads a benchmark's command line one argument at a time: `while let arg = args.next()`, then
/// `value()` or `positiveInt()` for the argument's value.
public struct ArgumentReader {
    private let argv: [String]
    private var i = 0

    public init(_ argv: [String]) { self.argv = argv }

    /// The next argument (the program's name is skipped), or nil at the end.
    public mutating func next() -> String? {
        i += 1
        return i < argv.count ? argv[i] : nil
    }

    /// The value of the argument `next()` returned.
    public mutating func value() throws -> String {
        i += 1
        guard i < argv.count else { throw UsageError("\(argv[i - 1]) needs a value") }
        return argv[i]
    }

    /// A positive number as the value (`1_000_000` and `1,000,000` are read too).
    public mutating func positiveInt() throws -> Int {
        let name = argv[i]
        let text = try value()
        guard let n = Int(text.filter { $0 != "_" && $0 != "," }), n > 0 else {
            throw UsageError("\(name) needs a positive number, got \(text)")
        }
        return n
    }
}

/// A command line the benchmark cannot run: the message goes to standard error with the usage.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
