import Testing

@testable import PalisadeDetect

@Suite struct DetectModuleTests {
    @Test func reExportsCore() {
        #expect(DecodeLimits.default.maxDepth == 8)
    }
}
