import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// The receipt: the core's lines; BELUM DIBAYAR until the server confirms a payment. The text sent
/// by SMS or the share sheet is the core's.
struct ReceiptView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: ReceiptScreen

    var body: some View {
        List {
            if let r = screen.receipt {
                Text(r.receipt.paymentStatus).font(.title).foregroundColor(r.receipt.paid ? .green : .red)
                ForEach(Array(r.lines.enumerated()), id: \.offset) { _, line in
                    HStack {
                        Text(line.0)
                        Spacer()
                        Text(line.1).bold()
                    }
                }
                if let url = screen.smsURL { Link(model.t(ScreenText.sendBySMS), destination: url) }
                ShareLink(model.t(ScreenText.share), item: r.shareText)
                NavigationLink(model.t(ScreenText.recordCash), value: Route.cash(screen.id))
            }
            if let problem = screen.problem { Text(problem).foregroundColor(.red) }
        }
        .navigationTitle(model.t(ScreenText.receiptTitle))
        .onAppear { screen.reload() }
    }
}
