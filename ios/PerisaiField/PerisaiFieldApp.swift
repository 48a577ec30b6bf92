// The SwiftUI app. The app model is created once, by the app delegate while the app launches
// (BGTaskScheduler wants the background task registered before launch ends), and started there:
// sync scheduling runs from the first moment. The lock covers the navigation stack instead of
// replacing it, so unlocking comes back to the same screen and a half-filled form.
// Screens hold no logic: they draw PerisaiFieldKit's screen states and call their actions.

import LocalAuthentication
import PerisaiCore
import PerisaiFieldApple
import PerisaiFieldKit
import SwiftUI
import UIKit

final class AppDelegate: NSObject, UIApplicationDelegate {
    /// The one app model of the process (nil when the sealed store cannot be opened).
    private(set) var model: AppModel?
    private(set) var openError: Error?

    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        do {
            let model = try AppModel(platform: PhonePlatform.make())
            model.start()
            self.model = model
        } catch {
            openError = error
        }
        return true
    }
}

@main
struct PerisaiFieldApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup {
            if let model = delegate.model {
                RootView(model: model, lock: model.lock)
            } else {
                let lang = Lang.from(locale: .current)
                Text(ScreenText.storeFailed.text(lang) + "\n" + ((delegate.openError as? PerisaiError)?.message(lang) ?? ""))
                    .padding()
            }
        }
    }
}

struct RootView: View {
    @ObservedObject var model: AppModel
    @ObservedObject var lock: LockGate
    @Environment(\.scenePhase) private var phase

    var body: some View {
        NavigationStack(path: Binding(get: { model.path }, set: { model.setPath($0) })) {
            HomeView(screen: model.home)
                .navigationDestination(for: Route.self) { route in destination(route) }
        }
        .environmentObject(model)
        .overlay {
            if !lock.showsScreens { LockView(model: model, lock: lock) }
        }
        .onChange(of: phase) { newPhase in
            // Personal data on screen: covered whenever the app is not in front (and in the
            // app switcher's snapshot); locked again after five minutes away.
            if newPhase == .active { model.didEnterForeground() } else { model.didLeaveForeground() }
        }
    }

    @ViewBuilder
    private func destination(_ route: Route) -> some View {
        switch route {
        case .newEnrollment, .draft, .correction: EnrollmentFormView(screen: model.enrollment(route))
        case let .receipt(id): ReceiptView(screen: model.receipt(id))
        case .myEnrollments: MyEnrollmentsView(screen: model.myEnrollments())
        case .participants: ParticipantsView(screen: model.participants())
        case .commission: CommissionView(screen: model.commission())
        case let .cash(id): CashView(screen: model.cash(id))
        case .activation: ActivationView(screen: model.activation())
        }
    }
}

/// Face ID, Touch ID or the device passcode (LocalAuthentication's deviceOwnerAuthentication).
struct LockView: View {
    let model: AppModel
    @ObservedObject var lock: LockGate
    @State private var noPasscode = false

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "shield.fill").font(.system(size: 64)).foregroundColor(.green)
            Text(model.t(ScreenText.lockTitle)).font(.title2)
            if lock.locked {
                if noPasscode { Text(model.t(ScreenText.lockNoPasscode)).foregroundColor(.red) }
                if lock.failed { Text(model.t(ScreenText.lockFailed)).foregroundColor(.red) }
                Button(model.t(ScreenText.open)) { unlock() }.buttonStyle(.borderedProminent)
            }
        }
        .padding()
        .frame(maxWidth: .infinity, maxHeight: .infinity)
        .background(Color(.systemBackground))
        .onAppear { if lock.locked && !lock.covered { unlock() } }
    }

    private func unlock() {
        let context = LAContext()
        var error: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthentication, error: &error) else {
            // No passcode on the phone: the branch's device policy requires one.
            noPasscode = true
            return
        }
        context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: model.t(ScreenText.lockReason)) { ok, _ in
            DispatchQueue.main.async { if ok { lock.unlock() } else { lock.unlockFailed() } }
        }
    }
}
