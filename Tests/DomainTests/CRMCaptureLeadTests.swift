import Domain
import JSON
import Testing

@Suite struct CRMCaptureLeadTests {
    @Test func capturingALeadPutsItInThePoolWithItsNormalisedFields() throws {
        var s = Scenario()
        s.salesTeam()
        let events = try s.then(
            s.actor("S-1"), "CaptureLead",
            [
                "leadId": "L-1", "company": "Acme Ltd", "contactName": "Dana Smith", "phone": "+44 20 7946 0000",
                "email": "dana@acme.example", "source": "web", "estimatedValue": 1500,
            ])
        #expect(events.map(\.type) == ["LeadCaptured"])
        #expect(events[0].stream == "lead-L-1")
        #expect(events[0].tags == ["lead:L-1"])
        // Schema 2 (CONTRACT §9): the decider writes the newest schema, `domain` derived from the e-mail.
        #expect(events[0].schema == 2)
        #expect(events[0].data.keys.last == "domain")
        #expect(events[0].data["domain"] == "acme.example")
        #expect(events[0].data["company"] == "Acme Ltd")
        #expect(events[0].data["contactName"] == "Dana Smith")
        #expect(events[0].data["phone"] == "+44 20 7946 0000")
        #expect(events[0].data["email"] == "dana@acme.example")
        #expect(events[0].data["source"] == "web")
        #expect(events[0].data["estimatedValue"] == "1500.00")
        #expect(s.state.crm.leads["L-1"]?.status == .pool)
        #expect(s.state.crm.leads["L-1"]?.ownerId == nil)
    }

    /// The e-mail domain written with a lead (schema 2) is what follows the last "@", lower-cased —
    /// the same whether the text is ASCII (read as bytes) or not (read as characters).
    @Test(arguments: [
        ("Ann@Example.COM", "example.com"), ("a@b@C.d", "c.d"), ("ann@", nil), ("no-at-sign", nil), ("@X", "x"),
        ("zoë@Exämple.DE", "exämple.de"), ("x@ÉCOLE.fr", "école.fr"), ("x@\u{301}y", nil),
    ] as [(String, String?)])
    func theEmailDomainIsWhatFollowsTheLastAtSignLowerCased(_ email: String, _ domain: String?) {
        #expect(LeadCapturedV2.domain(ofEmail: email) == domain)
        #expect(LeadCapturedV2.domain(ofEmail: email) == characterwiseDomain(email))
    }

    @Test func asciiDomainsAgreeWithTheCharacterwiseRule() {
        let alphabet = Array("aZ@.-_ 09Mx@")
        var state: UInt64 = 11
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(state % 9) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text.append(alphabet[Int((state >> 33) % UInt64(alphabet.count))])
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1
            #expect(LeadCapturedV2.domain(ofEmail: text) == characterwiseDomain(text), "\(text)")
        }
        #expect(LeadCapturedV2.domain(ofEmail: nil) == nil)
    }

    private func characterwiseDomain(_ email: String) -> String? {
        guard let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...]
        return domain.isEmpty ? nil : domain.lowercased()
    }

    @Test func optionalFieldsLeftOutAreWrittenAsNull() throws {
        var s = Scenario()
        let events = try s.then(
            .admin, "CaptureLead",
            ["leadId": "L-1", "company": "Acme", "contactName": "Dana", "source": "fair", "phone": " "])
        #expect(events[0].data["phone"] == .null)
        #expect(events[0].data["email"] == .null)
        #expect(events[0].data["estimatedValue"] == .null)
        #expect(events[0].data["domain"] == .null)
    }

    @Test func capturingAnExistingLeadIsRejected() {
        var s = Scenario()
        s.lead("L-1")
        let e = s.rejection(
            .admin, "CaptureLead", ["leadId": "L-1", "company": "B", "contactName": "C", "source": "web"])
        #expect(e?.code == .alreadyExists)
        #expect(e?.details["kind"] == "lead")
        #expect(e?.details["id"] == "L-1")
    }

    @Test func malformedLeadsAreRejectedNamingTheField() {
        let s = Scenario()
        let valid: JSONObject = ["leadId": "L-1", "company": "Acme", "contactName": "Dana", "source": "web"]
        func field(_ change: (inout JSONObject) -> Void) -> JSONValue? {
            var data = valid
            change(&data)
            let e = s.rejection(.admin, "CaptureLead", data)
            #expect(e?.code == .invalidArgument)
            return e?.details["field"]
        }
        #expect(field { $0["company"] = nil } == "company")
        #expect(field { $0["contactName"] = "  " } == "contactName")
        #expect(field { $0["source"] = 3 } == "source")
        #expect(field { $0["leadId"] = "L 1" } == "leadId")
        #expect(field { $0["email"] = "not an address" } == "email")
        #expect(field { $0["estimatedValue"] = "12.345" } == "estimatedValue")
        #expect(field { $0["estimatedValue"] = "0" } == "estimatedValue")
        #expect(field { $0["sorce"] = "typo" } == "sorce")
    }

    @Test func financeMayNotCaptureLeads() {
        var s = Scenario()
        s.employee("F-1", roles: ["finance"])
        #expect(s.code(s.actor("F-1"), "CaptureLead", ["leadId": "L-1"]) == .forbidden)
    }
}
