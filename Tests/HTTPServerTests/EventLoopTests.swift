import EventLoops
import Foundation
import Synchronization
import Testing
@testable import HTTPServer
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The event loop's own thread: order of work, `current`, readiness, task executor, and that
/// its thread goes away with it. Threads are found by name (`loop-<id>`) in /proc/self/task,
/// since other suites start and stop servers (and so loop threads) in parallel.
@Suite struct EventLoopTests {
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func hasThread(_ loopID: Int) -> Bool { threadNames().contains("loop-\(loopID)") }

    /// Waits up to two seconds for the loops' threads to be gone.
    static func threadsExit(_ ids: [Int]) async -> Bool {
        for _ in 0..<200 {
            if !ids.contains(where: hasThread) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func executeFromAnotherThreadRunsInOrderOnTheLoop() async throws {
        let loop = try EventLoop()
        #expect(Self.hasThread(loop.id))
        #expect(EventLoop.current == nil)
        #expect(!loop.isCurrent)
        let seen = Mutex<[Int]>([])
        let onLoop = Atomic<Int>(0)
        let thread = Mutex<pthread_t?>(nil)
        let otherThreads = Atomic<Int>(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for i in 0..<1000 {
                loop.execute {
                    seen.withLock { $0.append(i) }
                    if EventLoop.current === loop && loop.isCurrent { onLoop.add(1, ordering: .relaxed) }
                    thread.withLock { t in
                        if let t, pthread_equal(t, pthread_self()) == 0 { otherThreads.add(1, ordering: .relaxed) }
                        t = pthread_self()
                    }
                    if i == 999 { done.resume() }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(0..<1000))
        #expect(onLoop.load(ordering: .relaxed) == 1000)
        let name = await withCheckedContinuation { (got: CheckedContinuation<String, Never>) in
            loop.execute {
                let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                got.resume(returning: (comm ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        #expect(name == "loop-\(loop.id)")
        #expect(thread.withLock { $0 } != nil && otherThreads.load(ordering: .relaxed) == 0, "every job ran on one thread")
        #expect(EventLoop.current == nil)
    }

    /// Several producers at once: each one's jobs keep their order, none is lost.
    @Test func concurrentProducersKeepTheirOwnOrder() async throws {
        let loop = try EventLoop()
        let seen = Mutex<[[Int]]>(Array(repeating: [], count: 4))
        let remaining = Atomic<Int>(4 * 2000)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for producer in 0..<4 {
                Thread.detachNewThread {
                    for i in 0..<2000 {
                        loop.execute {
                            seen.withLock { $0[producer].append(i) }
                            if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.resume() }
                        }
                    }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(repeating: Array(0..<2000), count: 4))
    }

    /// From the loop itself: the job runs after the current one, on a later turn.
    @Test func executeFromTheLoopRunsAfterTheCurrentJob() async throws {
        let loop = try EventLoop()
        let steps = Mutex<[String]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                steps.withLock { $0.append("outer") }
                loop.execute {
                    steps.withLock { $0.append("inner \(loop.isCurrent)") }
                    done.resume()
                }
                steps.withLock { $0.append("outer end") }
            }
        }
        #expect(steps.withLock { $0 } == ["outer", "outer end", "inner true"])
    }

    final class PipeReader: EventLoop.Handler, @unchecked Sendable {
        let fd: Int32
        let loop: EventLoop
        let got: CheckedContinuation<[UInt8], Never>
        init(fd: Int32, loop: EventLoop, got: CheckedContinuation<[UInt8], Never>) { (self.fd, self.loop, self.got) = (fd, loop, got) }
        func readable() {
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = read(fd, &buffer, 64)
            let onLoop = EventLoop.current === loop
            loop.unregister(fd)
            got.resume(returning: onLoop ? Array(buffer.prefix(max(n, 0))) : [])
        }
        func writable() {}
    }

    @Test func aRegisteredPipeIsReadableOnTheLoop() async throws {
        let loop = try EventLoop()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let (readFD, writeFD) = (fds[0], fds[1])
        let bytes = await withCheckedContinuation { (got: CheckedContinuation<[UInt8], Never>) in
            loop.execute {
                do {
                    try loop.register(readFD, PipeReader(fd: readFD, loop: loop, got: got), interest: .read)
                } catch {
                    got.resume(returning: [])
                    return
                }
                // The loop goes to sleep in epoll_wait; the write from another thread wakes it.
                Thread.detachNewThread {
                    usleep(20_000)
                    _ = write(writeFD, "ping", 4)
                }
            }
        }
        #expect(bytes == Array("ping".utf8))
    }

    @Test func aTaskPreferringTheLoopRunsOnItsThread() async throws {
        let loop = try EventLoop()
        let onLoop = await Task(executorPreference: loop) { () async -> [Bool] in
            var seen = [EventLoop.current === loop]
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(5))
            seen.append(EventLoop.current === loop)
            return seen
        }.value
        #expect(onLoop == [true, true])
    }

    @Test func shutdownEndsTheThreadAndIsIdempotent() async throws {
        let loop = try EventLoop()
        #expect(Self.hasThread(loop.id))
        loop.shutdown()
        // From another thread, shutdown joins: the thread is gone when it returns.
        #expect(!Self.hasThread(loop.id))
        loop.shutdown()
        // Work that still arrives runs elsewhere (see workAfterShutdownStillRuns…), never on the loop.
        let onLoop = await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: EventLoop.current === loop) }
        }
        #expect(!onLoop)
    }

    @Test func releasingTheLoopEndsItsThread() async throws {
        var ids: [Int] = []
        for _ in 0..<20 {
            let loop = try EventLoop()
            ids.append(loop.id)
            // The last reference may go on the loop itself, inside this job.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                loop.execute { done.resume() }
            }
        }
        #expect(await Self.threadsExit(ids))
    }

    @Test func aServerStopsItsLoopsAtShutdown() async throws {
        let ids = try await withTestServer(router: makeLiveRouter(), configure: { $0.eventLoops = 2 }) { server in
            let ids = server.loops.map(\.id)
            #expect(ids.allSatisfy(Self.hasThread))
            let client = try RawHTTPClient(port: server.port)
            try await client.send(get("/hello"))
            #expect(try await client.readResponse().status == 200)
            return ids
        }
        #expect(await Self.threadsExit(ids))
    }

    @Test func manyServersLeaveNoLoopThreads() async throws {
        var ids: [Int] = []
        for i in 0..<40 {
            let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), router: makeLiveRouter(),
                                    logger: testLogger())
            ids += server.loops.map(\.id)
            // Half are started and shut down, half never start (their deinit stops the loops).
            if i.isMultiple(of: 2) {
                try server.start()
                await server.shutdown()
            }
        }
        #expect(await Self.threadsExit(ids))
    }

    /// Work that reaches a loop after its shutdown still runs, one job at a time and in order,
    /// and nothing new can wait on the loop's epoll.
    @Test func workAfterShutdownStillRunsAndNothingNewWaits() async throws {
        let loop = try EventLoop()
        loop.shutdown()
        let order = await withCheckedContinuation { (continuation: CheckedContinuation<[Int], Never>) in
            let seen = Mutex<[Int]>([])
            for i in 0..<50 {
                loop.execute {
                    let all = seen.withLock { $0.append(i); return $0 }
                    if all.count == 50 { continuation.resume(returning: all) }
                }
            }
        }
        #expect(order == Array(0..<50))
        // A task pinned to the stopped loop still resumes after an await.
        let resumed = try await Task(executorPreference: loop) { () -> Bool in
            try await Task.sleep(for: .milliseconds(10))
            return true
        }.value
        #expect(resumed)
        final class Idle: EventLoop.Handler { func readable() {}; func writable() {} }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(throws: EventLoopError.self) { try loop.register(fds[0], Idle(), interest: .read) }
    }
}
