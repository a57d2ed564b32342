import CCryptoBoringSSL

/// AES-256-GCM sealing with one key, through BoringSSL's AEAD interface directly.
///
/// `AES.GCM.seal` (swift-crypto) sets up a fresh AEAD context for every message and goes through
/// generic `Data` and `ContiguousBytes` wrappers: on this machine that was 90% of sealing's time,
/// the cipher itself a tenth. A subject's fields share one key, so one context seals them all, and
/// each sealed field is written straight into its final string. The output is what `AES.GCM.seal`
/// makes (`nonce‖ciphertext‖tag`, 12-byte random nonce, 16-byte tag), so ``SubjectKeyStore/open(_:)``
/// — still swift-crypto — opens it; `SealingTests` checks both ways.
///
/// The BoringSSL is the one swift-crypto builds and links: its C module, `CCryptoBoringSSL`, which
/// swift-crypto does not export as a product but SwiftPM lets its dependents import on Linux (where
/// swift-crypto builds BoringSSL; on Apple platforms it uses CryptoKit and this would not compile).
/// The dependency is pinned exactly (Package.swift); on an upgrade, `SealingTests` say whether the
/// interface still behaves, and `EventLogTests` the same for the hash chain's `SHA256`.
final class GCMSealer {
    static let nonceCount = 12
    static let tagCount = 16
    private let context: UnsafeMutablePointer<EVP_AEAD_CTX>

    /// A sealer for the 32-byte `key`, or nil when the key has another length.
    init?(key: [UInt8]) {
        guard key.count == 32 else { return nil }
        let context = UnsafeMutablePointer<EVP_AEAD_CTX>.allocate(capacity: 1)
        let done = key.withUnsafeBufferPointer { k in
            CCryptoBoringSSL_EVP_AEAD_CTX_init(context, CCryptoBoringSSL_EVP_aead_aes_256_gcm(), k.baseAddress, 32, Self.tagCount, nil)
        }
        guard done == 1 else {
            context.deallocate()
            return nil
        }
        self.context = context
    }

    deinit {
        CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(context)
        context.deallocate()
    }

    /// `prefix` followed by the base64url of `nonce‖seal(plain)‖tag`, or nil when BoringSSL refuses.
    func seal(_ plain: String, nonce: UnsafeRawBufferPointer, prefix: String) -> String? {
        var plain = plain
        return plain.withUTF8 { seal(bytes: $0, nonce: nonce, prefix: prefix) }
    }

    /// ``seal(_:nonce:prefix:)`` of any bytes.
    func seal(bytes message: UnsafeBufferPointer<UInt8>, nonce: UnsafeRawBufferPointer, prefix: String) -> String? {
        precondition(nonce.count == Self.nonceCount)
        let total = Self.nonceCount + message.count + Self.tagCount
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { out -> String? in
            let base = out.baseAddress!
            _ = UnsafeMutableRawBufferPointer(start: base, count: Self.nonceCount).initializeMemory(as: UInt8.self, from: nonce)
            var written = 0
            let ok = CCryptoBoringSSL_EVP_AEAD_CTX_seal(
                context, base + Self.nonceCount, &written, total - Self.nonceCount,
                base, Self.nonceCount, message.baseAddress, message.count, nil, 0)
            guard ok == 1, written == message.count + Self.tagCount else { return nil }
            return Base64URL.encode(UnsafeRawBufferPointer(start: base, count: total), after: prefix)
        }
    }
}
