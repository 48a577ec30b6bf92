import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// Home: the core's queue counts, the last sync, "Kirim", the language, and the way to every screen.
struct HomeView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: HomeScreen

    var body: some View {
        List {
            if let s = screen.state {
                Section {
                    CountRow(label: model.t(ScreenText.toSend), count: s.toSend)
                    CountRow(label: model.t(ScreenText.beingSent), count: s.sending)
                    CountRow(label: model.t(ScreenText.awaitingReview), count: s.awaitingReview)
                    CountRow(label: model.t(ScreenText.approved), count: s.approved)
                    CountRow(label: model.t(ScreenText.needsFix), count: s.needsFix)
                    CountRow(label: model.t(ScreenText.drafts), count: s.drafts)
                    if s.unsentCash > 0 { CountRow(label: model.t(ScreenText.unsentCash), count: s.unsentCash) }
                    Text(s.lastSync.map { model.t(ScreenText.lastSync) + ": " + $0 } ?? model.t(ScreenText.neverSynced)).font(.footnote)
                }
                Button(model.t(ScreenText.send)) { screen.send() }
                    .disabled(!s.activated || s.suspended)
                if let text = screen.syncText { Text(text).font(.footnote) }
                if !s.activated { Text(model.t(ScreenText.notActivated)).foregroundColor(.red) }
                if s.suspended { Text(model.t(ScreenText.suspended)).foregroundColor(.red) }
            }
            if let problem = screen.problem { Text(problem).foregroundColor(.red) }
            Section {
                Button(model.t(ScreenText.newEnrollment)) { model.openNewEnrollment() }
                NavigationLink(model.t(ScreenText.myEnrollments), value: Route.myEnrollments)
                NavigationLink(model.t(ScreenText.myParticipants), value: Route.participants)
                NavigationLink(model.t(ScreenText.commission), value: Route.commission)
                NavigationLink(model.t(ScreenText.activation), value: Route.activation)
            }
            Section {
                Picker(model.t(ScreenText.language), selection: Binding(get: { model.lang }, set: { model.setLanguage($0) })) {
                    Text("Bahasa Indonesia").tag(Lang.id)
                    Text("English").tag(Lang.en)
                }
            }
        }
        .navigationTitle(model.t(ScreenText.homeTitle))
        .onAppear { screen.refresh() }
        .refreshable { screen.refresh() }
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
