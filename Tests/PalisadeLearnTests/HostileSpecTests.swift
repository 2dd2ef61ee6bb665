import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("Hostile specifications")
struct HostileSpecTests {
    @Test(arguments: [10, 1_000, 100_000])
    func deeplyNestedYAMLIsRejectedNotCrashing(depth: Int) {
        let flow = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let block =
            (0..<min(depth, 2_000)).map { String(repeating: " ", count: $0) + "a\($0):" }.joined(separator: "\n") + " 1"
        for text in [flow, "openapi: 3.0.0\nx: " + flow, block] {
            _ = try? SpecDocument.parse(text)
        }
    }
}

extension HostileSpecTests {
    @Test func recursiveReferencesStayBounded() throws {
        let properties = (0..<10).map { "\"p\($0)\":{\"$ref\":\"#/components/schemas/A\"}" }.joined(separator: ",")
        let spec = """
            {"openapi":"3.1.0","paths":{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}},
             "components":{"schemas":{"A":{"type":"object","properties":{\(properties)}},"Loop":{"$ref":"#/components/schemas/Loop"}}}}
            """
        let result = try SpecComparison.compare(specText: spec, endpoints: [], now: 0, windowMs: 1)
        #expect(result.zombies.count == 1)
    }
}
