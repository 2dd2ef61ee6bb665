import PalisadeCore
import Testing

@testable import PalisadeLearn

@Suite("OpenAPI export and comparison")
struct OpenAPITests {
    static let endpoints = DiscoveryTests.shared.endpoints()
    static let document = OpenAPIExporter().document(endpoints)

    static func operation(_ path: String, _ method: String) -> JSONValue? {
        document["paths"]?[path]?[method]
    }

    static func parameterNames(_ op: JSONValue?, in location: String) -> [String] {
        (op?["parameters"]?.arrayValues ?? []).filter { $0["in"]?.stringValue == location }.compactMap {
            $0["name"]?.stringValue
        }
    }

    @Test func exportIsValidJSONWithTheExpectedPathsAndParameters() throws {
        let text = OpenAPIExporter().json(Self.endpoints)
        let parsed = try JSONReader().parse(Array(text.utf8))
        #expect(parsed == Self.document)
        #expect(parsed["openapi"]?.stringValue == "3.1.0")
        let paths = Set((parsed["paths"]?.objectMembers ?? []).map(\.key))
        #expect(paths.count == 16)
        #expect(
            paths.isSuperset(of: [
                "/users/{id}", "/users/me", "/users/{id}/orders/{uuid}", "/api/2024/stats", "/v2/reports/summary",
                "/files/{hex}", "/search",
            ]))
        #expect(Self.operation("/users/{id}", "get") != nil)
        #expect(Self.operation("/users/{id}", "delete") != nil)
        #expect(Self.parameterNames(Self.operation("/users/{id}/orders/{uuid}", "get"), in: "path") == ["id", "uuid"])
        let idSchema = Self.operation("/users/{id}", "get")?["parameters"]?.arrayValues?.first?["schema"]
        #expect(idSchema?["type"]?.stringValue == "integer")
        let uuidParam = Self.operation("/users/{id}/orders/{uuid}", "get")?["parameters"]?.arrayValues?[1]
        #expect(uuidParam?["schema"]?["format"]?.stringValue == "uuid")
        #expect(Set(Self.parameterNames(Self.operation("/search", "get"), in: "query")) == ["q", "page", "sort"])
        let search = Self.operation("/search", "get")?["parameters"]?.arrayValues ?? []
        #expect(search.first { $0["name"]?.stringValue == "q" }?["required"] == .bool(true))
        #expect(search.first { $0["name"]?.stringValue == "sort" }?["required"] == .bool(false))
        #expect(Self.parameterNames(Self.operation("/search", "get"), in: "header").contains("user-agent"))

