// The app lock's state (iOS: Face ID, Touch ID or the device passcode through LocalAuthentication).
//
// Locked when the app starts; unlocked when the phone's owner check passes; locked again when the
// agent comes back after five minutes or more away (a participant's data is on the screens): that
// rule is the core's gate (`perisai_core::lock`, the same on Android); this class adds what the
// screens need around it. The
// lock covers the screens, it does not replace them: the navigation stack and a half-filled form
// are still there after unlocking. While the app is away (and in the app switcher's snapshot) the
// screens are covered too, without locking.
//
// `now` is a clock that never goes back (iOS: ProcessInfo.systemUptime), so changing the phone's
// time cannot skip the lock.

import Foundation
import PerisaiCore

public final class LockGate: ScreenState {
    /// Five minutes (the core's): a stall's customer served, a receipt sent by SMS, not a phone
    /// left behind.
    public static let relockAfter = TimeInterval(relockAfterMs()) / 1000

    private let now: () -> TimeInterval
    private let gate = PerisaiCore.LockGate()

    /// The owner check is needed before the screens show.
    public private(set) var locked = true
    /// The app is not in front: the screens are covered (the app switcher takes a snapshot).
    public private(set) var covered = false
    /// The last owner check failed or was cancelled (the lock says "try again").
    public private(set) var failed = false

    public init(now: @escaping () -> TimeInterval) {
        self.now = now
    }

    /// The owner check passed.
    public func unlock() {
        gate.unlock()
        locked = gate.isLocked()
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
        gate.left(nowMs: milliseconds())
        covered = true
        changed()
    }

    /// The app is in front again: locked if it was away `relockAfter` or more.
    public func returned() {
        covered = false
        locked = gate.returned(nowMs: milliseconds())
        changed()
    }

    private func milliseconds() -> Int64 {
        Int64((now() * 1000).rounded(.down))
    }

    /// The screens may show: unlocked and in front.
    public var showsScreens: Bool { !locked && !covered }
}
