@testable import HTTPServer

/// Feeds one input to fresh parsers in every way a socket could deliver it — whole, byte by
/// byte, split in two at every offset (sampled for large inputs), and twice back to back —
/// and returns the one outcome they must all agree on.
struct ParserVerifier {
    struct Outcome: Equatable, CustomStringConvertible {
        var events: [HTTPParserEvent]
        var error: HTTPParseError?
        var description: String { "events: \(events.count), error: \(error.map { "\($0)" } ?? "none")" }
    }

    var limits = HTTPParserLimits()

    func parse(_ chunks: [ArraySlice<UInt8>]) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var events: [HTTPParserEvent] = []
        for chunk in chunks {
            parser.feed(chunk)
            do {
                while let event = try parser.next() { events.append(event) }
            } catch {
                return Outcome(events: events, error: error)
            }
        }
        return Outcome(events: events, error: nil)
    }

    /// The outcome of feeding `input` whole, after checking that every other way of feeding
    /// it agrees. Returns a description of the first disagreement instead, if any.
    func verify(_ text: String) -> Result<Outcome, Disagreement> { verify(Array(text.utf8)) }

    func verify(_ input: [UInt8]) -> Result<Outcome, Disagreement> {
        let whole = parse([input[...]])
        let bytewise = parse(input.indices.map { input[$0...$0] })
        if bytewise != whole { return .failure(Disagreement(way: "byte by byte", expected: whole, got: bytewise)) }
        let stride = input.count <= 2048 ? 1 : 97
        for offset in Swift.stride(from: 1, to: input.count, by: stride) {
            let split = parse([input[..<offset], input[offset...]])
            if split != whole { return .failure(Disagreement(way: "split at \(offset)", expected: whole, got: split)) }
        }
        let twice = parse([(input + input)[...]])
        let expectedTwice = whole.error == nil
            ? Outcome(events: whole.events + whole.events, error: nil)
            : whole
        if twice != expectedTwice { return .failure(Disagreement(way: "back to back", expected: expectedTwice, got: twice)) }
        return .success(whole)
    }

    struct Disagreement: Error, CustomStringConvertible {
        var way: String
        var expected: Outcome
        var got: Outcome
        var description: String { "fed \(way): expected \(expected), got \(got)" }
    }
}