        let body = try #require(
            Self.operation("/users/{id}/orders", "post")?["requestBody"]?["content"]?["application/json"]?["schema"])
        #expect(body["type"]?.stringValue == "object")
        #expect(body["properties"]?["items"]?["type"]?.stringValue == "array")
        #expect(body["properties"]?["items"]?["items"]?["properties"]?["qty"]?["type"]?.stringValue == "integer")
        #expect(body["properties"]?["items"]?["items"]?["properties"]?["sku"]?["type"]?.stringValue == "string")
        #expect(body["required"] == .array([.string("currency"), .string("items")]))
        #expect(body["properties"]?["note"] != nil)
        let login = Self.operation("/login", "post")?["requestBody"]?["content"]?["application/json"]?["schema"]
        #expect(login?["properties"]?["username"]?["format"]?.stringValue == "email")
        #expect(
            Self.operation("/login", "post")?["x-palisade"]?["sensitive"]?.arrayValues?.contains(.string("email"))
                == true)

        let schemes = Self.document["components"]?["securitySchemes"]
        #expect(schemes?["bearerJWT"]?["bearerFormat"]?.stringValue == "JWT")
        #expect(Self.operation("/search", "get")?["security"]?.arrayValues?.count == 2)  // bearer or none
    }

    @Test func yamlParsesBackToTheSameDocument() throws {
        let yaml = OpenAPIExporter().yaml(Self.endpoints)
        #expect(yaml.hasPrefix("openapi: \"3.1.0\"\n"))
        let parsed = try SpecDocument.parse(yaml)
        #expect(parsed == Self.document)
    }

    @Test(arguments: [
        JSONValue.obj([("200", .string("a \"quoted\"\nline\tand ünïcode")), ("true", .bool(true)), ("x: y", .null)]),
        JSONValue.obj([
            (
                "list",
                .array([
                    .obj([("a", .int(1)), ("b", .array([.int(2), .string("- not a list")]))]), .array([.int(3)]),
                    .obj([]), .array([]),
                ])
            )
        ]),
        JSONValue.obj([
            ("nested", .obj([("deeper", .obj([("key", .string("#not a comment"))]))])), ("empty", .string("")),
        ]),
    ])
    func yamlEmitterRoundTrips(value: JSONValue) throws {
        #expect(try SpecDocument.parse(YAMLEmitter.emit(value)) == value)
    }

    static let spec = """
        openapi: 3.0.3
        info: {title: Example, version: "1"}
        servers:
          - url: https://api.example.com
        paths:
          /users/{userId}:
            get:
              parameters:
                - name: userId
                  in: path
                  required: true
                  schema: {type: integer}
              responses: {"200": {description: ok}}
            delete:
              parameters:
                - $ref: '#/components/parameters/UserId'
              responses: {"204": {description: gone}}
          /users/{userId}/orders/{orderId}:
            parameters:
              - $ref: '#/components/parameters/UserId'
            get:
              responses: {"200": {description: ok}}
          /users/{userId}/orders:
            post:
              requestBody:
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/NewOrder'
              responses: {"201": {description: created}}
          /users/{userId}/legacy-profile:
            get:
              responses: {"200": {description: ok}}
          /v2/reports/summary:
            get:
              deprecated: true
              parameters:
                - {name: from, in: query, schema: {type: string}}
              responses: {"200": {description: ok}}
          /files/{fileId}:
            get: {responses: {"200": {description: ok}}}
          /api/2024/stats:
            get: {responses: {"200": {description: ok}}}
          /search:
            get:
              parameters:
                - {name: q, in: query, required: true, schema: {type: string}}
                - {name: page, in: query, schema: {type: integer}}
              responses: {"200": {description: ok}}
          /articles/{slug}:
            get: {responses: {"200": {description: ok}}}
          /login:
            post:
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        username: {type: string, format: email}
                        password: {type: string}
              responses: {"200": {description: ok}}
          /reports/daily/{day}:
            get: {responses: {"200": {description: ok}}}
          /invites/{email}:
            get: {responses: {"200": {description: ok}}}
          /v2/items/{itemId}/reviews:
            get:
              parameters:
                - {name: limit, in: query, schema: {type: integer}}
              responses: {"200": {description: ok}}
        components:
          parameters:
            UserId: {name: userId, in: path, required: true, schema: {type: integer}}
          schemas:
            NewOrder:
              type: object
              properties:
                items:
                  type: array
                  items: {$ref: '#/components/schemas/Item'}
                currency: {type: string}
            Item:
              type: object
              properties:
                sku: {type: string}
                qty: {type: integer}
        """

    @Test func comparisonFindsShadowZombieAndUndocumented() throws {
        let last = Self.endpoints.map(\.stats.lastSeen).max() ?? 0
        let result = try SpecComparison.compare(
            specText: Self.spec, endpoints: Self.endpoints, now: last + 1_000, windowMs: 86_400_000)
        #expect(
            Set(result.shadow.map { $0.endpoint.method + " " + $0.endpoint.template }) == [
                "GET /v1/health", "GET /share/{token}",
            ])
        #expect(result.zombies.map(\.path) == ["/users/{userId}/legacy-profile", "/v2/reports/summary"])
        #expect(result.zombies.map(\.reason) == [.noTraffic, .deprecated])
        #expect(result.zombies[1].requests > 0)  // deprecated and still called
        #expect(
            Set(result.undocumented.map { $0.endpoint.template + " " + $0.location }) == [
                "/search query.sort", "/users/{id}/orders body.json.note",
            ])

        // Outside the window everything documented becomes a zombie.
        let later = try SpecComparison.compare(
            specText: Self.spec, endpoints: Self.endpoints, now: last + 10 * 86_400_000, windowMs: 86_400_000)
        #expect(later.zombies.count == 14)
    }

    @Test func theExportedSpecDocumentsItsOwnTraffic() throws {
        let last = Self.endpoints.map(\.stats.lastSeen).max() ?? 0
        let yaml = OpenAPIExporter().yaml(Self.endpoints)
        let result = try SpecComparison.compare(specText: yaml, endpoints: Self.endpoints, now: last, windowMs: 60_000)
        #expect(result.shadow.isEmpty)
        #expect(result.undocumented.isEmpty)
        #expect(result.zombies.isEmpty)
    }

    @Test(arguments: ["", "not: [valid", "{\"openapi\": 3", "swagger: \"2.0\"\npaths: {}", "a: &x 1\nb: *x"])
    func badSpecsAreRejectedWithAReason(text: String) {
        #expect(throws: SpecError.self) {
            _ = try SpecComparison.compare(specText: text, endpoints: [], now: 0, windowMs: 0)
        }
    }
}

extension OpenAPITests {
    @Test func oneOperationPerMethodAndTemplateAcrossHosts() {
        var catalog = EndpointCatalog()
        for host in ["a.example", "b.example"] {
            for id in 1...3 {
                catalog.learn(
                    TrafficGenerator.observe(
                        CaptureRecord(id: "x", ts: 0, method: "GET", host: host, rawPath: "/users/\(id)")))
            }
        }
        let doc = OpenAPIExporter().document(catalog.endpoints())
        #expect(doc["paths"]?.objectMembers?.map(\.key) == ["/users/{id}"])
        #expect(doc["paths"]?["/users/{id}"]?.objectMembers?.map(\.key) == ["get"])
        #expect(doc["paths"]?["/users/{id}"]?["get"]?["x-palisade"]?["requests"] == .number("6"))
        #expect(doc["servers"]?.arrayValues?.count == 2)
        #expect(OpenAPIExporter().document(catalog.endpoints(), host: "a.example")["servers"]?.arrayValues?.count == 1)
    }

    @Test func sensitiveKindsInPathsAreReported() {
        let invites = Self.operation("/invites/{email}", "get")
        #expect(invites?["x-palisade"]?["sensitive"]?.arrayValues?.contains(.string("email")) == true)
    }
}
