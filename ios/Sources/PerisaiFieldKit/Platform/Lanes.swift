// Where work runs. Core calls block (SQLite, sealing, the network), so screens never make them
// on the main thread: `core` runs them one after another off it, `sync` runs the long sync
// calls beside them, and `main` hands every result back to the screens.

import Foundation

public struct Lane {
    private let submit: (@escaping () -> Void) -> Void

    public init(_ submit: @escaping (@escaping () -> Void) -> Void) {
        self.submit = submit
    }

    public func async(_ work: @escaping () -> Void) { submit(work) }

    /// A serial DispatchQueue.
    public static func queue(_ label: String) -> Lane {
        let q = DispatchQueue(label: label)
        return Lane { work in
            let handed = Handed(work)
            q.async { handed.work() }
        }
    }

    /// The main queue.
    public static let main = Lane { work in
        let handed = Handed(work)
        DispatchQueue.main.async { handed.work() }
    }

    /// Runs the work at once, on the caller's thread: for tests, so that every action has
    /// finished when it returns.
    public static let inline = Lane { $0() }
}

/// Work handed from one queue to another: the lanes' discipline (core calls on the core lane,
/// screen state on the main lane) is what keeps it safe, not the compiler.
private struct Handed: @unchecked Sendable {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}

public struct Lanes {
    public let core: Lane
    public let sync: Lane
    public let main: Lane

    public init(core: Lane, sync: Lane, main: Lane) {
        self.core = core
        self.sync = sync
        self.main = main
    }

    /// The app's: two serial queues and the main queue.
    public static func dispatch() -> Lanes {
        Lanes(core: .queue("id.perisai.field.core"), sync: .queue("id.perisai.field.sync"), main: .main)
    }

    /// Everything at once on the caller's thread (tests).
    public static let inline = Lanes(core: .inline, sync: .inline, main: .inline)
}
