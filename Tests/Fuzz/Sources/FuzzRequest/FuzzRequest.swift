import JSON

/// The NDJSON request decoder: any bytes either parse into a value (which must write back and parse
/// to the same value) or fail with a parse error — never a crash, hang or huge allocation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let written = value.jsonBytes
    guard let again = try? JSONValue.parse(written), again == value else {
        fatalError("a parsed value did not round-trip through the writer")
    }
    // What the server reads from a request line.
    _ = value["id"]
    _ = value["op"]?.stringValue
    _ = value["data"]?.objectValue?.count
    var binary: [UInt8] = []
    value.encodeBinary(into: &binary)
    let decoded = binary.withUnsafeBytes { try? JSONValue.decodeBinary($0) }
    if decoded != value { fatalError("binary form did not round-trip") }
    return 0
}
