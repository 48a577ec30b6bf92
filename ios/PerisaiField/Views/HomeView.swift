import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Home: the core's queue counts, the last sync, "Kirim", and the way to every screen.
struct HomeView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: HomeState?
    @State private var sendRequested = false

    var body: some View {
        List {
            if let s = state {
                Section {
                    CountRow(label: "Menunggu dikirim", count: s.toSend)
                    CountRow(label: "Sedang dikirim", count: s.sending)
                    CountRow(label: "Menunggu verifikasi", count: s.awaitingReview)
                    CountRow(label: "Disetujui", count: s.approved)
                    CountRow(label: "Perlu diperbaiki", count: s.needsFix)
                    CountRow(label: "Draf", count: s.drafts)
                    if s.unsentCash > 0 { CountRow(label: "Uang tunai belum terkirim", count: s.unsentCash) }
                    Text(s.lastSync.map { "Terakhir terkirim: \($0)" } ?? "Belum pernah terkirim").font(.footnote)
                }
                Button("Kirim") {
                    model.sync.sendNow()
                    sendRequested = true
                }
                .disabled(!s.activated || s.suspended)
                if sendRequested { Text("Akan dikirim begitu ada sinyal.").font(.footnote) }
                if !s.activated { Text("Perangkat belum diaktifkan: pendaftaran tersimpan di HP sampai aktivasi.").foregroundColor(.red) }
            }
            Section {
                NavigationLink("Pendaftaran baru") { EnrollmentFormView(correcting: nil) }
                NavigationLink("Pendaftaran saya") { MyEnrollmentsView() }
                NavigationLink("Peserta saya") { ParticipantsView() }
                NavigationLink("Insentif") { CommissionView() }
                NavigationLink("Aktivasi perangkat") { ActivationView() }
            }
        }
        .navigationTitle("Beranda")
        .onAppear(perform: reload)
        .refreshable { reload() }
    }

    private func reload() {
        model.run({ try HomeState.load(app: $0) }) { result in
            if case let .success(s) = result { state = s }
        }
    }
}

struct CountRow: View {
    let label: String
    let count: UInt64

    var body: some View {
        HStack {
            Text(label)
            Spacer()
            Text("\(count)").font(.headline)
        }
    }
}
