extension JSONValue {
    /// Appends this value as compact JSON text (see ``JSONWriter``).
    public func write(into buffer: inout [UInt8]) {
        JSONWriter.append(self, into: &buffer)
    }

    /// This value as compact JSON text, in UTF-8.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        JSONWriter.append(self, into: &out)
        return out
    }

    /// This value as compact JSON text.
    public var jsonString: String {
        String(decoding: jsonBytes, as: UTF8.self)
    }
}
