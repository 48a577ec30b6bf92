import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Cash collected from a participant: amount and months, recorded by the core with the time and
/// sent with the next sync. The core checks the values; its message shows under the input it
/// names. The receipt keeps saying BELUM DIBAYAR until the server confirms the payment.
struct CashView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: CashScreen

    var body: some View {
        Form {
            if let p = screen.participant {
                Section {
                    Text(p.name).font(.headline)
                    Text(p.nikMasked)
                    Text(p.paymentCode.map { model.t(ScreenText.paymentCode) + ": " + $0 } ?? model.t(ScreenText.noPaymentCode))
                }
            }
            if let contribution = screen.receiptContribution { Text("\(model.t(ScreenText.receiptAsks)): \(contribution)") }
            if let done = screen.saved {
                Section {
                    Text(ScreenText.cashRecorded(done.cash.amountFormatted, months: done.cash.months, at: done.collectedAt).text(model.lang))
                        .font(.headline)
                    Text(done.paymentStatus).font(.title).foregroundColor(done.paid ? .green : .red)
                    Text(model.t(ScreenText.cashMustBeDeposited))
                    Text("\(model.t(ScreenText.cashWaiting)): \(done.unsent)").font(.footnote)
                    Button(model.t(ScreenText.done)) { model.back() }
                }
            } else {
                Section {
                    TextField(model.t(ScreenText.amount), text: $screen.amount).keyboardType(.numberPad)
                    if let error = screen.amountError { Text(error).foregroundColor(.red).font(.footnote) }
                    TextField(model.t(ScreenText.forHowManyMonths), text: $screen.months).keyboardType(.numberPad)
                    if let error = screen.monthsError { Text(error).foregroundColor(.red).font(.footnote) }
                }
                if let problem = screen.problem { Text(problem).foregroundColor(.red) }
                Button(model.t(ScreenText.record)) { screen.save() }
                    .buttonStyle(.borderedProminent)
                    .disabled(screen.saving)
                Text(model.t(ScreenText.cashNotPaidYet)).font(.footnote)
            }
        }
        .navigationTitle(model.t(ScreenText.cashTitle))
    }
}
