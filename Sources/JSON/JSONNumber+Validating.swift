extension JSONNumber {
    /// Wraps `text` when it is a number in the JSON grammar (`-12.50`, `1e3`; not `01`, `.5`, `1.`, `NaN`).
    ///
    /// Prefer this to ``init(unchecked:)`` for text that did not come from the parser: the binary codec
    /// refuses to decode a number whose text is outside the grammar.
    public init?(validating text: String) {
        let valid = text.withUTF8InPlace { utf8 -> Bool in
            guard let p = utf8.baseAddress, !utf8.isEmpty else { return false }
            return JSONGrammar.isNumber(p, from: 0, to: utf8.count)
        }
        guard valid else { return nil }
        self.init(unchecked: text)
    }
}
