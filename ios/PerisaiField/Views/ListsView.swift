import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// "Pendaftaran saya": every record, its state, drafts to continue, a fix where the core allows one.
struct MyEnrollmentsView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: MyEnrollmentsScreen

    var body: some View {
        List {
            if let problem = screen.problem { Text(problem).foregroundColor(.red) }
            ForEach(screen.rows) { row in
                VStack(alignment: .leading) {
                    Text(row.name).font(.headline)
                    Text(row.number)
                    Text(row.stateLabel).foregroundColor(row.needsFix ? .orange : .primary)
                    HStack {
                        Button(model.t(row.isDraft ? ScreenText.continueDraft : ScreenText.seeReceipt)) { screen.open(row) }
                        if row.needsFix { Button(model.t(ScreenText.fix)) { screen.fix(row) } }
                    }
                    .buttonStyle(.borderless)
                }
                .swipeActions {
                    if row.canWithdraw {
                        Button(model.t(ScreenText.withdraw), role: .destructive) { screen.withdraw(row) }
                    }
                }
            }
        }
        .navigationTitle(model.t(ScreenText.myEnrollments))
        .onAppear { screen.reload() }
    }
}

/// "Peserta saya": approved participants, next due month, payment code, and cash taken.
struct ParticipantsView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: ParticipantsScreen

    var body: some View {
        List {
            if screen.rows.isEmpty { Text(model.t(ScreenText.noParticipants)) }
            ForEach(screen.rows) { p in
                VStack(alignment: .leading) {
                    Text(p.name).font(.headline)
                    Text(p.nikMasked)
                    Text(screen.dueText(p)).foregroundColor(p.overdue ? .red : .primary)
                    Text(screen.paymentCodeText(p))
                    if let status = p.paymentStatus { Text(status).font(.footnote) }
                    NavigationLink(model.t(ScreenText.recordCash), value: Route.cash(p.id))
                }
            }
        }
        .navigationTitle(model.t(ScreenText.myParticipants))
        .onAppear { screen.reload() }
    }
}

/// Activation: the branch's QR code (server, code, server key fingerprint) or typed values.
struct ActivationView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: ActivationScreen
    @State private var scanning = false

    var body: some View {
        Form {
            Button(model.t(ScreenText.scanQR)) { scanning = true }.buttonStyle(.borderedProminent)
            TextField(model.t(ScreenText.serverAddress), text: $screen.server)
                .textInputAutocapitalization(.never).keyboardType(.URL)
            TextField(model.t(ScreenText.activationCode), text: $screen.code)
                .textInputAutocapitalization(.characters)
            if let fp = screen.fingerprint { Text("\(model.t(ScreenText.serverKey)): \(fp)").font(.footnote) }
            Button(model.t(ScreenText.activate)) { screen.activateTyped() }.disabled(screen.busy)
            if let message = screen.message { Text(message) }
        }
        .navigationTitle(model.t(ScreenText.activation))
        .sheet(isPresented: $scanning) {
            QRScannerView { payload in
                scanning = false
                screen.scanned(payload)
            }
        }
    }
}
