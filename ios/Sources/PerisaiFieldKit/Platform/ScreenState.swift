// The base of every screen's state: SwiftUI observes it (ObservableObject where Combine exists),
// and tests or other code can listen to it anywhere.

#if canImport(Combine)
import Combine
#endif
import Foundation

open class ScreenState {
    #if canImport(Combine)
    public let objectWillChange = ObservableObjectPublisher()
    #endif
    private var listeners: [(Int, () -> Void)] = []
    private var nextListener = 0

    public init() {}

    /// Called (on the main lane) after every change.
    @discardableResult
    public func listen(_ listener: @escaping () -> Void) -> Int {
        nextListener += 1
        listeners.append((nextListener, listener))
        return nextListener
    }

    public func unlisten(_ token: Int) {
        listeners.removeAll { $0.0 == token }
    }

    /// Tells SwiftUI and the listeners; call it on the main lane.
    public func changed() {
        #if canImport(Combine)
        objectWillChange.send()
        #endif
        for (_, listener) in listeners { listener() }
    }
}

#if canImport(Combine)
extension ScreenState: ObservableObject {}
#endif
