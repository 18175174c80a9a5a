import Foundation
import HTTPServer
import Postgres
import Synchronization

/// A throwaway PostgreSQL cluster for tests: its own temporary directory, a unix socket only,
/// fsync off. A watchdog process stops it and deletes the directory as soon as the test
/// process exits, however it exits. Most tests share `PostgresCluster.shared` and take a fresh
/// database from it; tests that restart the server make a cluster of their own.
public final class PostgresCluster: Sendable {
    public let directory: String
    public let port: Int
    private let bin: String

    public var socketDirectory: String { directory + "/run" }
    var dataDirectory: String { directory + "/data" }

    private static let sharedCluster = SharedTask<PostgresCluster> { try await PostgresCluster.start() }
    private static let databaseCounter = Mutex(0)

    /// The cluster shared by every test in this process.
    public static func shared() async throws -> PostgresCluster { try await sharedCluster.value() }

    /// A new, empty database in the shared cluster, with its connection URL.
    public static func freshDatabase(_ label: String = "t") async throws -> String {
        let cluster = try await shared()
        return try await cluster.createDatabase(label)
    }

    public static func start() async throws -> PostgresCluster {
        let bin = try serverBinDirectory()
        let directory = try await BlockingIO.run { () -> String in
            var template = Array((NSTemporaryDirectory() + "centralita-pg-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", errno: errno) }
            return String(cString: made)
        }
        let port = 20_000 + Int.random(in: 0..<20_000)
        let cluster = PostgresCluster(directory: directory, port: port, bin: bin)
        try await cluster.initialize()
        try await cluster.startServer()
        try await cluster.createRoles()
        return cluster
    }

    /// The cluster-wide roles the migrations create (0002, 0013), and the migrating user's
    /// membership, made once before any test migrates. Tests migrate many databases of one
    /// cluster at once; when two create the role together, the one that loses can go on with a
    /// catalogue snapshot from before the winner's commit and find no role to grant (`42704`,
    /// seen once in a full run), and two first grants of the membership collide (`23505`).
    /// Each migration still runs its statements and finds them done, as on a second database.
    private func createRoles() async throws {
        let admin = PostgresPool(.init(connectionString: url(), maxConnections: 1))
        defer { admin.shutdown() }
        try await admin.query("CREATE ROLE centralita_app NOLOGIN NOSUPERUSER NOBYPASSRLS")
        try await admin.query("CREATE ROLE centralita_definer NOLOGIN NOSUPERUSER BYPASSRLS")
        try await admin.query("GRANT centralita_app TO postgres")
    }

    private init(directory: String, port: Int, bin: String) {
        self.directory = directory
        self.port = port
        self.bin = bin
    }

    public func url(database: String = "postgres") -> String {
        "postgresql://postgres@/\(database)?host=\(socketDirectory)&port=\(port)"
    }

    private func initialize() async throws {
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        if Shell.isRoot {
            try await Shell.run("/bin/chown", ["-R", "postgres:postgres", directory])
        }
        try await asDatabaseUser(bin + "/initdb", ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                                   "--locale=C.UTF-8", "--no-sync"])
        startWatchdog()
    }

    public func startServer() async throws {
        try await asDatabaseUser(bin + "/pg_ctl", [
            "-D", dataDirectory, "-w", "-l", directory + "/server.log",
            "-o", "-c listen_addresses='' -c unix_socket_directories='\(socketDirectory)' -p \(port) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600",
            "start",
        ])
    }

    public func stopServer() async throws {
        try await asDatabaseUser(bin + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
    }

    public func restartServer() async throws {
        try await stopServer()
        try await startServer()
    }

    public func createDatabase(_ label: String) async throws -> String {
        let n = PostgresCluster.databaseCounter.withLock { $0 += 1; return $0 }
        let safe = label.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(30)
        let name = "\(safe)_\(n)_\(Int.random(in: 0..<1_000_000))"
        let admin = PostgresPool(.init(connectionString: url(), maxConnections: 1))
        defer { admin.shutdown() }
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(PostgresConnection.quoteIdentifier(name))"))
        return url(database: name)
    }

    /// Stops the cluster and removes its files now (the watchdog would, at process exit).
    public func destroy() async {
        try? await asDatabaseUser(bin + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asDatabaseUser(_ executable: String, _ arguments: [String]) async throws {
        if Shell.isRoot {
            try await Shell.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try await Shell.run(executable, arguments)
        }
    }

    /// A detached shell that waits for this process to end, then stops the server and
    /// deletes the directory, so a crashed or killed test run leaves nothing behind.
    private func startWatchdog() {
        let pid = ProcessInfo.processInfo.processIdentifier
        let stop = (Shell.isRoot ? "runuser -u postgres -- " : "") + "'\(bin)/pg_ctl' -D '\(dataDirectory)' -m immediate -w stop"
        let script = "while kill -0 \(pid) 2>/dev/null; do sleep 0.5; done; \(stop) >/dev/null 2>&1; rm -rf '\(directory)'"
        try? Shell.spawnDetached("/bin/sh", ["-c", script])
    }

    static func serverBinDirectory() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["PG_BIN"], FileManager.default.isExecutableFile(atPath: bin + "/initdb") {
            return bin
        }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw Shell.Failure(command: "find initdb", status: 1, output: "PostgreSQL server binaries not found; set PG_BIN or install postgresql")
    }
}

/// Computes a value once, on first request, for every caller (a failure is remembered too).
final class SharedTask<T: Sendable>: Sendable {
    private let state = Mutex<Task<T, any Error>?>(nil)
    private let make: @Sendable () async throws -> T

    init(_ make: @escaping @Sendable () async throws -> T) { self.make = make }

    func value() async throws -> T {
        let task = state.withLock { current -> Task<T, any Error> in
            if let current { return current }
            let task = Task { try await make() }
            current = task
            return task
        }
        return try await task.value
    }
}
