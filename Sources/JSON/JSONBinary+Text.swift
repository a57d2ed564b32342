extension JSONBinary {
    /// Appends the one binary value in `bytes` as compact JSON text: the bytes ``JSONWriter`` writes for what
    /// ``JSONValue/decodeBinary(_:maxDepth:)-(UnsafeRawBufferPointer,_)`` decodes, without building the value —
    /// for exports that turn millions of stored payloads into text.
    ///
    /// It checks what the decoder checks (tags, varints, lengths, UTF-8, number text, depth, trailing bytes)
    /// except repeated keys: an object with a repeated key is written as stored. On an error nothing is appended.
    /// `replacingString` sees the UTF-8 bytes of every string value (not of keys) and may return the string to
    /// write instead.
    ///
    /// ```swift
    /// try JSONBinary.appendText(payload, into: &line) { utf8 in utf8.starts(with: secret) ? "***" : nil }
    /// ```
    public static func appendText(
        _ bytes: UnsafeRawBufferPointer, into out: inout [UInt8],
        replacingString: (UnsafeRawBufferPointer) -> String? = { _ in nil }
    ) throws(JSONBinaryError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONBinaryError(kind: .truncated, offset: 0, message: "there are no bytes to decode")
        }
        var failure: JSONBinaryError?
        let mark = out.count
        JSONOutput.withOutput(appendingTo: &out) { output in
            var decoder = JSONBinaryDecoder(base.assumingMemoryBound(to: UInt8.self), start: 0, end: bytes.count)
            do throws(JSONBinaryError) {
                try decoder.writeText(to: &output, replacingString)
                if decoder.i != bytes.count {
                    failure = JSONBinaryError(
                        kind: .trailingBytes, offset: decoder.i,
                        message: "\(bytes.count - decoder.i) bytes follow the value")
                }
            } catch {
                failure = error
            }
        }
        if let failure {
            out.removeSubrange(mark...)
            throw failure
        }
    }
}

extension JSONBinaryDecoder {
    /// Writes the value at `i` as JSON text and moves past it.
    mutating func writeText(
        to out: inout JSONOutput, _ replacingString: (UnsafeRawBufferPointer) -> String?
    ) throws(JSONBinaryError) {
        guard i < end else { throw Self.truncated(at: end, "a tag") }
        let tag = p[i]
        i += 1
        switch tag {
        case JSONBinary.Tag.null: out.append("null")
        case JSONBinary.Tag.false: out.append("false")
        case JSONBinary.Tag.true: out.append("true")
        case JSONBinary.Tag.integer: out.appendDecimal(try readInteger())
        case JSONBinary.Tag.numberText:
            let text = try readNumberBytes()
            if let base = text.baseAddress { out.append(base, count: text.count) }
        case JSONBinary.Tag.string:
            let (utf8, _) = try readUTF8()
            if let replacement = replacingString(UnsafeRawBufferPointer(utf8)) {
                JSONWriter.write(string: replacement, to: &out)
            } else {
                JSONWriter.write(utf8: utf8, to: &out)
            }
        case JSONBinary.Tag.array:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 1)
            out.append(UInt8(ascii: "["))
            for k in 0..<count {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                try writeElementText(to: &out, replacingString)
            }
            out.append(UInt8(ascii: "]"))
        case JSONBinary.Tag.object:
            try enterContainer()
            defer { depth -= 1 }
            let count = try readCount(bytesPerItem: 2)
            out.append(UInt8(ascii: "{"))
            for k in 0..<count {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.write(utf8: try readUTF8().utf8, to: &out)
                out.append(UInt8(ascii: ":"))
                try writeElementText(to: &out, replacingString)
            }
            out.append(UInt8(ascii: "}"))
        default:
            throw Self.unknownTag(at: i - 1, tag)
        }
    }

    /// ``writeText(to:_:)`` kept out of line, so the recursion through containers has small frames.
    @inline(never)
    mutating func writeElementText(
        to out: inout JSONOutput, _ replacingString: (UnsafeRawBufferPointer) -> String?
    ) throws(JSONBinaryError) {
        try writeText(to: &out, replacingString)
    }
}
