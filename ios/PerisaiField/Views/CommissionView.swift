import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Commission: a month's statement as the core keeps it offline, the issued one ("Resmi") or the
/// server's latest estimate ("Sementara per …", clearly marked), with the months before and after.
struct CommissionView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: CommissionScreen

    var body: some View {
        List {
            if let problem = screen.problem { Text(problem).foregroundColor(.red) }
            if let page = screen.page {
                Section {
                    HStack {
                        Button(model.t(ScreenText.previousMonth)) { screen.previous() }.disabled(screen.busy)
                        Spacer()
                        Text(page.monthLabel).font(.headline)
                        Spacer()
                        Button(model.t(ScreenText.nextMonth)) { screen.next() }.disabled(screen.busy || !page.canGoNext)
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
                Section(model.t(ScreenText.details)) {
                    if page.lines.isEmpty { Text(model.t(ScreenText.noCommission)).font(.footnote) }
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
        .navigationTitle(model.t(ScreenText.commission))
    }
}
