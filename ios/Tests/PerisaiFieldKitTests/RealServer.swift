// A real `perisai-server` (PERISAI_SERVER_BIN, built by scripts/swift-tests.sh) on an SQLite file
// in a temporary folder, listening on a free loopback port. `stop()` ends it; it is also ended
// when the test process exits normally or on SIGINT/SIGTERM, and on Linux by the kernel when the
// test process dies in any way (a parent-death signal); scripts/swift-tests.sh fails if anything
// it started is still running after the tests.
// The admin commands are the operator CLI (ARCHITECTURE.md §7): each prints its id or code last.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// util-linux's setpriv (Debian, and the Swift root of scripts/swift-tests.sh).
private let setpriv = "/usr/bin/setpriv"

final class RealServer {
    let dir: URL
    let url: String
    /// The server key's fingerprint, as the server printed it when it started.
    let fingerprint: String
    private let process: Process
    private var databaseUrl: String { "sqlite:" + dir.appendingPathComponent("server.db").path }

    static func binary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["PERISAI_SERVER_BIN"] else {
            throw Failure("PERISAI_SERVER_BIN is not set: run the tests through scripts/swift-tests.sh")
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure("\(path) not found: cargo build -p perisai-server")
        }
        return path
    }

    /// Starts a server on 127.0.0.1 with a free port and waits until it listens; `serveArgs` go
    /// to `serve` (e.g. `--batches-per-minute 1`).
    static func start(serveArgs: [String] = []) throws -> RealServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("perisai-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let process = Process()
        let serve = [try binary(), "--database-url", "sqlite:" + dir.appendingPathComponent("server.db").path,
                     "serve", "--listen", "127.0.0.1:0"] + serveArgs
        if FileManager.default.isExecutableFile(atPath: setpriv) {
            // Linux: the kernel kills the server when this test process dies, even by a crash.
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--"] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: serve[0])
            process.arguments = Array(serve.dropFirst())
        }
        process.currentDirectoryURL = dir
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        Live.add(process)
        // Read stdout line by line until the address; then keep draining it on a thread so the
        // server never blocks on a full pipe.
        let reader = LineReader(out.fileHandleForReading)
        var url: String?
        var fingerprint: String?
        while url == nil, let line = reader.next() {
            if line.hasPrefix("server key fingerprint ") { fingerprint = String(line.dropFirst("server key fingerprint ".count)) }
            if let r = line.range(of: "listening on http://127.0.0.1:") { url = "http://" + line[r.lowerBound...].dropFirst("listening on http://".count) }
        }
        guard let url, let fingerprint else {
            Live.stop(process)
            throw Failure("perisai-server did not start")
        }
        Thread.detachNewThread { while reader.next() != nil {} }
        return RealServer(dir: dir, url: url.trimmingCharacters(in: .whitespaces), fingerprint: fingerprint, process: process)
    }

    private init(dir: URL, url: String, fingerprint: String, process: Process) {
        self.dir = dir
        self.url = url
        self.fingerprint = fingerprint
        self.process = process
    }

    /// `perisai-server admin ARGS…`: the last line of stdout (the id or code).
    @discardableResult
    func admin(_ args: String...) throws -> String {
        try lastLine(run(["admin"] + args))
    }

    /// `perisai-server ARGS…`: the whole stdout; throws when it fails.
    func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.binary())
        p.arguments = ["--database-url", databaseUrl] + args
        p.currentDirectoryURL = dir
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure("perisai-server \(args.prefix(2).joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// A branch, a Wadah and an agent in it; the agent's id.
    func agent(branch: String = "KC-BGR") throws -> String {
        try admin("create-branch", "--code", branch, "--name", "Kantor Cabang Bogor")
        let wadah = try admin("create-wadah", "--branch", branch, "--name", "Koperasi Pasar Anyar")
        return try admin("create-agent", "--wadah", wadah, "--name", "Rina Agen")
    }

    /// A new one-time code for `agent` as the branch's QR code carries it (`perisai:activate?…`).
    func qrPayload(agent: String) throws -> String {
        let out = try run(["admin", "issue-code", "--agent", agent, "--server-url", url])
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("qr ") }) else {
            throw Failure("issue-code printed no QR payload")
        }
        return String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
    }

    /// Imports payment confirmations (`payment_ref,nik,contribution_month,amount,paid_at` rows).
    func importPayments(_ rows: [String]) throws -> String {
        let file = dir.appendingPathComponent("payments-\(UUID().uuidString).csv")
        let csv = (["payment_ref,nik,contribution_month,amount,paid_at"] + rows).joined(separator: "\n") + "\n"
        try csv.write(to: file, atomically: true, encoding: .utf8)
        return try run(["admin", "import-payments", "--file", file.path])
    }

    func stop() {
        Live.stop(process)
        try? FileManager.default.removeItem(at: dir)
    }

    private func lastLine(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The servers still running, ended at exit (normal, SIGINT, SIGTERM) if a test did not stop one.
enum Live {
    private static let lock = NSLock()
    private static var pids: Set<Int32> = []
    private static var installed = false

    static func add(_ process: Process) {
        lock.lock()
        defer { lock.unlock() }
        pids.insert(process.processIdentifier)
        guard !installed else { return }
        installed = true
        atexit { Live.killAll() }
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { received in
                Live.killAll()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    static func stop(_ process: Process) {
        lock.lock()
        pids.remove(process.processIdentifier)
        lock.unlock()
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static func killAll() {
        for pid in pids { kill(pid, SIGKILL) }
        pids = []
    }
}

/// Lines of a pipe, read as they come.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            buffer.append(chunk)
        }
    }
}
