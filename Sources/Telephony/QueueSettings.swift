/// How a queue (QUE-1, QUE-6) holds and hands out calls. The name and internal number belong to
/// the queue's extension; everything here is the queue's own behaviour.
public struct QueueSettings: Sendable, Equatable, Codable {
    /// QUE-1's distribution strategies, named for people; `asteriskName` is what app_queue calls them.
    /// `randomMemory` keeps its API name but is not random: the node runs `rrmemory`, round
    /// robin that remembers where the last call went and offers the next call to the next agent.
    public enum Strategy: String, Sendable, Codable, CaseIterable {
        case ringAll, leastRecent, fewestCalls, random, randomMemory, linear, weightedRandom

        public var asteriskName: String {
            switch self {
            case .ringAll: "ringall"
            case .leastRecent: "leastrecent"
            case .fewestCalls: "fewestcalls"
            case .random: "random"
            case .randomMemory: "rrmemory"
            case .linear: "linear"
            case .weightedRandom: "wrandom"
            }
        }
    }

    /// A sound played to waiting callers every `everySeconds`.
    public struct Announcement: Sendable, Equatable, Codable {
        public var soundId: String
        public var everySeconds: Int
        public init(soundId: String, everySeconds: Int) {
            self.soundId = soundId
            self.everySeconds = everySeconds
        }
    }

    /// Callers waiting at most; one more is refused or sent to `overflowDestination` (0: no limit).
    public var maxWaiting = 0
    public var strategy = Strategy.ringAll
    /// Seconds before the agents are tried again after nobody answered.
    public var retrySeconds = 5
    /// A call answered within this many seconds counts towards the service level.
    public var serviceLevelSeconds = 60
    public var recordAll = false
    public var holdMusicId: String?
    public var announcement: Announcement?
    /// The longest a caller waits before `timeoutDestination` (0: no limit).
    public var maxWaitSeconds = 300
    public var timeoutDestination: Destination?
    public var overflowDestination: Destination?
    /// QUE-6: a returning caller is offered first to the agent they last spoke with.
    public var stickyAgent = false

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case maxWaiting, strategy, retrySeconds, serviceLevelSeconds, recordAll, holdMusicId, announcement, maxWaitSeconds
        case timeoutDestination, overflowDestination, stickyAgent
    }

    /// Every field may be left out and keeps its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxWaiting = try c.decodeIfPresent(Int.self, forKey: .maxWaiting) ?? 0
        strategy = try c.decodeIfPresent(Strategy.self, forKey: .strategy) ?? .ringAll
        retrySeconds = try c.decodeIfPresent(Int.self, forKey: .retrySeconds) ?? 5
        serviceLevelSeconds = try c.decodeIfPresent(Int.self, forKey: .serviceLevelSeconds) ?? 60
        recordAll = try c.decodeIfPresent(Bool.self, forKey: .recordAll) ?? false
        holdMusicId = try c.decodeIfPresent(String.self, forKey: .holdMusicId)
        announcement = try c.decodeIfPresent(Announcement.self, forKey: .announcement)
        maxWaitSeconds = try c.decodeIfPresent(Int.self, forKey: .maxWaitSeconds) ?? 300
        timeoutDestination = try c.decodeIfPresent(Destination.self, forKey: .timeoutDestination)
        overflowDestination = try c.decodeIfPresent(Destination.self, forKey: .overflowDestination)
        stickyAgent = try c.decodeIfPresent(Bool.self, forKey: .stickyAgent) ?? false
    }

    /// Every limit the settings break, as (field, message); references are checked elsewhere.
    public func problems() -> [(field: String, message: String)] {
        var p: [(String, String)] = []
        if !(0...500).contains(maxWaiting) { p.append(("maxWaiting", "must be 0 (no limit) to 500 callers")) }
        if !(1...120).contains(retrySeconds) { p.append(("retrySeconds", "must be 1 to 120 seconds")) }
        if !(0...3600).contains(serviceLevelSeconds) { p.append(("serviceLevelSeconds", "must be 0 to 3600 seconds")) }
        if !(0...86_400).contains(maxWaitSeconds) { p.append(("maxWaitSeconds", "must be 0 (no limit) to 86400 seconds")) }
        if let id = holdMusicId, id.isEmpty || id.count > 64 { p.append(("holdMusicId", "must name a hold-music sound")) }
        if let a = announcement {
            if a.soundId.isEmpty || a.soundId.count > 64 { p.append(("announcement.soundId", "must name a sound")) }
            if !(10...600).contains(a.everySeconds) { p.append(("announcement.everySeconds", "must be 10 to 600 seconds")) }
        }
        for (field, destination) in destinations where destination.type == "ruleGroup" {
            p.append(("\(field).type", "a queue cannot send calls to a rule group"))
        }
        if maxWaitSeconds == 0, timeoutDestination != nil { p.append(("timeoutDestination", "needs maxWaitSeconds above 0")) }
        if maxWaiting == 0, overflowDestination != nil { p.append(("overflowDestination", "needs maxWaiting above 0")) }
        return p
    }

    public var destinations: [(field: String, destination: Destination)] {
        var all: [(String, Destination)] = []
        if let d = timeoutDestination { all.append(("timeoutDestination", d)) }
        if let d = overflowDestination { all.append(("overflowDestination", d)) }
        return all
    }
}
