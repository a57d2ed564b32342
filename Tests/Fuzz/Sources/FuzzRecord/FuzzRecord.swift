import EventLog
import JSON

/// The binary event record decoder and the binary payload decoder: any bytes decode or throw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let event = try? StoredRecord.decode(position: 1, bytes) {
        _ = event.data.withUnsafeBytes { try? JSONValue.decodeBinary($0) }
    }
    _ = try? JSONValue.decodeBinary(bytes)
    return 0
}
