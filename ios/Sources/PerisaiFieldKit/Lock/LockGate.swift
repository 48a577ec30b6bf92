// The app lock's state (iOS: Face ID, Touch ID or the device passcode through LocalAuthentication).
//
// Locked when the app starts; unlocked when the phone's owner check passes; locked again when the
// agent comes back after `relockAfter` or more away (a participant's data is on the screens). The
// lock covers the screens, it does not replace them: the navigation stack and a half-filled form
// are still there after unlocking. While the app is away (and in the app switcher's snapshot) the
// screens are covered too, without locking.
//
// `now` is a clock that never goes back (iOS: ProcessInfo.systemUptime), so changing the phone's
// time cannot skip the lock.

import Foundation

public final class LockGate: ScreenState {
    /// Five minutes: a stall's customer served, a receipt sent by SMS, not a phone left behind.
    public static let defaultRelockAfter: TimeInterval = 5 * 60

    public let relockAfter: TimeInterval
    private let now: () -> TimeInterval
    private var leftAt: TimeInterval?

    /// The owner check is needed before the screens show.
    public private(set) var locked = true
    /// The app is not in front: the screens are covered (the app switcher takes a snapshot).
    public private(set) var covered = false
    /// The last owner check failed or was cancelled (the lock says "try again").
    public private(set) var failed = false

    public init(now: @escaping () -> TimeInterval, relockAfter: TimeInterval = LockGate.defaultRelockAfter) {
        self.now = now
        self.relockAfter = relockAfter
    }

    /// The owner check passed.
    public func unlock() {
        leftAt = nil
        locked = false
        failed = false
        changed()
    }

    /// The owner check failed or was cancelled.
    public func unlockFailed() {
        failed = true
        changed()
    }

    /// The app left the foreground (inactive or background).
    public func left() {
        if leftAt == nil { leftAt = now() }
        covered = true
        changed()
    }

    /// The app is in front again: locked if it was away `relockAfter` or more.
    public func returned() {
        covered = false
        if let since = leftAt {
            leftAt = nil
            if now() - since >= relockAfter { locked = true }
        }
        changed()
    }

    /// The screens may show: unlocked and in front.
    public var showsScreens: Bool { !locked && !covered }
}
