import Crypto
import Foundation
import JSON
@testable import PersonalData
import Testing

/// Personal fields are sealed through BoringSSL's AEAD interface directly (`GCMSealer`) and opened
/// through swift-crypto's `AES.GCM`: the two must agree byte for byte, or stored data could not be
/// read back.
@Suite struct SealingTests {
    let key: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }
    let nonce: [UInt8] = (0..<12).map { UInt8(0xA0 + $0) }

    /// The base64url part of a sealed string, decoded (`prefix` stripped).
    func combined(_ sealed: String, after prefix: String) throws -> [UInt8] {
        #expect(sealed.hasPrefix(prefix))
        return try #require(Base64URL.decode(sealed.dropFirst(prefix.count)))
    }

    @Test(arguments: ["", "A", "Ann Example", "Zoë Ünicode – 名前", String(repeating: "x", count: 1_000)])
    func theSealerWritesWhatSwiftCryptoWritesAndOpens(plain: String) throws {
        let sealer = try #require(GCMSealer(key: key))
        let sealed = try #require(nonce.withUnsafeBytes { sealer.seal(plain, nonce: $0, prefix: "enc2.x.7.") })
        let bytes = try combined(sealed, after: "enc2.x.7.")
        // The same nonce through swift-crypto gives the same nonce‖ciphertext‖tag.
        let expected = try AES.GCM.seal(Array(plain.utf8), using: SymmetricKey(data: key), nonce: AES.GCM.Nonce(data: nonce))
        #expect(bytes == Array(try #require(expected.combined)))
        // And swift-crypto opens it.
        let opened = try AES.GCM.open(try AES.GCM.SealedBox(combined: bytes), using: SymmetricKey(data: key))
        #expect(String(decoding: opened, as: UTF8.self) == plain)
    }

    /// The NIST GCM test vector (AES-256, 96-bit IV, 64-byte plaintext, no additional data: test case
    /// 15 of McGrew and Viega's GCM specification).
    @Test func theSealerMatchesTheSpecificationsTestVector() throws {
        func hex(_ s: String) -> [UInt8] {
            var out: [UInt8] = []
            var i = s.startIndex
            while i < s.endIndex {
                let j = s.index(i, offsetBy: 2)
                out.append(UInt8(s[i..<j], radix: 16)!)
                i = j
            }
            return out
        }
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let iv = hex("cafebabefacedbaddecaf888")
        let plain = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
        let ciphertext = hex(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad")
        let tag = hex("b094dac5d93471bdec1a502270e3cc6c")
        let sealer = try #require(GCMSealer(key: key))
        let sealed = try #require(
            iv.withUnsafeBytes { nonce in plain.withUnsafeBufferPointer { sealer.seal(bytes: $0, nonce: nonce, prefix: "") } })
        #expect(try combined(sealed, after: "") == iv + ciphertext + tag)
    }

    /// One sealer seals a subject's fields one after another; each opens on its own, and a key of the
    /// wrong length gets no sealer.
    @Test func oneSealerSealsManyFieldsAndRefusesShortKeys() throws {
        #expect(GCMSealer(key: Array(key.prefix(16))) == nil)
        let sealer = try #require(GCMSealer(key: key))
        for (i, plain) in ["first", "second", "third"].enumerated() {
            let n = nonce.map { $0 &+ UInt8(i) }
            let sealed = try #require(n.withUnsafeBytes { sealer.seal(plain, nonce: $0, prefix: "p.") })
            let box = try AES.GCM.SealedBox(combined: try combined(sealed, after: "p."))
            #expect(String(decoding: try AES.GCM.open(box, using: SymmetricKey(data: key)), as: UTF8.self) == plain)
        }
    }
}
