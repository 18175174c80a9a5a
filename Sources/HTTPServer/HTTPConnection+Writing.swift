import Dispatch
import EventLoops
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing responses and closing: non-blocking sends with a write interest while the socket is
/// full, and the lingering close that keeps a final response from being lost to a reset.
extension HTTPConnection {
    // MARK: Writing

    func enqueueAndWait(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute {
                guard !self.isClosed else {
                    continuation.resume(throwing: SystemError("write", errno: EPIPE))
                    return
                }
                self.enqueue(bytes)
                if self.writeOffset == self.writeBuffer.count {
                    continuation.resume()
                } else {
                    self.flushWaiters.append(continuation)
                }
            }
        }
    }

    func enqueue(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty else { return }
        if writeOffset == writeBuffer.count {
            writeBuffer = bytes
            writeOffset = 0
        } else {
            writeBuffer.append(contentsOf: bytes)
        }
        flush()
    }

    func flush() {
        while writeOffset < writeBuffer.count {
            let n = writeBuffer.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + writeOffset, raw.count - writeOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                writeOffset += n
                lifecycle.wrote(now: .now)
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                lifecycle.writeBlocked(now: .now)
                resumeWriteSource()
                return
            } else {
                forceClose()
                return
            }
        }
        writeBuffer.removeAll(keepingCapacity: writeBuffer.capacity <= 64 * 1024)
        writeOffset = 0
        suspendWriteSource()
        if lifecycle.phase == .writing {
            if inFlight { lifecycle.requestComplete(now: .now) } else { lifecycle.responseComplete(now: .now) }
        }
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0.resume() }
        if closeRequested {
            lingeringClose()
        } else if continueAfterDrain {
            continueAfterDrain = false
            continueWithNextRequest()
        }
    }

    func resumeWriteSource() {
        guard !wantsWrite else { return }
        wantsWrite = true
        updateInterest()
    }

    func suspendWriteSource() {
        guard wantsWrite else { return }
        wantsWrite = false
        updateInterest()
    }

    func suspendReading() {
        guard !readSuspended else { return }
        readSuspended = true
        updateInterest()
    }

    func resumeReading() {
        guard readSuspended else { return }
        readSuspended = false
        updateInterest()
    }

    func updateInterest() {
        guard !isClosed else { return }
        var interest: EventLoop.Interest = []
        if !readSuspended { interest.insert(.read) }
        if wantsWrite { interest.insert(.write) }
        loop.update(fd, interest: interest)
    }

    // MARK: Closing

    /// Finishes sending what is queued, then closes (no further requests are read).
    func closeWhenFlushed() {
        guard !isClosed else { return }
        closeRequested = true
        if writeOffset == writeBuffer.count { lingeringClose() }
    }

    /// Half-closes and drains what the client still sends for a moment, so that unread
    /// request bytes do not make the kernel reset the connection before the client has read
    /// the final response.
    func lingeringClose() {
        guard !isClosed, !lingering else { return }
        if peerClosed {
            forceClose()
            return
        }
        lingering = true
        lingerDeadline = .now + HTTPConnection.lingerTime
        Glibc.shutdown(fd, Int32(SHUT_WR))
        resumeReading()
    }

    func forceClose() {
        guard !isClosed else { return }
        isClosed = true
        lifecycle.close()
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0.resume(throwing: SystemError("write", errno: EPIPE)) }
        loop.unregister(fd)
        Glibc.close(fd)
        core.connectionClosed(self)
    }
}

/// Writes a streamed body to its connection, chunk-framed when needed; every write waits for
/// the socket to take the bytes.
struct StreamWriter: HTTPBodyWriter {
    let connection: HTTPConnection
    let chunked: Bool

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await connection.enqueueAndWait(chunked ? ResponseSerializer.chunk(bytes) : bytes)
    }

    func finish() async throws {
        if chunked { try await connection.enqueueAndWait(ResponseSerializer.lastChunk) }
    }
}
