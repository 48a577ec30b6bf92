import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Cash collected from the participant of `recordId`: amount and months, recorded by the core with
/// the time and sent with the next sync. The core checks the values; its message shows under the
/// input it names. The receipt keeps saying BELUM DIBAYAR until the server confirms the payment.
struct CashView: View {
    @EnvironmentObject var model: AppModel
    let recordId: String
    @StateObject private var state = CashScreenState()
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        Form {
            if let p = state.participant {
                Section {
                    Text(p.name).font(.headline)
                    Text(p.nikMasked)
                    Text(p.paymentCode.map { "Kode iuran: \($0)" } ?? "Kode iuran belum ada (menunggu persetujuan)")
                }
            }
            if let contribution = state.receiptContribution { Text("Iuran di bukti: \(contribution)") }
            if let done = state.saved {
                Section {
                    Text("Tercatat \(done.cash.amountFormatted) untuk \(done.cash.months) bulan, \(done.collectedAt)").font(.headline)
                    Text(done.paymentStatus).font(.title).foregroundColor(done.paid ? .green : .red)
                    Text("Tercatat. Uang ini harus disetor; status tetap BELUM DIBAYAR sampai dikonfirmasi.")
                    Text("Catatan uang tunai menunggu dikirim: \(done.unsent)").font(.footnote)
                    Button("Selesai") { dismiss() }
                }
            } else {
                Section {
                    TextField("Jumlah (rupiah)", text: $state.amount).keyboardType(.numberPad)
                    if let error = state.amountError { Text(error).foregroundColor(.red).font(.footnote) }
                    TextField("Untuk berapa bulan", text: $state.months).keyboardType(.numberPad)
                    if let error = state.monthsError { Text(error).foregroundColor(.red).font(.footnote) }
                }
                if let problem = state.problem { Text(problem).foregroundColor(.red) }
                Button("Catat") { state.save(model) }
                    .buttonStyle(.borderedProminent)
                    .disabled(state.saving)
                Text("BELUM DIBAYAR: jangan katakan iuran sudah lunas sebelum dikonfirmasi.").font(.footnote)
            }
        }
        .navigationTitle("Uang tunai diterima")
        .onAppear { state.open(model, recordId: recordId) }
    }
}

/// Holds the screen's CashEntry (used only on the app model's lane): a recorded payment is never
/// recorded twice by a double tap or a redraw.
final class CashScreenState: ObservableObject {
    @Published var participant: CashEntry.Participant?
    @Published var receiptContribution: String?
    @Published var amount = ""
    @Published var months = ""
    @Published var amountError: String?
    @Published var monthsError: String?
    @Published var problem: String?
    @Published var saved: CashEntry.Saved?
    @Published var saving = false
    private var entry: CashEntry?

    func open(_ model: AppModel, recordId: String) {
        guard entry == nil else { return }
        let lang = model.lang
        model.run({ app in try CashEntry(app: app, recordId: recordId, lang: lang) }) { result in
            switch result {
            case let .success(entry):
                self.entry = entry
                self.participant = entry.participant
                self.receiptContribution = entry.receiptContribution
            case let .failure(error as PerisaiError): self.problem = error.message(lang)
            case let .failure(error): self.problem = error.localizedDescription
            }
        }
    }

    func save(_ model: AppModel) {
        guard let entry, !saving else { return }
        saving = true
        let (amount, months) = (self.amount, self.months)
        model.run({ (_: AgentApp) -> CashEntry.Result in
            entry.setAmount(amount)
            entry.setMonths(months)
            return entry.save()
        }) { result in
            self.saving = false
            self.amountError = entry.amountError
            self.monthsError = entry.monthsError
            switch result {
            case .success(.saved(let done)):
                self.saved = done
                self.problem = nil
            case .success(.fixInput):
                self.problem = nil
            case let .success(.refused(_, message)):
                self.problem = message
            case let .failure(error):
                self.problem = error.localizedDescription
            }
        }
    }
}
