import Foundation
import HTTPServer
import MediaProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A signed bundle's body on its way in: written to an unlinked temporary file as it arrives
/// (a 256 MiB bundle never sits in the agent's memory while it is received) and hashed on the
/// way, so that it is decoded only once it matches the digest the portal signed.
final class BundleUpload: HTTPBodySink, @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    // Written on the connection's event loop while the body arrives; read by the handler after.
    private let fd: Int32
    private let hasher = SHA256Stream()
    let expectedDigest: String
    let expectedLength: Int
    private(set) var written = 0

    /// Opens the spool file in `directory` and unlinks it at once: nothing is left behind,
    /// whatever happens to the request or the process.
    init(directory: String, digest: String, length: Int) throws {
        var template = Array((directory + "/centralita-bundle-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SystemError("mkstemp in \(directory)", errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        expectedDigest = digest
        expectedLength = length
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) throws {
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SystemError("write bundle spool", errno: errno) }
            offset += n
        }
        written += bytes.count
    }

    /// The whole body once it is known to be the signed one (blocking: call off the loop).
    func verifiedBody() throws -> Data {
        guard written == expectedLength, Digests.constantTimeEqual(Array(hasher.finishHex().utf8), Array(expectedDigest.utf8)) else {
            throw Failure(description: RequestSignature.Failure.bodyMismatch.description)
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SystemError("seek bundle spool", errno: errno) }
        return try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data()
    }
}
