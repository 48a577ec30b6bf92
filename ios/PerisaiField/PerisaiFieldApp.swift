// The SwiftUI app: the lock first (Face ID / Touch ID / passcode), then home. Screens hold no
// domain logic: they show PerisaiFieldKit's state, which the core computes.

import LocalAuthentication
import PerisaiFieldKit
import SwiftUI

@main
struct PerisaiFieldApp: App {
    @StateObject private var model = AppModel()
    @State private var unlocked = false
    @Environment(\.scenePhase) private var phase

    init() {
        // BGTaskScheduler needs its handler registered before launch ends.
        _model.wrappedValue.sync.start()
    }

    var body: some Scene {
        WindowGroup {
            Group {
                if unlocked {
                    NavigationStack { HomeView() }
                } else {
                    LockView(onUnlocked: { unlocked = true })
                }
            }
            .environmentObject(model)
        }
        .onChange(of: phase) { newPhase in
            // Personal data on screen: lock again whenever the app leaves the foreground.
            if newPhase == .background { unlocked = false }
        }
    }
}

/// Face ID, Touch ID or the device passcode (LocalAuthentication's deviceOwnerAuthentication).
struct LockView: View {
    let onUnlocked: () -> Void
    @State private var failed = false

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "shield.fill").font(.system(size: 64)).foregroundColor(.green)
            Text("Buka Perisai Field").font(.title2)
            if failed { Text("Gagal membuka. Coba lagi.").foregroundColor(.red) }
            Button("Buka") { unlock() }.buttonStyle(.borderedProminent)
        }
        .padding()
        .onAppear { unlock() }
    }

    private func unlock() {
        let context = LAContext()
        var error: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthentication, error: &error) else {
            // No passcode on the phone: the branch's device policy requires one.
            failed = true
            return
        }
        context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: "Buka data peserta") { ok, _ in
            DispatchQueue.main.async {
                if ok { onUnlocked() } else { failed = true }
            }
        }
    }
}
