import Testing
@testable import HTTPServer

/// The connection's deadlines, walked with a fake clock.
@Suite struct ConnectionLifecycleTests {
    let start = ContinuousClock.now
    var timeouts: HTTPTimeouts {
        var t = HTTPTimeouts()
        t.slowHeader = .seconds(10)
        t.idleBody = .seconds(5)
        t.keepAliveIdle = .seconds(60)
        t.idleWrite = .seconds(30)
        return t
    }

    @Test func idleConnectionExpiresAfterKeepAliveTimeout() {
        let life = ConnectionLifecycle(timeouts: timeouts, now: start)
        #expect(life.expired(now: start + .seconds(59)) == nil)
        #expect(life.expired(now: start + .seconds(60)) == .keepAliveIdle)
    }

    @Test func tricklingTheHeadDoesNotExtendTheHeaderDeadline() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.received(now: start + .seconds(1), readingHead: true, readingBody: false)
        for second in 2...10 {
            life.received(now: start + .seconds(second), readingHead: true, readingBody: false)
        }
        #expect(life.expired(now: start + .milliseconds(10_900)) == nil)
        #expect(life.expired(now: start + .seconds(11)) == .slowHeader)
        #expect(ConnectionLifecycle.Timeout.slowHeader.answersRequestTimeout)
    }

    @Test func bodyBytesKeepTheBodyDeadlineMoving() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.received(now: start, readingHead: true, readingBody: false)
        life.headComplete(now: start + .seconds(1))
        life.received(now: start + .seconds(4), readingHead: false, readingBody: true)
        #expect(life.expired(now: start + .seconds(8)) == nil)
        #expect(life.expired(now: start + .seconds(9)) == .idleBody)
    }

    @Test func noDeadlineWhileAHandlerRuns() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.requestComplete(now: start)
        #expect(life.expired(now: start + .seconds(3600)) == nil)
    }

    @Test func aClientThatStopsReadingIsDroppedAfterTheWriteTimeout() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.requestComplete(now: start)
        life.writeBlocked(now: start + .seconds(1))
        life.wrote(now: start + .seconds(20))
        #expect(life.expired(now: start + .seconds(49)) == nil)
        #expect(life.expired(now: start + .seconds(50)) == .idleWrite)
        #expect(!ConnectionLifecycle.Timeout.idleWrite.answersRequestTimeout)
    }

    @Test func keepAliveDeadlineRestartsAfterEachResponse() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.requestComplete(now: start + .seconds(50))
        life.responseComplete(now: start + .seconds(51))
        #expect(life.expired(now: start + .seconds(100)) == nil)
        #expect(life.expired(now: start + .seconds(111)) == .keepAliveIdle)
    }

    @Test func closedConnectionsHaveNoDeadline() {
        var life = ConnectionLifecycle(timeouts: timeouts, now: start)
        life.close()
        #expect(life.expired(now: start + .seconds(1000)) == nil)
    }
}
