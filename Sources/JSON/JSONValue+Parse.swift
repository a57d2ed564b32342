extension JSONValue {
    /// Parses exactly one JSON value (RFC 8259), with optional whitespace around it.
    ///
    /// Numbers keep their exact text; strings must be well-formed UTF-8 without raw control characters;
    /// duplicate keys, lone surrogates and nesting deeper than `limits.maxDepth` are errors.
    ///
    /// ```swift
    /// let request = try line.withUnsafeReadableBytes { try JSONValue.parse($0) }
    /// request["data"]?["amount"]?.numberText   // "125.50", never a Double
    /// ```
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, limits: JSONParser.Limits = .default
    ) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(kind: .emptyInput, offset: 0, message: "there is no JSON value")
        }
        return try JSONParser.parse(base.assumingMemoryBound(to: UInt8.self), count: bytes.count, limits: limits)
    }

    /// Parses exactly one JSON value from bytes; see ``parse(_:limits:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(
        _ bytes: [UInt8], limits: JSONParser.Limits = .default
    ) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try parse(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from bytes; see ``parse(_:limits:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(
        _ bytes: ArraySlice<UInt8>, limits: JSONParser.Limits = .default
    ) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try parse(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from text; see ``parse(_:limits:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(
        _ text: String, limits: JSONParser.Limits = .default
    ) throws(JSONParseError) -> JSONValue {
        let result = text.withUTF8InPlace { utf8 in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }
        return try result.get()
    }
}
