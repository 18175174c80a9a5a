import HTTPServer

/// Extension lists are the API's busiest answer: the view writes its own JSON (the same bytes
/// as its `Encodable` conformance; `ViewJSONTests` holds it to that).
extension ExtensionView: JSONObjectWritable {
    func writeJSONMembers(to object: inout JSONObjectWriter) throws {
        object.field("createdAt", createdAt)
        object.field("id", id)
        object.field("kind", kind)
        object.field("name", name)
        object.field("number", number)
        object.fieldIfPresent("ownerId", ownerId)
        try object.field("publicNumbers", publicNumbers)
        object.field("ringSeconds", ringSeconds)
        object.field("sipServer", sipServer)
        object.field("sipUsername", sipUsername)
        object.field("updatedAt", updatedAt)
        object.field("version", version)
    }
}
