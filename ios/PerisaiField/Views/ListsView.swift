import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// "Pendaftaran saya": every record, its review state, and a fix for "has issues".
struct MyEnrollmentsView: View {
    @EnvironmentObject var model: AppModel
    @State private var rows: [RecordSummary] = []
    @State private var problem: String?

    var body: some View {
        List {
            if let problem { Text(problem).foregroundColor(.red) }
            ForEach(rows, id: \.id) { row in
                VStack(alignment: .leading) {
                    Text(row.fullName ?? "—").font(.headline)
                    Text([row.receiptNo.map { "#\($0)" }, row.reference].compactMap { $0 }.joined(separator: "  "))
                    Text(RecordStates.label(row.state, model.lang))
                        .foregroundColor(RecordStates.needsFix(row.state) ? .orange : .primary)
                    HStack {
                        NavigationLink("Lihat bukti") { ReceiptScreen(id: row.id) }
                        if RecordStates.needsFix(row.state) {
                            NavigationLink("Perbaiki") { EnrollmentFormView(correcting: row.id) }
                        }
                    }
                }
                .swipeActions {
                    if RecordStates.canWithdraw(row.state) {
                        Button("Tarik", role: .destructive) { withdraw(row.id) }
                    }
                }
            }
        }
        .navigationTitle("Pendaftaran saya")
        .onAppear(perform: reload)
    }

    private func reload() {
        model.run({ try $0.list(state: nil).filter { $0.state != .purged } }) { result in
            if case let .success(list) = result { rows = list.reversed() }
        }
    }

    private func withdraw(_ id: String) {
        model.run({ try $0.withdraw(id: id) }) { result in
            if case let .failure(error as PerisaiError) = result { problem = error.message(model.lang) }
            reload()
        }
    }
}

/// "Peserta saya": approved participants, next due month, payment code, and cash taken.
struct ParticipantsView: View {
    @EnvironmentObject var model: AppModel
    @State private var rows: [ParticipantRow] = []

    var body: some View {
        List {
            if rows.isEmpty { Text("Belum ada peserta yang disetujui.") }
            ForEach(rows) { p in
                VStack(alignment: .leading) {
                    Text(p.name).font(.headline)
                    Text(p.nikMasked)
                    Text("Iuran berikutnya: \(p.nextDueLabel)")
                    Text(p.paymentCode.map { "Kode iuran: \($0)" } ?? "Kode iuran belum ada (menunggu persetujuan)")
                    if let status = p.paymentStatus { Text(status).font(.footnote) }
                    NavigationLink("Catat uang tunai") { CashView(recordId: p.id) }
                }
            }
        }
        .navigationTitle("Peserta saya")
        .onAppear {
            let lang = model.lang
            model.run({ try ParticipantRow.load(app: $0, lang: lang) }) { result in
                if case let .success(list) = result { rows = list }
            }
        }
    }
}

/// Activation: the QR code's values or typed ones, handed to the core.
struct ActivationView: View {
    @EnvironmentObject var model: AppModel
    @State private var server = ""
    @State private var code = ""
    @State private var message: String?

    var body: some View {
        Form {
            TextField("Alamat server", text: $server).textInputAutocapitalization(.never).keyboardType(.URL)
            TextField("Kode aktivasi", text: $code).textInputAutocapitalization(.characters)
            Button("Aktifkan") { activate() }.buttonStyle(.borderedProminent)
            if let message { Text(message) }
        }
        .navigationTitle("Aktivasi perangkat")
    }

    private func activate() {
        let signer = model.signer
        model.run({ try $0.activate(serverUrl: server, code: code, fingerprint: nil, signer: signer) }) { result in
            switch result {
            case let .success(done): message = "Perangkat aktif. Agen: \(done.agentId), cabang: \(done.branch)."
            case let .failure(error as PerisaiError): message = error.message(model.lang)
            case let .failure(error): message = error.localizedDescription
            }
        }
    }
}
