import Testing

@testable import SocketAPI

@Suite struct TokenTableTests {
    @Test func theAdminTokenAndFileTokensResolveToTheirPrincipals() {
        let table = TokenTable(adminToken: "root-secret", employeeTokens: ["t-1": "E-1", "t-2": "E-2"])
        #expect(table.principal(for: "root-secret")?.principal == "admin")
        #expect(table.principal(for: "t-2")?.principal == "E-2")
        #expect(table.principal(for: "t-3") == nil)
        #expect(table.principal(for: "") == nil)
        #expect(table.principal(for: "root-secre") == nil)
    }

    @Test func aReloadReplacesFileTokensKeepsTheAdminAndBumpsTheGeneration() {
        let table = TokenTable(adminToken: "root", employeeTokens: ["old": "E-1"])
        let before = table.generation
        table.replaceEmployeeTokens(["new": "E-2"])
        #expect(table.generation != before)
        #expect(table.principal(for: "old") == nil)
        #expect(table.principal(for: "new")?.principal == "E-2")
        #expect(table.principal(for: "root")?.principal == "admin")
    }

    @Test func anEmptyAdminTokenAuthenticatesNobody() {
        let table = TokenTable(adminToken: "")
        #expect(table.isEmpty)
        #expect(table.principal(for: "") == nil)
    }

    @Test func theTokensFileIsAnObjectOfTokensToEmployees() throws {
        #expect(try TokenTable.parseFile(Array(#"{"a":"E-1","b":"E-2"}"#.utf8)) == ["a": "E-1", "b": "E-2"])
        #expect(throws: TokenFileError.self) { try TokenTable.parseFile(Array("[1]".utf8)) }
        #expect(throws: TokenFileError.self) { try TokenTable.parseFile(Array(#"{"a":1}"#.utf8)) }
        #expect(throws: TokenFileError.self) { try TokenTable.parseFile(Array(#"{"":"E-1"}"#.utf8)) }
        #expect(throws: TokenFileError.self) { try TokenTable.parseFile(Array(#"{"a":"system"}"#.utf8)) }
        let error = try #require(throws: TokenFileError.self) { try TokenTable.parseFile(Array(#"{"secret-token":5}"#.utf8)) }
        #expect(!error.description.contains("secret-token"), "errors never quote a token")
    }
}
