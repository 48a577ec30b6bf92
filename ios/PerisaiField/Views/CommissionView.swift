import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Commission: a month's statement as the core keeps it offline, the issued one ("Resmi") or the
/// server's latest estimate ("Sementara per …", clearly marked), with the months before and after.
struct CommissionView: View {
    @EnvironmentObject var model: AppModel
    @StateObject private var state = CommissionScreenState()

    var body: some View {
        List {
            if let problem = state.problem { Text(problem).foregroundColor(.red) }
            if let page = state.page {
                Section {
                    HStack {
                        Button("‹ Sebelumnya") { state.go(model) { try $0.previous() } }
                            .disabled(state.busy)
                        Spacer()
                        Text(page.monthLabel).font(.headline)
                        Spacer()
                        Button("Berikutnya ›") { state.go(model) { try $0.next() } }
                            .disabled(state.busy || !page.canGoNext)
                    }
                    .buttonStyle(.borderless)
                    VStack(alignment: .leading, spacing: 4) {
                        Text(page.statusText).font(.headline).foregroundColor(page.confirmed ? .green : .orange)
                        Text(page.statusNote).font(.footnote)
                    }
                }
                Section {
                    ForEach(Array(page.totals.enumerated()), id: \.offset) { index, total in
                        HStack {
                            Text(total.0)
                            Spacer()
                            Text(total.1).fontWeight(index == page.totals.count - 1 ? .bold : .regular)
                        }
                    }
                }
                Section("Rincian") {
                    if page.lines.isEmpty {
                        Text("Belum ada insentif untuk bulan ini. Pernyataan dan perkiraan datang dari kantor cabang saat sinkronisasi.")
                            .font(.footnote)
                    }
                    ForEach(page.lines) { line in
                        VStack(alignment: .leading, spacing: 2) {
                            HStack {
                                Text(line.participant ?? line.kindLabel).font(.subheadline).bold()
                                Spacer()
                                Text(line.amountFormatted)
                            }
                            if line.participant != nil { Text(line.kindLabel).font(.caption) }
                            Text(line.note).font(.caption)
                        }
                    }
                }
            }
        }
        .navigationTitle("Insentif")
        .onAppear {
            if state.page == nil { state.go(model) { try $0.start() } }
        }
    }
}

/// Holds the screen's CommissionModel (used only on the app model's lane) and what it showed.
final class CommissionScreenState: ObservableObject {
    @Published var page: CommissionPage?
    @Published var problem: String?
    @Published var busy = false
    private var commission: CommissionModel?

    func go(_ model: AppModel, _ step: @escaping (CommissionModel) throws -> CommissionPage) {
        guard !busy else { return }
        busy = true
        let lang = model.lang
        model.run({ (app: AgentApp) -> CommissionPage in
            let commission = self.commission ?? CommissionModel(app: app, lang: lang)
            self.commission = commission
            return try step(commission)
        }) { result in
            self.busy = false
            switch result {
            case let .success(page):
                self.page = page
                self.problem = nil
            case let .failure(error as PerisaiError): self.problem = error.message(lang)
            case let .failure(error): self.problem = error.localizedDescription
            }
        }
    }
}
