import MessageUI
import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// The receipt: the core's lines; BELUM DIBAYAR until the server confirms a payment.
struct ReceiptScreen: View {
    @EnvironmentObject var model: AppModel
    let id: String
    @State private var receipt: ReceiptModel?

    var body: some View {
        List {
            if let r = receipt {
                Text(r.receipt.paymentStatus).font(.title).foregroundColor(r.receipt.paid ? .green : .red)
                ForEach(Array(r.lines.enumerated()), id: \.offset) { _, line in
                    HStack {
                        Text(line.0)
                        Spacer()
                        Text(line.1).bold()
                    }
                }
                if let url = smsURL(r.shareText()) { Link("Kirim lewat SMS", destination: url) }
                ShareLink("Bagikan", item: r.shareText())
                NavigationLink("Catat uang tunai") { CashView(recordId: id) }
            }
        }
        .navigationTitle("Bukti pendaftaran")
        .onAppear {
            model.run({ try ReceiptModel(receipt: $0.receipt(id: id), lang: model.lang) }) { result in
                if case let .success(r) = result { receipt = r }
            }
        }
    }

    private func smsURL(_ body: String) -> URL? {
        var components = URLComponents()
        components.scheme = "sms"
        components.path = ""
        components.queryItems = [URLQueryItem(name: "body", value: body)]
        return components.url
    }
}
